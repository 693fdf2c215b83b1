"""Spreadsheet uploads: the type is sniffed from the content, the size is limited."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from audit.uploads import validate_spreadsheet_upload


def _xlsx_bytes() -> bytes:
    workbook = Workbook()
    workbook.active.append(["工号", "姓名"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
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
