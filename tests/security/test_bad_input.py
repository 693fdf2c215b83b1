"""A spreadsheet the XML parser refuses (DTD with entity expansion, external entity, damaged
zip) gets one Chinese message and an audit row with outcome 失败 — never a 500."""

import io
import zipfile

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import Workbook

from audit.enums import AuditAction
from audit.models import AuditEvent
from units.models import Person, Unit

pytestmark = pytest.mark.django_db

LAUGHS = (
    '<!DOCTYPE x [<!ENTITY l0 "ha">'
    + "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    + "]>"
)
EXTERNAL = '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'


def _roster() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["工号", "姓名", "部室", "岗位", "岗位层级"])
    sheet.append(["9001", "张三", "办公室", "综合文秘", "工作人员"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _with_entity(doctype: str, entity: str) -> bytes:
    """The roster with a DTD in its sheet and the entity used in a cell."""
    source = zipfile.ZipFile(io.BytesIO(_roster()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                declaration, rest = text.split("?>", 1) if "?>" in text else ("", text)
                rest = rest.replace(
                    "<sheetData>",
                    f'<sheetData><row r="9"><c r="A9" t="inlineStr"><is><t>{entity}</t></is>'
                    "</c></row>",
                    1,
                )
                data = ((declaration + "?>" if declaration else "") + doctype + rest).encode()
            target.writestr(item, data)
    return out.getvalue()


def _damaged() -> bytes:
    """The roster with the bytes of its sheet garbled inside the zip (the CRC no longer fits)."""
    data = bytearray(_roster())
    member = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/worksheets/sheet1.xml")
    start = member.header_offset + 30 + len(member.filename) + len(member.extra)
    middle = start + member.compress_size // 2
    data[middle : middle + 8] = bytes(b ^ 0xFF for b in data[middle : middle + 8])
    return bytes(data)


BAD_WORKBOOKS = {
    "entity expansion": lambda: _with_entity(LAUGHS, "&l9;"),
    "external entity": lambda: _with_entity(EXTERNAL, "&e;"),
    "damaged zip": _damaged,
}


@pytest.mark.parametrize("kind", BAD_WORKBOOKS)
def test_a_workbook_the_parser_refuses_is_one_chinese_message_and_an_audited_failure(
    client, demo, settings, tmp_path, kind
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(demo["admin"])
    upload = io.BytesIO(BAD_WORKBOOKS[kind]())
    upload.name = "名册.xlsx"
    people = Person.objects.count()

    response = client.post(
        reverse("admin:units_person_roster_import"),
        {"unit": Unit.objects.get(code="GYRC").pk, "file": upload},
    )

    assert response.status_code == 200
    assert response.content.decode().count("无法读取“名册.xlsx”") == 1
    event = AuditEvent.objects.get(action=AuditAction.ROSTER_IMPORT)
    assert event.outcome == "failure" and event.get_outcome_display() == "失败"
    assert "无法读取" in event.details["error"]
    assert Person.objects.count() == people
    assert "root:" not in response.content.decode()


def test_the_import_command_refuses_it_too(demo, tmp_path):
    path = tmp_path / "名册.xlsx"
    path.write_bytes(BAD_WORKBOOKS["entity expansion"]())
    err = io.StringIO()

    with pytest.raises(SystemExit) as exit_code:
        call_command("import_roster", str(path), unit="GYRC", stderr=err)

    assert exit_code.value.code == 2
    assert "无法读取" in err.getvalue()
    assert AuditEvent.objects.get(action=AuditAction.ROSTER_IMPORT).outcome == "failure"
