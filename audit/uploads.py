"""Checks for uploaded files: size, and type sniffed from the content, never from the name.

    from audit.uploads import validate_spreadsheet_upload, validate_attachment_upload
    kind = validate_spreadsheet_upload(request.FILES["file"])   # "xlsx" or "csv"
    kind = validate_attachment_upload(request.FILES["minutes_file"])   # "pdf", "docx", "png" …

Raises django.core.exceptions.ValidationError with a Chinese message; the file is left at
position 0 for the caller to read.
"""

import codecs
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat

# A workbook expands when unzipped; beyond this ratio it is treated as a zip bomb.
MAX_UNZIPPED_RATIO = 100
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
CSV_ENCODINGS = ("utf-8-sig", "gb18030")


def validate_upload_size(file, *, max_bytes: int | None = None) -> None:
    limit = max_bytes if max_bytes is not None else settings.UPLOAD_MAX_BYTES
    size = getattr(file, "size", None)
    if size is None:
        file.seek(0, 2)
        size = file.tell()
        file.seek(0)
    if size == 0:
        raise ValidationError("上传的文件是空的。", code="empty")
    if size > limit:
        raise ValidationError(
            "文件太大（%(size)s），上限为 %(limit)s。",
            code="too_large",
            params={"size": filesizeformat(size), "limit": filesizeformat(limit)},
        )


def _office_zip_part(file) -> str | None:
    """For an Office Open XML file (a zip with [Content_Types].xml), its main folder: "xl/"
    for a workbook, "word/" for a document; None for anything else."""
    try:
        with zipfile.ZipFile(file) as archive:
            infos = archive.infolist()
            names = {info.filename for info in infos}
            unzipped = sum(info.file_size for info in infos)
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    finally:
        file.seek(0)
    if unzipped > MAX_UNZIPPED_RATIO * max(getattr(file, "size", 0) or 0, 1):
        raise ValidationError("文件解压后异常庞大，拒绝处理。", code="zip_bomb")
    if "[Content_Types].xml" not in names:
        return None
    for part in ("xl/", "word/"):
        if any(name.startswith(part) for name in names):
            return part
    return None


def _is_xlsx(file) -> bool:
    return _office_zip_part(file) == "xl/"


def _is_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    for encoding in CSV_ENCODINGS:
        try:
            codecs.decode(data, encoding)
        except UnicodeDecodeError:
            continue
        return True
    return False


def validate_spreadsheet_upload(file, *, max_bytes: int | None = None) -> str:
    """Accept an Excel workbook (.xlsx) or a CSV text file; return "xlsx" or "csv"."""
    validate_upload_size(file, max_bytes=max_bytes)
    file.seek(0)
    head = file.read(8)
    file.seek(0)
    if head.startswith(ZIP_MAGIC):
        if _is_xlsx(file):
            return "xlsx"
        raise ValidationError(
            "文件不是 Excel 工作簿（.xlsx）：它是其他类型的压缩文件。", code="not_spreadsheet"
        )
    if head.startswith(OLE2_MAGIC):
        raise ValidationError(
            "这是旧版 Excel 文件（.xls），请在 Excel 中另存为 .xlsx 后再上传。", code="legacy_xls"
        )
    data = file.read()
    file.seek(0)
    if _is_text(data):
        return "csv"
    raise ValidationError(
        "文件既不是 Excel 工作簿（.xlsx），也不是 CSV 文本文件，请检查后重新上传。",
        code="not_spreadsheet",
    )


# Attachments (meeting minutes): kind → the file extension it is stored under. The stored name
# takes the extension of the sniffed kind, so a download is served as what it really is.
ATTACHMENT_EXTENSIONS = {
    "pdf": ".pdf",
    "docx": ".docx",
    "doc": ".doc",
    "png": ".png",
    "jpeg": ".jpg",
    "gif": ".gif",
    "txt": ".txt",
}
_IMAGE_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
)


def validate_attachment_upload(file, *, max_bytes: int | None = None) -> str:
    """Accept a PDF, a Word document (.docx, or the old .doc), a PNG/JPEG/GIF image or plain
    text, told by the content; return its kind (a key of ATTACHMENT_EXTENSIONS)."""
    validate_upload_size(file, max_bytes=max_bytes)
    file.seek(0)
    head = file.read(8)
    file.seek(0)
    if head.startswith(b"%PDF-"):
        return "pdf"
    for magic, kind in _IMAGE_MAGIC:
        if head.startswith(magic):
            return kind
    if head.startswith(ZIP_MAGIC):
        if _office_zip_part(file) == "word/":
            return "docx"
    elif head.startswith(OLE2_MAGIC):
        return "doc"
    else:
        data = file.read()
        file.seek(0)
        if _is_text(data):
            return "txt"
    raise ValidationError(
        "附件只能是 PDF、Word 文档、图片（PNG、JPEG、GIF）或纯文本文件，请检查后重新上传。",
        code="attachment_type",
    )
