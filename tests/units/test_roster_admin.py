"""The roster in the admin: upload, preview, confirm, export; password-set email."""

import io
import re

import openpyxl
import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import make_unit, roster_row, roster_xlsx
from units import services
from units.models import Person, RosterImport, Unit

pytestmark = pytest.mark.django_db

IMPORT_URL = "admin:units_person_roster_import"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def gyrc(demo):
    return Unit.objects.get(code="GYRC")


def upload(client, unit, content: bytes, name="名册.xlsx", **extra):
    file = io.BytesIO(content)
    file.name = name
    return client.post(reverse(IMPORT_URL), {"unit": unit.pk, "file": file, **extra})


def test_import_page_offers_only_managed_units(client, demo):
    make_unit(code="FAR", name="无关单位")
    client.force_login(demo["admin"])
    body = client.get(reverse(IMPORT_URL)).content.decode()
    assert "广元市红十字会" in body and "广元市利州区红十字会" in body
    assert "无关单位" not in body


def test_preview_shows_what_will_change_and_writes_nothing(client, demo, gyrc):
    client.force_login(demo["admin"])
    rows = [
        roster_row(
            "000201", "赵明远", "办公室", "办公室主任", tier="部室负责人", phone="13900000999"
        ),
        roster_row("009001", "新同事", "新设部室", "新岗位"),
    ]
    response = upload(client, gyrc, roster_xlsx(rows))
    body = response.content.decode()
    assert response.status_code == 200
    assert "预览：以下变更尚未写入" in body
    assert "新增 1, 更新 1" in body
    assert "新建部室“新设部室”" in body
    assert "手机：13900000201 → 13900000999" in body
    assert not Person.objects.filter(employee_no="009001").exists()
    assert Person.objects.get(unit=gyrc, employee_no="000201").phone == "13900000201"
    assert "确认导入" in body


def test_confirm_imports_the_previewed_file(client, demo, gyrc):
    client.force_login(demo["admin"])
    response = upload(client, gyrc, roster_xlsx([roster_row("009001", "新同事")]))
    token = re.search(r'name="token" value="([^"]+)"', response.content.decode()).group(1)
    response = client.post(
        reverse(IMPORT_URL), {"token": token, "confirm": "确认导入"}, follow=True
    )
    assert "人员名册已导入：新增 1, 更新 0" in response.content.decode()
    person = Person.objects.get(unit=gyrc, employee_no="009001")
    assert person.user.username == "gyrc-009001"
    record = RosterImport.objects.filter(dry_run=False).get()
    assert (record.imported_by, record.file_name, record.created) == (demo["admin"], "名册.xlsx", 1)
    assert RosterImport.objects.filter(dry_run=True).count() == 1


def test_confirm_ticket_cannot_be_forged(client, demo):
    client.force_login(demo["admin"])
    response = client.post(reverse(IMPORT_URL), {"token": "forged", "confirm": "1"}, follow=True)
    assert "预览已失效，请重新上传名册文件" in response.content.decode()


def test_bad_rows_are_listed_and_no_confirm_is_offered(client, demo, gyrc):
    client.force_login(demo["admin"])
    rows = [roster_row("009001", "新同事", tier="实习生"), roster_row("009002", "")]
    body = upload(client, gyrc, roster_xlsx(rows)).content.decode()
    assert "名册有误，未导入任何数据" in body
    assert "第 2 行" in body and "岗位层级“实习生”无法识别" in body
    assert "第 3 行" in body and "缺少姓名" in body
    assert "确认导入" not in body


def test_unreadable_file_is_a_form_error(client, demo, gyrc):
    client.force_login(demo["admin"])
    response = upload(client, gyrc, b"not a roster at all\x00", name="x.pdf")
    assert response.status_code == 200
    assert "既不是 Excel" in response.content.decode()  # the shared upload check (audit.uploads)


def test_unit_outside_the_admins_scope_is_refused(client, demo):
    far = make_unit(code="FAR", name="无关单位")
    client.force_login(demo["admin"])
    response = upload(client, far, roster_xlsx([roster_row("1", "张三")]))
    assert response.status_code == 200
    assert not Person.objects.filter(unit=far).exists()
    assert "选择一个有效的选项" in response.content.decode()


@pytest.mark.parametrize(
    "persona", ["staff", "head", "principal", "office", "inspector", "auditor"]
)
def test_roster_pages_refused_to_non_admins(client, demo, gyrc, persona):
    client.force_login(demo[persona])
    assert client.get(reverse(IMPORT_URL)).status_code == 403
    export = reverse("admin:units_person_roster_export", args=[gyrc.pk])
    assert client.get(export).status_code == 403
    response = upload(client, gyrc, roster_xlsx([roster_row("009001", "新同事")]))
    assert response.status_code == 403
    assert not Person.objects.filter(employee_no="009001").exists()


def test_export_of_a_unit_outside_scope_is_404(client, demo):
    far = make_unit(code="FAR")
    client.force_login(demo["admin"])
    assert client.get(reverse("admin:units_person_roster_export", args=[far.pk])).status_code == 404


def test_export_has_the_import_columns(client, demo, gyrc):
    client.force_login(demo["admin"])
    response = client.get(reverse("admin:units_person_roster_export", args=[gyrc.pk]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == [
        "工号",
        "姓名",
        "部室",
        "岗位",
        "职务",
        "岗位层级",
        "重点岗位",
        "手机",
        "邮箱",
        "在岗",
    ]
    assert len(rows) - 1 == Person.objects.filter(unit=gyrc).count()
    principal = next(r for r in rows if r[1] == "周文涛")
    assert principal[:4] == ("000101", "周文涛", None, "党组书记、常务副会长")
    assert principal[5:8] == ("党政一把手", "是", "13900000101")


def test_demo_roster_exported_and_reimported_is_unchanged(client, demo, gyrc):
    client.force_login(demo["admin"])
    exported = client.get(reverse("admin:units_person_roster_export", args=[gyrc.pk])).content
    result = services.roster_import(unit=gyrc, content=exported, file_name="e.xlsx", dry_run=False)
    assert result.ok, result.plan.errors
    assert result.summary == f"新增 0, 更新 0, 未变 {gyrc.people.count()}, 停用 0"


def test_export_edit_import_round_trip(client, demo, gyrc):
    client.force_login(demo["admin"])
    exported = client.get(reverse("admin:units_person_roster_export", args=[gyrc.pk])).content
    workbook = openpyxl.load_workbook(io.BytesIO(exported))
    sheet = workbook.active
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == "000203":
            row[7].value = "13800000000"
    sheet.append(["009001", "新同事", "办公室", "综合文秘", "科员", "工作人员", "否", "", "", "是"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = services.roster_import(
        unit=gyrc, content=buffer.getvalue(), file_name="e.xlsx", dry_run=False
    )
    assert (result.created, result.updated) == (1, 1)
    assert Person.objects.get(unit=gyrc, employee_no="000203").phone == "13800000000"


def test_roster_imports_are_listed_read_only(client, demo, gyrc):
    services.roster_import(
        unit=gyrc,
        content=roster_xlsx([roster_row("009001", "新同事")]),
        file_name="名册.xlsx",
        dry_run=False,
        imported_by=demo["admin"],
    )
    record = RosterImport.objects.get()
    client.force_login(demo["admin"])
    body = client.get(reverse("admin:units_rosterimport_changelist")).content.decode()
    assert "名册.xlsx" in body and "吴志强" in body
    change = client.get(reverse("admin:units_rosterimport_change", args=[record.pk]))
    assert change.status_code == 200
    assert 'name="file_name"' not in change.content.decode()
    assert client.get(reverse("admin:units_rosterimport_add")).status_code == 403
    delete = client.post(
        reverse("admin:units_rosterimport_delete", args=[record.pk]), {"post": "yes"}
    )
    assert delete.status_code == 403
    assert RosterImport.objects.count() == 1


def test_person_changelist_links_to_roster_import(client, demo):
    client.force_login(demo["admin"])
    body = client.get(reverse("admin:units_person_changelist")).content.decode()
    assert reverse(IMPORT_URL) in body


# --- The password-set email ------------------------------------------------------------------


def _send_action(client, people):
    return client.post(
        reverse("admin:units_person_changelist"),
        {"action": "send_password_set_email", "_selected_action": [p.pk for p in people]},
        follow=True,
    )


def test_password_set_email_lets_a_new_person_log_in(client, demo, gyrc):
    services.roster_import(
        unit=gyrc,
        content=roster_xlsx([roster_row("009001", "新同事", email="xin@example.cn")]),
        file_name="a.xlsx",
        dry_run=False,
    )
    newcomer = Person.objects.get(unit=gyrc, employee_no="009001")
    client.force_login(demo["admin"])
    body = _send_action(client, [newcomer]).content.decode()
    assert "已向 1 人发送设置密码邮件" in body
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["xin@example.cn"]
    assert "设置您的登录密码" in message.subject
    assert "gyrc-009001" in message.body
    link = re.search(r"http://testserver(/accounts/password/set/\S+)", message.body).group(1)

    client.logout()
    page = client.get(link, follow=True)
    assert "设置登录密码" in page.content.decode()
    form_url = page.redirect_chain[-1][0]
    done = client.post(
        form_url,
        {"new_password1": "Xin-tongshi-2026", "new_password2": "Xin-tongshi-2026"},
        follow=True,
    )
    assert "密码已设置" in done.content.decode()
    client.logout()
    client.post("/accounts/login/", {"username": "gyrc-009001", "password": "Xin-tongshi-2026"})
    assert "_auth_user_id" in client.session
    # The link works once.
    client.logout()
    assert "此链接已失效" in client.get(link, follow=True).content.decode()


def test_password_set_email_skips_people_without_email_or_inactive(client, demo, gyrc):
    no_email = Person.objects.get(unit=gyrc, employee_no="000203")
    leaver = Person.objects.get(unit=gyrc, employee_no="000204")
    leaver.email = "leaver@example.cn"
    leaver.save()
    services.person_set_active(person=leaver, active=False)
    client.force_login(demo["admin"])
    body = _send_action(client, [no_email, leaver]).content.decode()
    assert f"没有登记邮箱，未发送：{no_email.name}" in body
    assert f"已停用，未发送：{leaver.name}" in body
    assert mail.outbox == []
