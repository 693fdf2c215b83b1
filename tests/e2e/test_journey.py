"""Issue 8: one screening round from start to finish, each step as its persona, in Chromium.

Set-up loads the demo organisation only (no round, no forms). Everything after that happens
through the pages: clicks and typing. The database is read to assert, never written — with one
exception that is not a write: the notice period (公示期) runs in working days from the day
after publication, so to file the form the test sets the training clock
(RISKREG_TODAY_OFFSET_DAYS) forward, as if the office came back a week later.
"""

import datetime
import io
import json
import re

import pytest
from django.utils import timezone

from risks.models import RiskForm, Round
from tests.e2e.conftest import PHONE, no_horizontal_scroll
from tests.e2e.helpers import check_page, click_worklist, home, nav, roster_xlsx
from units.demo import load_demo_org
from units.models import Person
from workflow.enums import FormState

pytestmark = pytest.mark.django_db(transaction=True)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TITLE = "办公室·综合文秘（李晓燕）"
OWN_POINT = "会议记录和信息报送不及时、不准确，选择性记录领导意见"
FIXED_POINT = OWN_POINT + "，涉密文件传阅不登记"
MEASURES = ["会议记录当日整理、次日报审", "信息报送实行专人复核、分管领导签发"]
RETURN_REASON = "风险点2描述太笼统，请写明涉密文件的环节"
DECIDE_REASON = "党组会议认为该风险点涉及涉密文件，提高一级"
OBJECTION = "建议补充档案借阅环节的风险点"
ANSWER = "档案借阅已列入档案管理岗位，维持审定结果"


@pytest.fixture
def demo_org(transactional_db):
    load_demo_org()


def _pick_option(select, text: str) -> None:
    """Choose the first option whose text contains `text`."""
    labels = select.locator("option").all_text_contents()
    select.select_option(label=next(x for x in labels if text in x))


def _form_actions_page(page, live_server, worklist_label: str, button: str) -> None:
    """From 我的待办 to the form's action panel (the form page with the buttons)."""
    click_worklist(page, live_server, worklist_label)
    if not page.get_by_role("button", name=button, exact=True).count():
        page.get_by_role("link", name=re.compile(re.escape(TITLE) + "|详情与记录")).first.click()
        page.wait_for_load_state()


def test_whole_round_in_the_browser(persona, live_server, demo_org, shot, settings):
    url = live_server.url
    today = timezone.localdate()

    # ------------------------------------------------------------ 1. admin imports a roster
    admin = persona("demo_admin")
    admin.goto(f"{url}/admin/units/person/")
    check_page(admin, shot, "j01-admin-people")
    admin.get_by_role("link", name="导入 / 导出名册").click()
    check_page(admin, shot, "j02-admin-roster-upload")
    _pick_option(admin.get_by_label("导入到单位"), "广元市红十字会")
    roster = roster_xlsx(
        [
            ["000208", "钱思远", "办公室", "档案管理", "工作人员", "否", "13900000208"],
            ["000209", "孔令仪", "事业发展部", "项目统计", "工作人员", "是", "13900000209"],
            ["000207", "冯大伟", "办公室", "驾驶员", "工作人员", "是", "13911112222"],
        ]
    )
    admin.get_by_label("名册文件").set_input_files(
        files=[{"name": "名册.xlsx", "mimeType": XLSX, "buffer": roster}]
    )
    admin.get_by_role("button", name="上传并预览").click()
    check_page(admin, shot, "j03-admin-roster-preview")
    assert admin.get_by_text("预览：以下变更尚未写入").is_visible()
    assert admin.get_by_role("cell", name="钱思远").is_visible()
    assert not Person.objects.filter(employee_no="000208").exists(), "preview wrote"
    # The posts the file would create are listed first, each confirmed by a tick (issue 15).
    for box in admin.locator("input[name=create_item]").all():
        box.check()
    admin.get_by_role("button", name="确认导入").click()
    check_page(admin, shot, "j04-admin-roster-imported")
    new = Person.objects.get(unit__code="GYRC", employee_no="000208")
    assert new.name == "钱思远" and new.post.name == "档案管理"
    assert new.user.username == "gyrc-000208" and not new.user.has_usable_password()
    assert Person.objects.get(employee_no="000207", unit__code="GYRC").phone == "13911112222"

    # ------------------------------------------------------------ 2. the office opens the round
    office = persona("demo_office")
    check_page(office, shot, "j05-office-home")
    nav(office, "排查轮次")
    check_page(office, shot, "j06-office-rounds")
    office.get_by_role("link", name=re.compile("开启")).first.click()
    check_page(office, shot, "j07-office-round-open")
    office.get_by_label("轮次名称").fill(f"{today.year}年度廉政风险排查")
    office.get_by_label("年度").fill(str(today.year))
    office.get_by_label("公示期（工作日）").fill("1")
    for label, days in (("自查填报截止", 10), ("部室审核截止", 20), ("群众评议截止", 30)):
        office.get_by_label(label).fill((today + datetime.timedelta(days=days)).isoformat())
    office.get_by_label("集体审定截止").fill((today + datetime.timedelta(days=40)).isoformat())
    office.get_by_role("button", name="下一步：核对将生成的一览表").click()
    office.get_by_role("button", name=re.compile("^确认开启并生成")).click()
    check_page(office, shot, "j08-office-round-opened")
    rnd = Round.objects.get(unit__code="GYRC")
    assert rnd.notice_working_days == 1
    form = RiskForm.objects.get(round=rnd, filler__user__username="demo_staff")
    # The imported newcomer got a form too.
    assert RiskForm.objects.filter(round=rnd, filler=new).exists()

    # ------------------------------------------------------------ 3. the staff member fills in
    staff = persona("demo_staff")
    check_page(staff, shot, "j09-staff-home")
    staff.get_by_role("link", name=TITLE).first.click()
    check_page(staff, shot, "j10-staff-form-empty")
    assert staff.get_by_role("heading", level=1).inner_text().startswith("办公室·综合文秘")
    # One point from the library (the first one offered for this post).
    library = staff.locator("#library")
    first_entry = library.locator("li").first
    library_text = first_entry.locator("div.small").first.inner_text().strip()
    first_entry.get_by_role("button", name=re.compile("^添加")).click()
    staff.wait_for_load_state()
    # One point of their own.
    new_point = staff.locator("#new-point")
    new_point.get_by_label("风险类别").select_option(label="岗位职责")
    new_point.get_by_label("风险点（风险内容及表现形式）").fill(OWN_POINT)
    new_point.get_by_role("group", name="发生概率").get_by_label("可能").check()
    new_point.get_by_role("group", name="危害程度").get_by_label("较轻").check()
    new_point.get_by_label("第 1 条措施").fill(MEASURES[0])
    if not new_point.get_by_label("第 2 条措施").count():
        new_point.get_by_role("button", name=re.compile("再加一条措施")).click()
    new_point.get_by_label("第 2 条措施").fill(MEASURES[1])
    new_point.get_by_role("button", name="保存风险点").click()
    staff.wait_for_load_state()
    staff.reload()
    check_page(staff, shot, "j11-staff-form-filled")
    staff.set_viewport_size(PHONE)
    assert no_horizontal_scroll(staff), "the staff form scrolls sideways on a phone"
    staff.set_viewport_size({"width": 1366, "height": 768})
    assert staff.get_by_text("所有风险点都已填写完整").is_visible()
    assert staff.get_by_text(library_text).first.is_visible()
    assert staff.get_by_text(OWN_POINT).is_visible()
    points = list(form.points.order_by("order"))
    assert len(points) == 2 and points[0].library_entry_id and points[1].description == OWN_POINT
    assert [m.text for m in points[1].measures.all()] == MEASURES

    _form_actions_page(staff, live_server, "待填报的一览表", "提交")
    check_page(staff, shot, "j12-staff-submit")
    staff.get_by_role("button", name="提交", exact=True).click()
    staff.get_by_role("button", name="确认提交").click()
    check_page(staff, shot, "j13-staff-submitted")
    form.refresh_from_db()
    assert form.state == FormState.DEPT_REVIEW

    # ------------------------------------------------------------ 4. the head returns it
    head = persona("demo_head")
    click_worklist(head, live_server, "待审核（部室审核）")
    check_page(head, shot, "j14-head-review-queue")
    row = head.get_by_role("row").filter(has_text=TITLE)
    row.get_by_text("退回…").click()  # the reason field opens under the row's 退回… disclosure
    row.get_by_label("退回理由").fill(RETURN_REASON)
    row.get_by_role("button", name="退回修改").click()
    check_page(head, shot, "j15-head-returned")
    form.refresh_from_db()
    assert form.state == FormState.DRAFT

    # ------------------------------------------------------------ 5. the staff member fixes it
    home(staff, live_server)
    staff.get_by_role("link", name=TITLE).first.click()
    staff.wait_for_load_state()
    staff.locator(f"#point-{points[1].pk}").get_by_role("link", name="编辑").click()
    editor = staff.locator(f"form#point-{points[1].pk}")
    editor.get_by_label("风险点（风险内容及表现形式）").fill(FIXED_POINT)
    check_page(staff, shot, "j16-staff-edit-point")
    editor.get_by_role("button", name="保存风险点").click()
    staff.wait_for_load_state()
    assert staff.get_by_text(FIXED_POINT).is_visible()
    _form_actions_page(staff, live_server, "待填报的一览表", "提交")
    assert staff.get_by_text(RETURN_REASON).first.is_visible(), "the reason is not shown"
    staff.get_by_role("button", name="提交", exact=True).click()
    staff.get_by_role("button", name="确认提交").click()
    staff.wait_for_load_state()
    form.refresh_from_db()
    assert form.state == FormState.DEPT_REVIEW

    # ------------------------------------------------------------ 6. the head passes it
    click_worklist(head, live_server, "待审核（部室审核）")
    head.get_by_role("row").filter(has_text=TITLE).get_by_role("button", name="通过并签字").click()
    check_page(head, shot, "j17-head-passed")
    form.refresh_from_db()
    assert form.state == FormState.MASS_REVIEW

    # ------------------------------------------------------------ 7. 群众评议
    click_worklist(office, live_server, "待组织群众评议")
    check_page(office, shot, "j18-office-rating-open")
    _pick_option(office.get_by_label("排查轮次"), rnd.title)
    _pick_option(office.get_by_label("范围"), "办公室")
    deadline = timezone.localtime() + datetime.timedelta(days=3)
    office.get_by_label("截止时间").fill(deadline.strftime("%Y-%m-%dT%H:%M"))
    office.get_by_role("button", name="开始评议").click()
    check_page(office, shot, "j19-office-rating-started")
    assert office.get_by_text("进行中").is_visible()

    for n, (rater, verdicts) in enumerate(
        [("demo_admin", ["同意", "偏低"]), ("demo_head", ["同意", "偏低"])], 1
    ):
        page = head if rater == "demo_head" else persona(rater)
        click_worklist(page, live_server, "待评议（群众评议）")
        check_page(page, shot, f"j20-rater{n}-list")
        page.get_by_role("row").filter(has_text=TITLE).get_by_role("link", name="评议").click()
        check_page(page, shot, f"j21-rater{n}-rate")
        for i, verdict in enumerate(verdicts, 1):
            page.get_by_role("radiogroup", name=f"对风险点 {i} 等级的意见").get_by_label(
                verdict
            ).check()
        page.get_by_label("说明（可不填）").nth(1).fill("涉密文件风险应更高")
        page.get_by_role("button", name="保存评议").click()
        page.wait_for_load_state()
        assert page.get_by_text("已保存 2 条评议意见").is_visible()

    click_worklist(office, live_server, "待组织群众评议")
    office.get_by_role("button", name="结束评议，转集体审定").click()
    office.get_by_role("button", name="确认结束评议").click()
    check_page(office, shot, "j22-office-rating-closed")
    form.refresh_from_db()
    assert form.state == FormState.COLLECTIVE

    # ------------------------------------------------------------ 8. 集体审定
    click_worklist(office, live_server, "待集体审定")
    check_page(office, shot, "j23-office-collective")
    _pick_option(office.get_by_label("排查轮次"), rnd.title)
    office.get_by_label("会议日期").fill(today.isoformat())
    office.get_by_label("参会人员").fill("周文涛、郑立新、王建国、陈雅琴")
    office.get_by_label("会议纪要").fill("审定各岗位廉政风险等级。")
    office.get_by_role("button", name="保存并逐表审定").click()
    check_page(office, shot, "j24-office-meeting")
    article = office.get_by_role("article").filter(has_text=TITLE)
    point2 = form.points.get(pk=points[1].pk)
    changed = 1 if point2.proposed_level != 1 else 2
    row = article.get_by_role("row").filter(has_text=FIXED_POINT[:20])
    row.get_by_label("审定等级").select_option(str(changed))
    row.get_by_label("理由").fill(DECIDE_REASON)
    office.get_by_role("button", name="保存所选一览表的审定结果").click()
    check_page(office, shot, "j25-office-decided")
    point2.refresh_from_db()
    assert point2.final_level == changed and point2.final_reason == DECIDE_REASON

    # ------------------------------------------------------------ 9. leader and principal sign
    for n, (who, button) in enumerate(
        [("demo_leader", "分管领导签字"), ("demo_principal", "党组书记签字")], 1
    ):
        signer = persona(who)
        _form_actions_page(signer, live_server, "待签字（集体审定）", button)
        check_page(signer, shot, f"j26-signer{n}-form")
        signer.get_by_role("button", name=button).click()
        check_page(signer, shot, f"j27-signer{n}-signed")
    assert set(form.signatures.values_list("kind", flat=True)) >= {"supervisor", "principal"}

    # ------------------------------------------------------------ 10. 公示, an objection
    click_worklist(office, live_server, "待集体审定")
    office.get_by_label(f"选择 {TITLE}").check()
    office.get_by_role("button", name="公示所选").click()
    office.get_by_role("button", name=re.compile("^确认公示")).click()
    check_page(office, shot, "j28-office-published")
    form.refresh_from_db()
    assert form.state == FormState.PUBLIC_NOTICE

    colleague = persona("demo_staff2")
    home(colleague, live_server)
    colleague.get_by_role("link", name="公示中的一览表").click()
    check_page(colleague, shot, "j29-colleague-notice")
    colleague.get_by_role("article").filter(has_text=TITLE).get_by_role(
        "link", name="提出异议"
    ).click()
    check_page(colleague, shot, "j30-colleague-objection")
    colleague.get_by_label("异议内容").fill(OBJECTION)
    colleague.get_by_label("匿名提出（不记录提出人）").check()
    colleague.get_by_role("button", name="提交异议").click()
    check_page(colleague, shot, "j31-colleague-objected")
    objection = form.objections.get()
    assert objection.text == OBJECTION and objection.raised_by_id is None

    click_worklist(office, live_server, "待答复的异议")
    check_page(office, shot, "j32-office-objections")
    assert office.get_by_text(OBJECTION).is_visible()
    office.get_by_label("答复").fill(ANSWER)
    office.get_by_label("不成立，维持审定结果").check()
    office.get_by_role("button", name="答复", exact=True).click()
    office.get_by_role("button", name="确认答复").click()
    check_page(office, shot, "j33-office-answered")
    objection.refresh_from_db()
    assert objection.answer == ANSWER and objection.upheld is False

    # ------------------------------------------------------------ 11. filing, a week later
    notice = form.notices.get()
    later = notice.ends_on + datetime.timedelta(days=1)
    # The training clock (riskreg.clock), as a trainer would set RISKREG_TODAY_OFFSET_DAYS.
    settings.RISKREG_TODAY_OFFSET_DAYS = (later - today).days
    click_worklist(office, live_server, "公示期满待备案")
    check_page(office, shot, "j34-office-fileable")
    office.get_by_label(TITLE).first.check()
    office.get_by_role("button", name="备案所选").click()
    office.get_by_role("button", name=re.compile("^确认备案")).click()
    check_page(office, shot, "j35-office-filed")
    settings.RISKREG_TODAY_OFFSET_DAYS = 0
    form.refresh_from_db()
    assert form.state == FormState.FILED

    # ------------------------------------------------------------ 12. the PDF and the summary
    home(staff, live_server)
    staff.get_by_role("link", name="我的全部一览表").click()
    check_page(staff, shot, "j36-staff-my-forms")
    staff.get_by_role("link", name=TITLE).first.click()
    check_page(staff, shot, "j37-staff-form-filed")
    assert staff.get_by_text("已备案").first.is_visible()
    with staff.expect_download() as dl:
        staff.get_by_role("link", name="下载 PDF").first.click()
    pdf = dl.value.path().read_bytes()
    text = _pdf_text(pdf)
    for needle in ("综合文秘", "李晓燕", "会议记录", MEASURES[0][:8], "王建国", "周文涛"):
        assert needle in text, f"{needle!r} not in the PDF"
    assert "草稿" not in text

    inspector = persona("demo_inspector")
    nav(inspector, "全部报表")
    check_page(inspector, shot, "j38-inspector-reports")
    nav(inspector, "季度汇总")
    check_page(inspector, shot, "j39-inspector-quarterly")
    with inspector.expect_download() as dl:
        inspector.get_by_role("link", name="JSON").click()
    summary = json.loads(dl.value.path().read_text(encoding="utf-8"))
    assert summary["schema"].startswith("riskreg.quarterly/")
    assert summary["unit"]["code"] == "GYRC"
    assert (summary["year"], summary["quarter"]) == (today.year, (today.month - 1) // 3 + 1)
    assert summary["progress_totals"]["filed"] == 1
    assert summary["points_total"] == 2
    office_row = next(r for r in summary["points_by_department"] if r["department"] == "办公室")
    assert office_row["total"] == 2
    assert office_row[f"level_{changed}"] >= 1  # the decided level, not the proposal


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return "".join(page.extract_text() or "" for page in reader.pages).replace(" ", "")
