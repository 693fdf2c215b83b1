"""HTML → PDF with WeasyPrint. Fonts come from fontconfig (fonts-noto-cjk; see
scripts/system-deps.sh); the stylesheets are read from the app's static files and inlined, so
rendering never fetches anything over the network."""

from __future__ import annotations

import base64
import functools
import shutil
import subprocess
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


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML  # imported late: Pango is only needed when a PDF is made

    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def warm_up() -> float:
    """Load WeasyPrint, Pango and the CJK fonts by rendering one tiny page; returns seconds.

    Called in gunicorn's master before it forks (gunicorn.conf.py), so no worker pays the
    first-PDF cost (~0.3 s) on a user's request."""
    import time

    start = time.perf_counter()
    html_to_pdf(
        "<html><body><p style=\"font-family: 'Noto Serif CJK SC'\">廉政风险</p>"
        "<p style=\"font-family: 'Noto Sans CJK SC'\">防控</p></body></html>"
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
    from weasyprint import HTML

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
