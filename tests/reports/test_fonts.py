"""PDFs need the CJK fonts; `manage.py check` says so when they are missing."""

from reports.checks import cjk_fonts_installed
from reports.pdf import missing_cjk_fonts


def test_the_cjk_fonts_are_installed_here():
    assert missing_cjk_fonts() == []
    assert cjk_fonts_installed(None) == []


def test_a_missing_font_is_reported_with_the_fix(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")  # no fc-list: fonts cannot be found
    [warning] = cjk_fonts_installed(None)
    assert warning.id == "reports.W001"
    assert "Noto Serif CJK SC" in warning.msg and "fonts-noto-cjk" in warning.hint
