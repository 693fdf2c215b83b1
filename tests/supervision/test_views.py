"""The pages: who sees what (everyone outside the rules gets 404), the actions through the
page, the 提示书 and 谈话记录 PDFs, the 监督台."""

import datetime as dt
import io

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from riskreg import clock
from supervision import services
from supervision.enums import Action, DispositionKind, State
from supervision.models import WarningNotice
from tests.supervision.conftest import issue_rectification, issue_warning

ALL = ("staff", "staff2", "head", "leader", "principal", "office", "inspector", "admin",
       "auditor", "outsider")  # fmt: skip


def _status(login, world, persona: str, url: str) -> int:
    return login(world.users[persona]).get(url).status_code


def test_a_personal_warning_is_seen_by_its_recipient_the_principal_and_the_inspector(world, login):
    warning = issue_warning(world)
    url = reverse("supervision:warning", args=[warning.pk])
    seen = {p for p in ALL if _status(login, world, p, url) == 200}
    assert seen == {"staff", "principal", "inspector"}
    assert {_status(login, world, p, url) for p in ALL if p not in seen} == {404}


def test_rectification_items_are_seen_by_the_department_head_and_the_responsible(world, login):
    disposition = issue_rectification(world)
    url = reverse("supervision:disposition", args=[disposition.pk])
    seen = {p for p in ALL if _status(login, world, p, url) == 200}
    # demo_admin and demo_office work in 办公室 too: colleagues see nothing.
    assert seen == {"staff", "head", "principal", "inspector"}


def test_findings_and_the_desk_are_the_inspectors_alone(world, login):
    finding = services.finding_record(
        actor=world.users["inspector"],
        unit=world.unit,
        source="petition",
        found_on=clock.today(),
        text="来信反映问题。",
        subject_kind="person",
        subject_person=world.person("staff"),
        risk_points=[world.point],
    )
    for url in (
        reverse("supervision:desk"),
        reverse("supervision:finding_list"),
        reverse("supervision:finding", args=[finding.pk]),
        reverse("supervision:warning_create"),
    ):
        seen = {p for p in ALL if _status(login, world, p, url) == 200}
        assert seen == {"inspector"}, url


def test_inspector_issues_recipient_acknowledges_and_replies_through_the_pages(world, login):
    client = login(world.users["inspector"])
    response = client.post(
        reverse("supervision:warning_create") + "?unit=GYRC",
        {
            "grade": "red",
            "recipient_kind": "person",
            "recipient": world.person("staff").pk,
            "risk_text": "印章外借未登记。",
            "requirement": "请书面说明。",
            "reply_due": (clock.today() + dt.timedelta(days=7)).isoformat(),
            "risk_points": [world.point.pk],
        },
    )
    warning = WarningNotice.objects.get()
    assert response.status_code == 302 and warning.grade == "red"
    act = reverse("supervision:act", args=["warning", warning.pk])
    staff = login(world.users["staff"])
    page = staff.get(reverse("supervision:mine")).content.decode()
    assert warning.doc_number in page and "红色预警" in page
    assert staff.post(act, {"action": "acknowledge"}).status_code == 302
    staff.post(act, {"action": "reply", "comment": "已说明。"})
    warning.refresh_from_db()
    assert warning.state == State.REPLIED
    # The staff member cannot accept their own reply: 403, nothing changed.
    assert staff.post(act, {"action": "accept"}).status_code == 403
    # The cited risk point shows the warning on the form page to those entitled.
    assert (
        warning.doc_number
        in staff.get(reverse("risks:form_detail", args=[world.form.pk])).content.decode()
    )


def test_a_refused_action_shows_a_message_and_changes_nothing(world, login):
    warning = issue_warning(world)
    client = login(world.users["staff"])
    response = client.post(
        reverse("supervision:act", args=["warning", warning.pk]),
        {"action": "reply", "comment": "还没签收"},
        follow=True,
    )
    assert "不能反馈" in response.content.decode()
    assert WarningNotice.objects.get().state == State.ISSUED


def test_warning_notice_pdf_has_title_number_recipient_deadline_and_seal(world, login):
    warning = issue_warning(world)
    response = login(world.users["staff"]).get(
        reverse("supervision:warning_pdf", args=[warning.pk])
    )
    assert response["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    text = text.replace(" ", "")
    for expected in ("廉政风险预警提示书", f"〔{warning.year}〕1号", "李晓燕", "黄色预警", "盖章"):
        assert expected in text
    assert f"{warning.reply_due.year}年{warning.reply_due.month}月{warning.reply_due.day}日" in text


def test_talk_record_pdf_has_signature_lines(world, login):
    d = services.disposition_issue(
        actor=world.users["inspector"], unit=world.unit, kind=DispositionKind.INQUIRY,
        subject=world.person("staff"), basis="来信反映", talk_on=clock.today(),
        talk_place="纪检组办公室", talkers="郑立新", recorder="杨帆", talk_content="询问情况",
        statement="如实说明",
    )  # fmt: skip
    response = login(world.users["staff"]).get(reverse("supervision:talk_record_pdf", args=[d.pk]))
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    text = text.replace(" ", "")
    for expected in (
        "谈话函询记录",
        "纪检组办公室",
        "谈话人签字",
        "记录人签字",
        "谈话对象签字",
    ):
        assert expected in text
    assert (
        login(world.users["head"])
        .get(reverse("supervision:talk_record_pdf", args=[d.pk]))
        .status_code
        == 404
    )


def test_desk_shows_open_warnings_overdue_items_and_the_heat_map(world, login, settings):
    warning = issue_warning(world, days=1, grade="orange")
    issue_rectification(world, deadline_days=1)
    settings.RISKREG_TODAY_OFFSET_DAYS = 3  # both deadlines pass; opening the page marks them
    page = login(world.users["inspector"]).get(reverse("supervision:desk")).content.decode()
    warning.refresh_from_db()
    assert warning.is_overdue
    assert warning.doc_number in page and "建立印章使用登记簿" in page
    assert "<svg" in page and "未结处置" in page


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_list_pages_cost_the_same_queries_for_one_or_three_records(world, login):
    principal, inspector = login(world.users["principal"]), None
    counts = []
    for _ in range(2):
        issue_warning(world)
        issue_rectification(world, deadline_days=-1)  # overdue items on the desk too
        services.overdue_sweep()
        principal = login(world.users["principal"])
        mine = _queries(principal, reverse("supervision:mine"))
        inspector = login(world.users["inspector"])
        desk = _queries(inspector, reverse("supervision:desk"))
        counts.append((mine, desk))
        issue_warning(world)
    assert counts[0] == counts[1]


def test_correction_through_the_page(world, login):
    warning = issue_warning(world)
    client = login(world.users["inspector"])
    client.post(
        reverse("supervision:act", args=["warning", warning.pk]),
        {
            "action": "correct",
            "field": "requirement",
            "value": "请于期限内书面反馈。",
            "reason": "表述不清",
        },
    )
    page = client.get(reverse("supervision:warning", args=[warning.pk])).content.decode()
    assert "更正「工作要求」" in page and "表述不清" in page
    assert Action.CORRECT in list(warning.log.values_list("action", flat=True))


def test_navigation_offers_the_desk_to_the_inspector_and_my_records_to_recipients(world, login):
    issue_warning(world)

    def nav(persona: str) -> str:
        return login(world.users[persona]).get(reverse("home")).content.decode()

    assert "监督台" in nav("inspector")
    assert "我的预警与整改" in nav("staff") and "监督台" not in nav("staff")
    for colleague in ("admin", "auditor", "staff2", "head"):
        assert "我的预警与整改" not in nav(colleague), colleague


def test_heat_map_counts_decided_levels_per_department_and_open_dispositions(world):
    from supervision.selectors import heat_rows

    world.point.final_level = 1
    world.point.save()
    issue_rectification(world)
    rows = {r["label"]: r for r in heat_rows(world.users["inspector"], [world.unit])}
    assert rows["办公室"]["levels"] == {1: 1} and rows["办公室"]["open"] == 1
    assert rows["赈济救护部"]["open"] == 0


def test_bad_input_gives_a_chinese_message_and_changes_nothing(world, login):
    headless = world.unit.departments.get(name="赈济救护部")
    headless.head = None
    headless.save()
    client = login(world.users["inspector"])
    response = client.post(
        reverse("supervision:warning_create"),
        {
            "grade": "yellow",
            "recipient_kind": "department",
            "recipient_department": headless.pk,
            "risk_text": "风险",
            "requirement": "要求",
            "reply_due": (clock.today() + dt.timedelta(days=3)).isoformat(),
        },
    )
    assert response.status_code == 200 and "该部室没有负责人" in response.content.decode()
    assert not WarningNotice.objects.exists()

    warning = issue_warning(world)
    response = client.post(
        reverse("supervision:act", args=["warning", warning.pk]),
        {"action": "correct", "field": "reply_due", "value": "明天", "reason": "改期"},
        follow=True,
    )
    assert "格式不正确" in response.content.decode()
    assert WarningNotice.objects.get().reply_due == warning.reply_due
    assert (
        client.post(
            reverse("supervision:act", args=["nonsense", warning.pk]), {"action": "accept"}
        ).status_code
        == 404
    )
