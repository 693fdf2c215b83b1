"""The Content-Security-Policy allows scripts and styles from our own files only; a template with
inline code would break in the browser (or tempt someone to weaken the policy). Every template
of the project is scanned for it."""

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
# The PDF templates are rendered by WeasyPrint, never served as pages: their stylesheet is
# inlined into the document on purpose (reports.pdf).
PDF_ONLY = ROOT / "templates" / "reports" / "print"

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"javascript:", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style\b", re.IGNORECASE)


def _templates() -> list[Path]:
    found = sorted((ROOT / "templates").rglob("*.html"))
    for app_dir in ROOT.iterdir():
        if (app_dir / "templates").is_dir() and app_dir.name != "templates":
            found += sorted((app_dir / "templates").rglob("*.html"))
    return found


def _problems(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    checks = [
        (INLINE_SCRIPT, "inline <script>"),
        (STYLE_ATTRIBUTE, "style= attribute"),
        (EVENT_HANDLER, "on…= event handler"),
        (JAVASCRIPT_URL, "javascript: URL"),
    ]
    if PDF_ONLY not in path.parents:
        checks.append((STYLE_ELEMENT, "<style> element"))
    shown = path.relative_to(ROOT) if ROOT in path.parents else path.name
    return [
        f"{shown}:{text.count(chr(10), 0, m.start()) + 1}: {what}"
        for pattern, what in checks
        for m in pattern.finditer(text)
    ]


def test_templates_are_found():
    names = {p.name for p in _templates()}
    assert {"base.html", "_select_all.html", "board.html", "_sheet.html"} <= names


def test_no_template_has_inline_script_style_or_handler():
    problems = [problem for path in _templates() for problem in _problems(path)]
    assert not problems, "inline code the CSP blocks:\n" + "\n".join(problems)


def test_the_scanner_catches_inline_code(tmp_path):
    page = tmp_path / "bad.html"
    page.write_text(
        '<script>alert(1)</script><p style="color:red" onclick="x()">'
        '<a href="javascript:void(0)">a</a><style>p{}</style><script src="/static/ok.js"></script>',
        encoding="utf-8",
    )
    found = " ".join(_problems(page))
    for what in ("inline <script>", "style=", "event handler", "javascript:", "<style>"):
        assert what in found
    assert found.count("inline <script>") == 1


def test_select_all_is_a_static_file():
    template = (ROOT / "templates" / "workflow" / "_select_all.html").read_text(encoding="utf-8")
    assert "js/select_all.js" in template
    assert "data-select-all" in (ROOT / "static" / "js" / "select_all.js").read_text()
