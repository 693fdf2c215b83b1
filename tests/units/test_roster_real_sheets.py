"""Real HR sheets: 工号 as numbers, same-name newcomers, blank cells, unknown departments."""

import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from tests.factories import roster_row, roster_xlsx
from units import services
from units.models import Department, Person, Unit

pytestmark = pytest.mark.django_db

IMPORT_URL = "admin:units_person_roster_import"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def gyrc(demo):
    return Unit.objects.get(code="GYRC")


def run(tmp_path, rows, *args) -> tuple[int, str, str]:
    path = tmp_path / "名册.xlsx"
    path.write_bytes(roster_xlsx(rows, title="广元市红十字会人员花名册"))
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_roster", str(path), "--unit", "GYRC", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def yang_fan(employee_no: object = 204, **kw):
    return roster_row(employee_no, "杨帆", "办公室", "廉政联络员", phone="13900000204", **kw)


def upload(client, unit, content: bytes, **extra):
    file = io.BytesIO(content)
    file.name = "名册.xlsx"
    return client.post(reverse(IMPORT_URL), {"unit": unit.pk, "file": file, **extra})


def token_of(response) -> str:
    return re.search(r'name="token" value="([^"]+)"', response.content.decode()).group(1)


def test_numeric_employee_no_matches_its_zero_padded_twin(client, demo, gyrc):
    client.force_login(demo["admin"])
    body = upload(client, gyrc, roster_xlsx([yang_fan(204)])).content.decode()
    assert "按工号 000204 匹配" in body
    assert "新增 0" in body
    assert "204 杨帆" not in body


def test_numeric_employee_no_updates_the_stored_person_on_the_command_line(gyrc, tmp_path):
    code, out, err = run(tmp_path, [yang_fan(204, job_title="副主任科员")])
    assert (code, err) == (0, "")
    assert out.startswith("新增 0, 更新 1")
    assert Person.objects.filter(unit=gyrc, name="杨帆").count() == 1
    assert Person.objects.get(unit=gyrc, employee_no="000204").job_title == "副主任科员"


def test_same_name_newcomer_is_a_warning_and_exit_3_writes_nothing(gyrc, tmp_path):
    rows = [roster_row("009204", "杨帆", "办公室", "档案管理")]
    code, out, err = run(tmp_path, rows)
    assert code == 3 and out == ""
    assert err.splitlines()[0].startswith("第 3 行：提醒：新增人员“杨帆”（工号 009204）")
    assert "000204" in err.splitlines()[0]
    assert not Person.objects.filter(unit=gyrc, employee_no="009204").exists()

    code, out, err = run(tmp_path, rows, "--accept-warnings")
    assert code == 0 and out.startswith("新增 1")
    assert Person.objects.filter(unit=gyrc, name="杨帆").count() == 2


def test_same_name_newcomer_must_be_confirmed_row_by_row_in_the_admin(client, demo, gyrc):
    client.force_login(demo["admin"])
    rows = [roster_row("009204", "杨帆", "办公室", "综合文秘")]
    response = upload(client, gyrc, roster_xlsx(rows, title="花名册"))
    body = response.content.decode()
    assert "第 3 行：提醒：新增人员“杨帆”" in body
    token = token_of(response)

    refused = client.post(reverse(IMPORT_URL), {"token": token, "confirm": "确认导入"})
    assert "未导入：请逐项勾选确认" in refused.content.decode()
    assert not Person.objects.filter(employee_no="009204").exists()

    done = client.post(
        reverse(IMPORT_URL), {"token": token, "confirm": "确认导入", "accept_row": "3"}, follow=True
    )
    assert "人员名册已导入：新增 1" in done.content.decode()
    assert Person.objects.filter(unit=gyrc, employee_no="009204").exists()


def test_blank_optional_cell_keeps_the_stored_value(gyrc, tmp_path):
    row = roster_row("000203", "李晓燕", "办公室", "综合文秘", phone=None, job_title=None)
    code, out, _err = run(tmp_path, [row])
    assert code == 0 and "更新 0" in out
    person = Person.objects.get(unit=gyrc, employee_no="000203")
    assert (person.phone, person.job_title) == ("13900000203", "科员")


def test_blank_optional_cell_clears_only_with_the_flag(gyrc, tmp_path):
    row = roster_row("000203", "李晓燕", "办公室", "综合文秘", phone=None)
    code, out, _err = run(tmp_path, [row], "--blank-clears")
    assert code == 0 and "更新 1" in out
    assert Person.objects.get(unit=gyrc, employee_no="000203").phone == ""


def test_blank_clears_checkbox_in_the_admin_preview(client, demo, gyrc):
    client.force_login(demo["admin"])
    row = roster_row("000203", "李晓燕", "办公室", "综合文秘", phone=None)
    kept = upload(client, gyrc, roster_xlsx([row])).content.decode()
    assert "空白单元格清空原值" in kept and "手机：13900000203" not in kept
    cleared = upload(client, gyrc, roster_xlsx([row]), blank_clears="on").content.decode()
    assert "手机：13900000203 → （空）" in cleared


def test_unknown_departments_are_listed_before_row_errors(client, demo, gyrc):
    client.force_login(demo["admin"])
    rows = [
        roster_row("009001", "新同事", "法规科", "法规审查"),
        roster_row("009002", "", "办公室", "综合文秘"),
    ]
    body = upload(client, gyrc, roster_xlsx(rows)).content.decode()
    assert "名册有误" in body
    assert body.index("新建部室“法规科”") < body.index("缺少姓名")


def test_new_departments_need_a_tick_each_in_the_admin(client, demo, gyrc):
    client.force_login(demo["admin"])
    response = upload(client, gyrc, roster_xlsx([roster_row("009001", "新同事", "法规科")]))
    token = token_of(response)
    client.post(reverse(IMPORT_URL), {"token": token, "confirm": "确认导入"})
    assert not Department.objects.filter(unit=gyrc, name="法规科").exists()
    keys = re.findall(r'name="create_item" value="([^"]+)"', response.content.decode())
    assert keys == ["dept:法规科", "post:法规科/综合文秘"]
    client.post(reverse(IMPORT_URL), {"token": token, "confirm": "1", "create_item": keys})
    assert Department.objects.filter(unit=gyrc, name="法规科").exists()


def test_no_create_refuses_unknown_departments(gyrc, tmp_path):
    code, out, err = run(tmp_path, [roster_row("009001", "新同事", "法规科")], "--no-create")
    assert code == 1 and out == ""
    assert "部室“法规科”在系统中不存在" in err
    assert not Department.objects.filter(unit=gyrc, name="法规科").exists()


def test_service_holds_a_real_import_until_warnings_are_accepted(gyrc):
    content = roster_xlsx([roster_row("009204", "杨帆", "办公室", "档案管理")])
    held = services.roster_import(unit=gyrc, content=content, file_name="a.xlsx", dry_run=False)
    assert held.ok and held.needs_confirmation and not held.written
    assert not Person.objects.filter(employee_no="009204").exists()


def test_home_page_offers_bujian_after_an_import_into_a_running_round(client, demo, gyrc, tmp_path):
    from risks import services as risk_services
    from risks.models import RiskForm
    from tests.factories import ROUND_DEADLINES

    rnd = risk_services.round_open(
        unit=gyrc, year=2026, title="2026年度排查", by=demo["office"], **ROUND_DEADLINES
    ).round
    client.force_login(demo["office"])
    assert "尚无一览表" not in client.get("/").content.decode()
    code, _out, _err = run(tmp_path, [roster_row("009001", "钱思远", "办公室", "档案管理")])
    assert code == 0
    home = client.get("/").content.decode()
    assert "1 人尚无一览表" in home and "补建" in home
    client.post(reverse("risks:round_sync", args=[rnd.pk]))
    assert RiskForm.objects.filter(round=rnd, filler__employee_no="009001").count() == 1
    assert "尚无一览表" not in client.get("/").content.decode()
    client.force_login(demo["staff"])
    assert "尚无一览表" not in client.get("/").content.decode()
