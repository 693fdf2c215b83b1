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


def test_the_warm_up_lays_out_a_form_without_the_database():
    """gunicorn's master calls it before forking (gunicorn.conf.py): no database there (this
    test has none: a query would fail it)."""
    from reports.pdf import warm_up

    assert warm_up() > 0


def test_pdfs_using_any_number_of_glyphs_show_their_text():
    """Fonts are subset to the glyphs a PDF uses, however many (reports.pdf._ArrayTypes answers
    the array types WeasyPrint asks cffi for, one per glyph count)."""
    import io

    from pypdf import PdfReader

    from reports.pdf import html_to_pdf

    text = "廉政风险点及防控措施一览表审批事项集体研究公开公示"
    for n in (3, 7, len(text)):
        pdf = html_to_pdf(f"<p style=\"font-family: 'Noto Serif CJK SC'\">{text[:n]}</p>")
        assert text[:n] in PdfReader(io.BytesIO(pdf)).pages[0].extract_text().replace(" ", "")
