"""HTML → PDF with WeasyPrint. Fonts come from fontconfig (fonts-noto-cjk; see
scripts/system-deps.sh); the stylesheets are read from the app's static files and inlined, so
rendering never fetches anything over the network."""

from __future__ import annotations

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


def render_print_html(template: str, context: dict) -> str:
    return render_to_string(template, {"css": print_css(), **context})


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
