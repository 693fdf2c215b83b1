"""Printed output of the power list: the 职权目录 table (seed 002 §1: 职权名称、内容、办理主体和
法律依据, with kind, 时限, 监督渠道 and the clearing result) as PDF and Excel, the flowcharts one
per page as PDF, and the part of the bound volume (资料汇编) that precedes the 一览表."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from powers import charts, selectors
from powers.models import PowerItem
from units.models import Department, Post, Unit

CATALOGUE_HEADERS = (
    "序号",
    "所属部室（岗位）",
    "职权名称",
    "职权类别",
    "职权内容",
    "办理主体",
    "法律依据",
    "办理时限",
    "监督渠道",
    "清理结果",
    "确认年度",
)
CATALOGUE_WIDTHS = (5, 14, 16, 9, 28, 12, 28, 10, 16, 7, 7)
_CSS = Path(__file__).resolve().parent / "static" / "powers" / "print.css"
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def catalogue_row(n: int, item: PowerItem) -> list[object]:
    return [
        n,
        item.owner_name,
        item.name,
        item.kind,
        item.content,
        item.body,
        item.legal_basis,
        item.time_limit,
        item.supervision_channel,
        item.get_status_display(),
        item.confirmed_year or ("待确权" if item.state == "draft" else ""),
    ]


def scope_title(*, unit: Unit, department_id: int | None = None, post_id: int | None = None) -> str:
    if post_id:
        post = Post.objects.filter(unit=unit, pk=post_id).select_related("department").first()
        return f"{post}岗位" if post else unit.name
    if department_id:
        dept = Department.objects.filter(unit=unit, pk=department_id).first()
        return dept.name if dept else unit.name
    return unit.name


def catalogue_filename(unit: Unit, scope: str, fmt: str) -> str:
    name = f"{unit.name}-{scope if scope != unit.name else ''}职权目录.{fmt}".replace(
        "-职权", "-职权"
    )
    return "".join("-" if ch in '/\\:*?"<>|·' else ch for ch in name)


def download(data: bytes, filename: str, fmt: str) -> HttpResponse:
    from reports.views import content_disposition

    response = HttpResponse(data, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = content_disposition(filename, f"powers.{fmt}")
    return response


def _css() -> str:
    from reports.pdf import print_css

    return print_css() + _CSS.read_text(encoding="utf-8")


def _html_to_pdf(html: str) -> bytes:
    from reports.pdf import html_to_pdf

    return html_to_pdf(html)


def catalogue_bytes(*, unit: Unit, items: Sequence[PowerItem], scope: str, fmt: str) -> bytes:
    if fmt == "pdf":
        html = render_to_string(
            "powers/print/catalogue.html",
            {
                "css": _css(),
                "doc_title": f"{scope}职权目录",
                "part": catalogue_part(unit=unit, items=items, scope=scope),
            },
        )
        return _html_to_pdf(html)
    if fmt == "xlsx":
        return catalogue_workbook(unit=unit, items=items, scope=scope)
    raise ValueError(f"职权目录不支持格式 {fmt}")


def catalogue_workbook(*, unit: Unit, items: Sequence[PowerItem], scope: str) -> bytes:
    """Print-ready like the other workbooks: landscape A4, one page wide, the title and header
    rows repeated on every page, "第 &P 页 共 &N 页" in the footer."""
    from openpyxl import Workbook

    from reports import excel

    wb = Workbook()
    ws = wb.active
    ws.title = "职权目录"
    excel.write_table(
        ws,
        title=f"{scope}职权目录",
        subtitle=(
            f"单位：{unit.name}　共 {len(items)} 项　"
            f"导出时间：{timezone.localtime():%Y-%m-%d %H:%M}"
        ),
        headers=CATALOGUE_HEADERS,
        widths=CATALOGUE_WIDTHS,
        rows=(catalogue_row(n, item) for n, item in enumerate(items, 1)),
    )
    ws.print_title_rows = "1:3"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.oddFooter.center.text = "第 &P 页 共 &N 页"
    ws.evenFooter.center.text = "第 &P 页 共 &N 页"
    return excel.workbook_bytes(wb)


def catalogue_part(*, unit: Unit, items: Sequence[PowerItem], scope: str) -> str:
    return render_to_string(
        "powers/print/_catalogue_part.html",
        {
            "unit": unit,
            "scope": scope,
            "headers": CATALOGUE_HEADERS,
            "rows": [catalogue_row(n, item) for n, item in enumerate(items, 1)],
        },
    )


def flowcharts_part(*, user, unit: Unit, items: Sequence[PowerItem]) -> str:
    """Each item's external then internal chart, one per page."""
    steps = selectors.steps_by_item(items)
    points = selectors.chart_points(user=user, items=items)
    pages = []
    for item in items:
        item_steps = steps.get(item.pk, [])
        if not item_steps:
            continue
        pages.append(
            {
                "item": item,
                "external": mark_safe(charts.external_chart(item, item_steps)),
                "internal": mark_safe(
                    charts.internal_chart(item, item_steps, points.get(item.pk, []))
                ),
                "n_points": len(points.get(item.pk, [])),
            }
        )
    return render_to_string("powers/print/_flowcharts_part.html", {"unit": unit, "pages": pages})


def flowcharts_pdf(*, user, unit: Unit, items: Sequence[PowerItem]) -> bytes:
    html = render_to_string(
        "powers/print/catalogue.html",
        {
            "css": _css(),
            "doc_title": f"{unit.name}权力运行流程图",
            "part": mark_safe(flowcharts_part(user=user, unit=unit, items=items)),
        },
    )
    return _html_to_pdf(html)


def volume_part_html(*, user, unit: Unit) -> str:
    """The bound volume's 职权目录 and 流程图 parts (HTML, for reports/print/volume.html): the
    confirmed, not abolished items of the unit, as the reader may see them."""
    items = [
        i
        for i in selectors.catalogue_items(user=user, unit=unit)
        if i.state == "confirmed" and i.status != "abolish"
    ]
    if not items:
        return ""
    return mark_safe(
        "<style>"
        + _CSS.read_text(encoding="utf-8")
        + "</style>"
        + catalogue_part(unit=unit, items=items, scope=unit.name)
        + flowcharts_part(user=user, unit=unit, items=items)
    )
