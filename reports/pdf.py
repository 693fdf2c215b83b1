"""HTML → PDF with WeasyPrint. Fonts come from fontconfig (fonts-noto-cjk; see
scripts/system-deps.sh); the stylesheets are read from the app's static files and inlined, so
rendering never fetches anything over the network."""

from __future__ import annotations

import base64
import functools
import re
import shutil
import subprocess
import time
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string

CJK_FAMILIES = ("Noto Serif CJK SC", "Noto Sans CJK SC")
_STATIC = Path(__file__).resolve().parent / "static" / "reports"
_STYLESHEETS = (
    _STATIC / "sheet.css",
    _STATIC / "print.css",
    Path(settings.BASE_DIR) / "static" / "css" / "widths.css",
)


# The draft watermark: the word 草稿, rotated, as the background of every page of a draft
# (an element would be cut by the rows laid over it or shown on one page only).
_WATERMARK_SVG = (
    "<svg xmlns='http://www.w3.org/2000/svg' width='794' height='1123' viewBox='0 0 210 297'>"
    "<text x='105' y='150' font-size='40' fill='#b02a37' fill-opacity='0.13' text-anchor='middle' "
    "font-family='Noto Sans CJK SC, sans-serif' transform='rotate(-30 105 150)'>草稿</text></svg>"
)
DRAFT_PAGE_CSS = (
    '@page { background-image: url("data:image/svg+xml;base64,'
    + base64.b64encode(_WATERMARK_SVG.encode()).decode()
    + '"); background-repeat: no-repeat; background-size: 210mm 297mm; }'
)


@functools.cache
def print_css() -> str:
    return "".join(path.read_text(encoding="utf-8") for path in _STYLESHEETS)


def missing_cjk_fonts() -> list[str]:
    """The CJK font families fontconfig cannot find (empty when PDFs will show Chinese)."""
    if shutil.which("fc-list") is None:
        return list(CJK_FAMILIES)
    out = subprocess.run(
        ["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False
    ).stdout
    return [family for family in CJK_FAMILIES if family not in out]


def render_print_html(template: str, context: dict, *, draft: bool = False) -> str:
    css = print_css() + (DRAFT_PAGE_CSS if draft else "")
    return render_to_string(template, {"css": css, **context})


_ARRAY_TYPE = re.compile(r"([A-Za-z_]\w*)\[(\d+)\]")


class _ArrayTypes(dict):
    """cffi's cache of parsed C types (`FFI._parsed_types`) that answers "T[n]" itself.

    WeasyPrint subsets each font of a PDF with `ffi.new(f"hb_codepoint_t[{n}]", …)`, n being
    the number of glyphs the document uses and the highest glyph id + 1. Every n cffi has not
    seen is a new type string for it to parse with pycparser (tens of ms each, WeasyPrint's
    declarations included), so a worker's first PDF — and any PDF whose glyph counts it had
    not met — paid that per font: most of what the first PDF of a warmed worker still cost
    over its third. "T[n]" is built here the way cffi builds it (cffi.model.ArrayType: T's
    pointer type, then the backend's array type, in cffi's own type cache); every other
    string still goes to cffi's parser."""

    def __init__(self, ffi, parsed: dict):
        super().__init__(parsed)
        self._ffi = ffi

    def __missing__(self, cdecl):
        match = _ARRAY_TYPE.fullmatch(cdecl) if isinstance(cdecl, str) else None
        if match is None:
            raise KeyError(cdecl)  # cffi parses it (FFI._typeof catches the KeyError)
        from cffi import model

        pointer = self._ffi.typeof(f"{match[1]} *")
        array = model.global_cache("?", self._ffi, "new_array_type", pointer, int(match[2]))
        self[cdecl] = result = (array, False)  # (type, is a raw function type)
        return result


@functools.cache
def _weasyprint_html():
    """WeasyPrint's HTML class, imported late (Pango is only needed when a PDF is made), with
    cffi's type cache answering array types (_ArrayTypes)."""
    from weasyprint import HTML
    from weasyprint.text.ffi import ffi

    parsed = getattr(ffi, "_parsed_types", None)
    if type(parsed) is dict:  # a cffi whose internals are not what we know: leave it be
        ffi._parsed_types = _ArrayTypes(ffi, parsed)
    return HTML


def html_to_pdf(html: str) -> bytes:
    HTML = _weasyprint_html()
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def _warm_up_sheet():
    """A one-page draft 一览表 made of every kind of cell, with no database behind it."""
    from reports.layouts import Cell, FormSheet, SignField, label

    text = (
        "廉政风险点：审批事项未按规定程序办理，ABC-123（2026年）。\n防控措施：集体研究、公开公示。"
    )
    head = [label("序号", head=True), label("风险|点", head=True), label("防控|措施", head=True)]
    body = [
        [Cell(str(i)), Cell(text, note="中（二级）"), Cell(text * 2, tall=i == 1)]
        for i in range(1, 8)
    ]
    body[2][0] = Cell("3", rowspan=3, kind="label", words=("岗位", "职责"))
    body[3], body[4] = body[3][1:], body[4][1:]
    body[5][2] = Cell("", kind="blank", join_bottom=True)
    body[6][2] = Cell("审核意见：同意。", kind="opinion", join_top=True, cont=True)
    return FormSheet(
        title="廉政风险点及防控措施一览表",
        subtitle="（一般工作人员）",
        columns=[10, 40, 50],
        top_rows=[[label("部室|名称"), Cell("办公室", colspan=2)]],
        head_rows=[head],
        body_rows=body,
        top_fields=[SignField("填表人签字", "张三"), SignField("填表时间", is_date=True)],
        bottom_fields=[SignField("分管领导签字"), SignField("党组书记签字", "李四")],
        meta="2026年第一轮 · 第1版",
        draft=True,
        anchor="form-0",
        split_rows={6},
    )


def warm_up() -> float:
    """Make in this process what every PDF needs and the first one would otherwise make:
    WeasyPrint, Pango and the CJK fonts loaded, cffi's types (_ArrayTypes), Django's template
    engine with its tag libraries, the 一览表's templates compiled, the print stylesheet read,
    the draft watermark drawn — by laying out a one-page draft sheet of every kind of cell (no
    database). Returns seconds.

    Called in gunicorn's master before it forks (gunicorn.conf.py), so that a worker's first
    PDF costs what its third does."""
    start = time.perf_counter()
    sheet = _warm_up_sheet()
    context = {"sheet": sheet, "doc_title": sheet.title + sheet.subtitle}
    sheets_to_pdf("reports/print/form.html", context, [sheet])
    return time.perf_counter() - start


def warm_up_worker() -> float:
    """One tiny PDF in a freshly forked worker, before it takes requests (gunicorn.conf.py);
    returns seconds. The first PDF after a fork writes to much of the memory the master
    prepared (reference counts, font and layout caches) and each page written is copied for
    the worker: ~18,000 page faults, about a tenth of a form PDF, that a user's first PDF
    otherwise paid."""
    start = time.perf_counter()
    html_to_pdf(
        "<p style=\"font-family: 'Noto Serif CJK SC'\">廉政风险</p>"
        "<p style=\"font-family: 'Noto Sans CJK SC'\">防控措施</p>"
    )
    return time.perf_counter() - start


def _row_pages(document) -> dict[str, int]:
    """The page on which each marked table row (data-row="<sheet>:<n>") begins."""
    first: dict[str, int] = {}
    for number, page in enumerate(document.pages):
        for box in page._page_box.descendants():
            element = getattr(box, "element", None)
            if element is None or type(box).__name__ != "TableRowBox":
                continue
            key = element.get("data-row")
            if key and key not in first:
                first[key] = number
    return first


def page_starts(document) -> dict[str, set[int]]:
    """For each sheet, the body rows that begin a page other than the sheet's first one."""
    pages = _row_pages(document)
    by_sheet: dict[str, list[tuple[int, int]]] = {}
    for key, page in pages.items():
        anchor, _, index = key.rpartition(":")
        by_sheet.setdefault(anchor, []).append((int(index), page))
    starts: dict[str, set[int]] = {}
    for anchor, rows in by_sheet.items():
        rows.sort()
        starts[anchor] = {
            i for (i, page), (_j, before) in zip(rows[1:], rows, strict=False) if page != before
        }
    return starts


def sheets_to_pdf(template: str, context: dict, sheets) -> bytes:
    """Render the forms like a careful typist: a first layout finds the page each row starts
    on; where a table continues on a new page, cells spanning rows are cut there (a label is
    repeated with "（续）") and the document is laid out again."""
    return sheets_document(template, context, sheets).write_pdf()


def sheets_document(template: str, context: dict, sheets):
    HTML = _weasyprint_html()

    def layout():
        html = render_print_html(template, context, draft=any(s.draft for s in sheets))
        return HTML(string=html, base_url=str(settings.BASE_DIR)).render()

    document = layout()
    if len(document.pages) == 1:
        return document
    starts = page_starts(document)
    cut = False
    for sheet in sheets:
        rows = starts.get(sheet.anchor, set())
        if rows:
            sheet.paginate(rows)
            cut = True
    return layout() if cut else document
