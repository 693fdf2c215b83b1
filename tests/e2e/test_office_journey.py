"""Issue 15: the office, the admin and the leaders in control of a round, in Chromium.

A messy roster in the admin (a title row, a 工号 Excel turned into a number, a same-name
newcomer, a blank phone cell, an unknown 部室) and what its preview says; a round opened with
its deadlines through the confirmation; a late form chased with 催办; a form filed through the
confirmation. Days pass on the training clock (RISKREG_TODAY_OFFSET_DAYS), never by patching
the server's clock. The chain between 催办 and 公示 is not this journey's subject (test_journey.py
walks it page by page): it is advanced with the services.
"""

import datetime
import re

import pytest

from riskreg import clock
from risks.models import RiskForm, Round
from tests.e2e.helpers import check_page, click_worklist, home, roster_xlsx
from tests.workflow.conftest import complete_form, proposed_levels
from units.demo import load_demo_org
from units.models import Department, Person
from workflow import services as flow
from workflow.enums import Action, FormState
from workflow.models import CollectiveMeeting, Notification, Reminder

pytestmark = pytest.mark.django_db(transaction=True)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def demo_org(transactional_db):
    load_demo_org()


def _act(form, action, username, **extra):
    from django.contrib.auth.models import User

    form.refresh_from_db()
    return flow.form_transition(
        form=form,
        action=action,
        actor=User.objects.get(username=username),
        extra=extra or None,
    )


def _to_notice(form, rnd):
    """自查 → 部室审核 → 群众评议 → 集体审定 → signatures → 公示, with the services."""
    from django.contrib.auth.models import User

    office = User.objects.get(username="demo_office")
    complete_form(form)
    _act(form, Action.SUBMIT, "demo_staff")
    _act(form, Action.PASS, "demo_head")
    window, _ = flow.rating_window_open(
        actor=office, round=rnd, deadline=clock.now() + datetime.timedelta(days=3)
    )
    flow.rating_window_close(window=window, actor=office)
    meeting = CollectiveMeeting.objects.create(
        round=rnd,
        unit=rnd.unit,
        held_on=clock.today(),
        attendees="周文涛、王建国、郑立新",
        minutes="审定。",
        recorded_by=office.person,
    )
    form.refresh_from_db()
    _act(form, Action.DECIDE, "demo_office", meeting=meeting, levels=proposed_levels(form))
    _act(form, Action.SIGN_SUPERVISOR, "demo_leader")
    _act(form, Action.SIGN_PRINCIPAL, "demo_principal")
    _act(form, Action.PUBLISH, "demo_office")
    form.refresh_from_db()
    assert form.state == FormState.PUBLIC_NOTICE


def test_office_journey(persona, live_server, demo_org, shot, settings):
    url = live_server.url
    today = clock.today()

    # ------------------------------------------------------------ 1. a messy roster
    admin = persona("demo_admin")
    admin.goto(f"{url}/admin/units/person/roster/import/")
    admin.get_by_label("导入到单位").select_option(label="广元市红十字会")
    roster = roster_xlsx(
        [
            # 工号 saved by Excel as the number 204: the stored 000204 杨帆.
            [204, "杨帆", "办公室", "廉政联络员", "工作人员", "否", "13900000204"],
            # A newcomer named like the active 李晓燕 (000203).
            ["000230", "李晓燕", "办公室", "综合文秘", "工作人员", "否", "13900000230"],
            # 李晓燕 herself with a blank phone cell: her stored phone stays.
            ["000203", "李晓燕", "办公室", "综合文秘", "工作人员", "否", None],
            # A department that does not exist.
            ["000231", "周新", "法规科", "法规审查", "工作人员", "否", "13900000231"],
        ]
    )
    admin.get_by_label("名册文件").set_input_files(
        files=[{"name": "花名册.xlsx", "mimeType": XLSX, "buffer": roster}]
    )
    admin.get_by_role("button", name="上传并预览").click()
    check_page(admin, shot, "o01-admin-roster-preview")
    body = admin.locator("#content-main").inner_text()
    assert "按工号 000204 匹配" in body
    assert "第 4 行：提醒：新增人员“李晓燕”（工号 000230）" in body
    assert "手机空白，保留原值 13900000203" in body
    assert "新建部室“法规科”" in body
    # Unknown departments and posts come first, before the rows.
    assert body.index("新建部室“法规科”") < body.index("按工号 000204 匹配")

    admin.get_by_role("button", name="确认导入").click()
    check_page(admin, shot, "o02-admin-roster-unconfirmed")
    assert "未导入：请逐项勾选确认" in admin.locator("body").inner_text()
    assert not Person.objects.filter(employee_no="000230").exists()
    for box in admin.locator("input[name=create_item], input[name=accept_row]").all():
        box.check()
    admin.get_by_role("button", name="确认导入").click()
    check_page(admin, shot, "o03-admin-roster-imported")
    assert Person.objects.filter(unit__code="GYRC", name="杨帆").count() == 1
    assert Person.objects.get(unit__code="GYRC", employee_no="000203").phone == "13900000203"
    assert Person.objects.filter(unit__code="GYRC", employee_no="000230").exists()
    assert Department.objects.filter(unit__code="GYRC", name="法规科").exists()

    # ------------------------------------------------------------ 2. open a round, confirmed
    office = persona("demo_office")
    office.goto(f"{url}/rounds/open/")
    check_page(office, shot, "o04-office-round-open")
    office.get_by_label("轮次名称").fill(f"{today.year}年度廉政风险排查")
    office.get_by_label("年度").fill(str(today.year))
    office.get_by_label("公示期（工作日）").fill("1")
    office.get_by_role("button", name="下一步：核对将生成的一览表").click()
    check_page(office, shot, "o05-office-round-missing-deadlines")
    assert office.get_by_text("请填写“自查填报截止”日期").is_visible()
    assert not Round.objects.exists()
    for label, days in (
        ("自查填报截止", 2),
        ("部室审核截止", 10),
        ("群众评议截止", 20),
        ("集体审定截止", 30),
    ):
        office.get_by_label(label).fill((today + datetime.timedelta(days=days)).isoformat())
    office.get_by_role("button", name="下一步：核对将生成的一览表").click()
    check_page(office, shot, "o06-office-round-confirm")
    assert office.get_by_text(re.compile(r"岗位一览表 \d+ 张")).is_visible()
    assert not Round.objects.exists()
    office.get_by_role("button", name=re.compile("^确认开启并生成")).click()
    check_page(office, shot, "o07-office-round-opened")
    rnd = Round.objects.get(unit__code="GYRC")
    assert rnd.self_check_deadline == today + datetime.timedelta(days=2)
    form = RiskForm.objects.get(round=rnd, filler__user__username="demo_staff")

    # ------------------------------------------------------------ 3. five days later: 催办
    settings.RISKREG_TODAY_OFFSET_DAYS = 5
    staff = persona("demo_staff")
    home(staff, live_server)
    check_page(staff, shot, "o08-staff-home-overdue")
    assert staff.get_by_text("逾期 3 天").first.is_visible()
    office.goto(f"{url}/workflow/board/")
    check_page(office, shot, "o09-office-board")
    # Two 李晓燕 hold 综合文秘 now (the newcomer of the roster): pick the stored one's form.
    office.locator(f"#remind-{form.pk}").check()
    office.get_by_role("button", name="催办所选").click()
    check_page(office, shot, "o10-office-reminded")
    assert office.get_by_text("已催办 1 张一览表").is_visible()
    assert Reminder.objects.get(form=form).sent_by.user.username == "demo_office"
    assert Notification.objects.filter(
        recipient__username="demo_staff", kind=f"remind:{form.pk}"
    ).exists()

    # ------------------------------------------------------------ 4. 公示 ends: 备案, confirmed
    _to_notice(form, rnd)
    office.goto(f"{url}/workflow/notice/")
    check_page(office, shot, "o11-office-notice-running")
    assert office.get_by_text("方可备案").first.is_visible()
    assert not office.get_by_role("button", name="备案所选").count()
    notice = form.notices.get()
    settings.RISKREG_TODAY_OFFSET_DAYS = (notice.ends_on - clock.today()).days + 6
    click_worklist(office, live_server, "公示期满待备案")
    check_page(office, shot, "o12-office-fileable")
    office.locator(f"#file-{form.pk}").check()
    office.get_by_role("button", name="备案所选").click()
    check_page(office, shot, "o13-office-file-confirm")
    assert office.get_by_text("请确认：备案所选一览表").is_visible()
    form.refresh_from_db()
    assert form.state == FormState.PUBLIC_NOTICE
    office.get_by_role("button", name="确认备案 1 张").click()
    check_page(office, shot, "o14-office-filed")
    form.refresh_from_db()
    assert form.state == FormState.FILED
    settings.RISKREG_TODAY_OFFSET_DAYS = 0
