"""The printed documents of supervision: the 廉政风险预警提示书 (seed 003's 风险提示书) and the
谈话记录 of a 谈话函询 / 诫勉谈话, HTML → PDF with WeasyPrint through reports.pdf."""

import functools
from pathlib import Path
from urllib.parse import quote

from django.http import HttpResponse

from reports.pdf import html_to_pdf, print_css, render_print_html
from supervision.models import Disposition, WarningNotice

_CSS = Path(__file__).resolve().parent / "static" / "supervision" / "print.css"


@functools.cache
def _css() -> str:
    return print_css() + _CSS.read_text(encoding="utf-8")


def warning_notice_pdf(warning: WarningNotice) -> bytes:
    html = render_print_html(
        "supervision/print/warning_notice.html",
        {
            "css": _css(),
            "w": warning,
            "points": list(warning.risk_points.select_related("form")),
            "doc_title": f"廉政风险预警提示书 {warning.doc_number}",
        },
    )
    return html_to_pdf(html)


def talk_record_pdf(disposition: Disposition) -> bytes:
    html = render_print_html(
        "supervision/print/talk_record.html",
        {"css": _css(), "d": disposition, "doc_title": f"{disposition.get_kind_display()}记录"},
    )
    return html_to_pdf(html)


def pdf_response(data: bytes, *, filename: str, fallback: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = (
        f"inline; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
    )
    return response
