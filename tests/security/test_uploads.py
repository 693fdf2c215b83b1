"""Spreadsheet uploads: the type is sniffed from the content, the size is limited."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from audit.uploads import validate_attachment_upload, validate_spreadsheet_upload


def _xlsx_bytes() -> bytes:
    workbook = Workbook()
    workbook.active.append(["工号", "姓名"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _docx_bytes() -> bytes:
    buffer = io.BytesIO()
    # Fixed timestamps: the same bytes in every process, so pytest-xdist workers collect the
    # same test ids.
    stamp = (2026, 1, 1, 0, 0, 0)
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("[Content_Types].xml", stamp), "<Types/>")
        archive.writestr(zipfile.ZipInfo("word/document.xml", stamp), "<document/>")
    return buffer.getvalue()


def _upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def test_xlsx_is_recognised_whatever_its_name():
    assert validate_spreadsheet_upload(_upload("名册.csv", _xlsx_bytes())) == "xlsx"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_text_is_recognised_in_common_encodings(encoding):
    content = "工号,姓名\n000101,李晓燕\n".encode(encoding)
    assert validate_spreadsheet_upload(_upload("roster.xlsx", content)) == "csv"


def test_upload_is_left_at_the_start_for_the_caller():
    upload = _upload("名册.xlsx", _xlsx_bytes())
    validate_spreadsheet_upload(upload)
    assert upload.read(4) == b"PK\x03\x04"


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("名册.xlsx", _docx_bytes(), "不是 Excel 工作簿"),
        ("名册.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "另存为 .xlsx"),
        ("名册.xlsx", b"\x89PNG\r\n\x1a\n" + b"\x00\x01" * 50, "既不是 Excel 工作簿"),
        ("名册.csv", b"MZ\x90\x00\x03\x00\x00\x00", "既不是 Excel 工作簿"),
        ("名册.csv", b"", "空的"),
    ],
)
def test_non_spreadsheets_are_refused_with_a_chinese_message(name, content, message):
    with pytest.raises(ValidationError) as exc:
        validate_spreadsheet_upload(_upload(name, content))
    assert message in exc.value.messages[0]


def test_oversized_upload_is_refused(settings):
    settings.UPLOAD_MAX_BYTES = 1024
    with pytest.raises(ValidationError) as exc:
        validate_spreadsheet_upload(_upload("名册.csv", b"a,b\n" * 1000))
    assert "文件太大" in exc.value.messages[0]


def test_zip_bomb_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", "0" * 5_000_000)
    with pytest.raises(ValidationError) as exc:
        validate_spreadsheet_upload(_upload("名册.xlsx", buffer.getvalue()))
    assert "异常庞大" in exc.value.messages[0]


# --- Attachments (meeting minutes) -----------------------------------------------------------


@pytest.mark.parametrize(
    "content, kind",
    [
        (b"%PDF-1.7\n...", "pdf"),
        (b"\x89PNG\r\n\x1a\n" + bytes(16), "png"),
        (b"\xff\xd8\xff\xe0" + bytes(16), "jpeg"),
        (b"GIF89a" + bytes(16), "gif"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16), "doc"),
        ("会议纪要：经研究决定……".encode(), "txt"),
    ],
)
def test_attachment_kind_is_sniffed_from_the_content(content, kind):
    assert validate_attachment_upload(_upload("随便什么名字.bin", content)) == kind


def test_docx_is_an_attachment_but_a_workbook_is_not():
    assert validate_attachment_upload(_upload("纪要.docx", _docx_bytes())) == "docx"
    with pytest.raises(ValidationError):
        validate_attachment_upload(_upload("纪要.docx", _xlsx_bytes()))


@pytest.mark.parametrize("content", [b"MZ\x90\x00" + bytes(64), b"\x7fELF" + bytes(64)])
def test_programs_are_refused_as_attachments_whatever_their_name(content):
    with pytest.raises(ValidationError) as exc:
        validate_attachment_upload(_upload("纪要.pdf", content))
    assert exc.value.code == "attachment_type"


def test_attachment_size_is_limited(settings):
    settings.UPLOAD_MAX_BYTES = 10
    with pytest.raises(ValidationError) as exc:
        validate_attachment_upload(_upload("纪要.pdf", b"%PDF-1.7" + bytes(64)))
    assert exc.value.code == "too_large"


def test_meeting_form_refuses_a_disguised_file_and_renames_a_good_one():
    from workflow.forms import MeetingForm

    data = {"title": "党组会议", "held_on": "2026-03-01", "attendees": "全体"}
    bad = MeetingForm(data, {"minutes_file": _upload("纪要.pdf", b"MZ\x90\x00" + bytes(64))})
    bad.is_valid()
    assert "minutes_file" in bad.errors

    good = MeetingForm(data, {"minutes_file": _upload("纪要.html", b"%PDF-1.7 ...")})
    good.is_valid()
    assert "minutes_file" not in good.errors
    # Stored under the extension of what it is, so the download is served as a PDF.
    assert good.cleaned_data["minutes_file"].name == "纪要.pdf"


# --- Roster import: the shared check runs for the command too --------------------------------


@pytest.mark.django_db
def test_roster_command_refuses_an_oversized_file(tmp_path, monkeypatch):
    from django.core.management import call_command

    from tests.factories import make_unit, roster_row, roster_xlsx
    from units import roster

    make_unit(code="TEST", name="测试单位")
    monkeypatch.setattr(roster, "MAX_ROSTER_BYTES", 100)
    path = tmp_path / "名册.xlsx"
    path.write_bytes(roster_xlsx([roster_row("1", "张三")]))
    err = io.StringIO()
    with pytest.raises(SystemExit) as exc:
        call_command("import_roster", str(path), "--unit", "TEST", stderr=err)
    assert exc.value.code == 2
    assert "文件太大" in err.getvalue()
