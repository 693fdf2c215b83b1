"""Every state change of supervision records, who may make it, and what it leaves behind."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AuditEvent
from riskreg import clock
from supervision import services
from supervision.enums import Action, DispositionKind, State
from supervision.models import (
    Evidence,
    RecordsAreKept,
    RectificationItem,
    SupervisionLog,
    WarningNotice,
)
from tests.supervision.conftest import issue_rectification, issue_warning
from workflow.models import Notification

PERSONAS = ("staff", "staff2", "head", "leader", "principal", "office", "inspector", "admin",
            "auditor", "outsider")  # fmt: skip


def act(world, record, action, persona, comment="", **kw):
    return services.record_transition(
        record=record, action=action, actor=world.users[persona], comment=comment, **kw
    )


def test_warning_life_issue_acknowledge_reply_send_back_reply_accept(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        warning = issue_warning(world)
    assert warning.state == State.ISSUED and warning.doc_number == f"〔{clock.today().year}〕1号"
    assert Notification.objects.filter(recipient=world.users["staff"], kind="supervision").exists()

    act(world, warning, Action.ACKNOWLEDGE, "staff")
    assert warning.state == State.ACKNOWLEDGED and warning.acknowledged_at is not None
    act(
        world,
        warning,
        Action.REPLY,
        "staff",
        "已补全登记。",
        files=[SimpleUploadedFile("说明.txt", "整改说明".encode())],
    )
    assert warning.state == State.REPLIED and warning.replied_on_time is True
    act(world, warning, Action.SEND_BACK, "inspector", "请附登记簿照片。")
    assert warning.state == State.RETURNED
    act(world, warning, Action.REPLY, "staff", "已附照片。")
    act(world, warning, Action.ACCEPT, "inspector")
    warning.refresh_from_db()
    assert warning.state == State.CLOSED and warning.closed_at is not None

    log = list(SupervisionLog.objects.filter(warning=warning).values_list("action", "to_state"))
    assert log == [
        ("issue", "issued"),
        ("acknowledge", "acknowledged"),
        ("reply", "replied"),
        ("send_back", "returned"),
        ("reply", "replied"),
        ("accept", "closed"),
    ]
    assert Evidence.objects.get().name == "说明.txt"
    assert AuditEvent.objects.filter(action="supervision.transition").count() == 6


def test_numbers_count_per_unit_and_year(world):
    first, second = issue_warning(world), issue_warning(world, to="head")
    assert (first.number, second.number) == (1, 2)


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "staff"])
def test_only_the_recipient_acknowledges_and_replies(world, persona):
    warning = issue_warning(world)
    with pytest.raises(services.ActionForbidden):
        act(world, warning, Action.ACKNOWLEDGE, persona)
    assert WarningNotice.objects.get().state == State.ISSUED


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "inspector"])
def test_only_the_inspector_issues_accepts_and_sends_back(world, persona):
    with pytest.raises(services.ActionForbidden):
        services.warning_issue(
            actor=world.users[persona],
            unit=world.unit,
            grade="red",
            recipient=world.person("staff2"),
            risk_text="x",
            requirement="y",
            reply_due=clock.today(),
        )
    warning = issue_warning(world)
    act(world, warning, Action.ACKNOWLEDGE, "staff")
    act(world, warning, Action.REPLY, "staff", "已整改。")
    for action in (Action.ACCEPT, Action.SEND_BACK):
        with pytest.raises(services.ActionForbidden):
            act(world, warning, action, persona, "理由")
    assert WarningNotice.objects.get().state == State.REPLIED


def test_wrong_state_and_missing_reason_are_refused(world):
    warning = issue_warning(world)
    with pytest.raises(services.ActionRefused, match="不能反馈"):
        act(world, warning, Action.REPLY, "staff", "先反馈")
    act(world, warning, Action.ACKNOWLEDGE, "staff")
    with pytest.raises(services.ActionRefused, match="请填写反馈内容"):
        act(world, warning, Action.REPLY, "staff", "  ")
    assert SupervisionLog.objects.filter(warning=warning).count() == 2


def test_a_department_warning_goes_to_its_head(world):
    warning = services.warning_issue(
        actor=world.users["inspector"],
        unit=world.unit,
        grade="orange",
        recipient_department=world.office_dept,
        risk_text="部室公章管理混乱。",
        requirement="请整改。",
        reply_due=clock.today() + dt.timedelta(days=5),
    )
    assert warning.recipient == world.person("head")
    act(world, warning, Action.ACKNOWLEDGE, "head")
    assert warning.state == State.ACKNOWLEDGED


def test_bad_attachment_is_refused_and_nothing_changes(world):
    warning = issue_warning(world)
    act(world, warning, Action.ACKNOWLEDGE, "staff")
    with pytest.raises(services.ActionRefused, match="附件"):
        act(
            world,
            warning,
            Action.REPLY,
            "staff",
            "见附件",
            files=[SimpleUploadedFile("a.pdf", b"MZ\x90\x00\x03binary\x00")],
        )
    assert WarningNotice.objects.get().state == State.ACKNOWLEDGED
    assert not Evidence.objects.exists()


def test_overdue_reply_marked_with_the_training_clock_and_escalated(
    world, settings, django_capture_on_commit_callbacks
):
    warning = issue_warning(world, days=3)
    act(world, warning, Action.ACKNOWLEDGE, "staff")
    assert services.overdue_sweep() == 0
    Notification.objects.all().delete()

    settings.RISKREG_TODAY_OFFSET_DAYS = 4
    with django_capture_on_commit_callbacks(execute=True):
        assert services.overdue_sweep() == 1
    warning.refresh_from_db()
    assert warning.is_overdue and warning.overdue_since == clock.today()
    notified = set(Notification.objects.filter(kind="supervision").values_list(
        "recipient__username", flat=True))  # fmt: skip
    assert notified == {"demo_staff", "demo_inspector", "demo_principal"}
    assert services.overdue_sweep() == 0  # once only

    act(world, warning, Action.REPLY, "staff", "迟到的反馈。")
    warning.refresh_from_db()
    assert warning.replied_on_time is False and not warning.is_overdue


def test_overdue_command_marks_items_and_tells_the_department_head(
    world, settings, django_capture_on_commit_callbacks
):
    from django.core.management import call_command

    issue_rectification(world, deadline_days=1)
    settings.RISKREG_TODAY_OFFSET_DAYS = 2
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("mark_overdue_supervision")
    item = RectificationItem.objects.get()
    assert item.is_overdue
    notified = set(Notification.objects.values_list("recipient__username", flat=True))
    assert {"demo_staff", "demo_head", "demo_inspector", "demo_principal"} <= notified


def test_rectification_items_report_close_and_disposition_close(world):
    disposition = issue_rectification(world)
    item = disposition.items.get()
    assert disposition.subject == world.person("head")
    with pytest.raises(services.ActionRefused):
        act(world, disposition, Action.CLOSE, "inspector")  # not yet acknowledged
    act(world, disposition, Action.ACKNOWLEDGE, "head")
    assert disposition.state == State.IN_PROGRESS
    with pytest.raises(services.ActionRefused, match="尚有整改事项未销号"):
        act(world, disposition, Action.CLOSE, "inspector")
    for persona in ("staff2", "leader", "admin", "principal"):
        with pytest.raises(services.ActionForbidden):
            act(world, item, Action.REPORT, persona, "进展")
    act(world, item, Action.REPORT, "staff", "登记簿已建立。",
        files=[SimpleUploadedFile("登记簿.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20)])  # fmt: skip
    act(world, item, Action.SEND_BACK, "inspector", "登记簿缺少页码。")
    act(world, item, Action.REPORT, "head", "已补页码。")  # the department head may report too
    with pytest.raises(services.ActionForbidden):
        act(world, item, Action.CLOSE, "head")
    act(world, item, Action.CLOSE, "inspector")
    act(world, disposition, Action.CLOSE, "inspector")
    disposition.refresh_from_db()
    assert disposition.state == State.CLOSED
    assert list(item.log.values_list("action", flat=True)) == [
        "issue", "report", "send_back", "report", "close",
    ]  # fmt: skip
    assert (
        item.log.get(action="report", comment="登记簿已建立。")
        .evidence.get()
        .file.name.endswith(".png")
    )


def test_talk_dispositions_need_their_record(world):
    with pytest.raises(services.ActionRefused, match="谈话地点"):
        services.disposition_issue(
            actor=world.users["inspector"],
            unit=world.unit,
            kind=DispositionKind.ADMONITION,
            subject=world.person("staff"),
            basis="问题",
            talk_on=clock.today(),
            talkers="郑立新",
            recorder="杨帆",
            talk_content="内容",
        )
    assert not SupervisionLog.objects.exists()
    d = services.disposition_issue(
        actor=world.users["inspector"],
        unit=world.unit,
        kind=DispositionKind.ADMONITION,
        subject=world.person("staff"),
        basis="问题",
        talk_on=clock.today(),
        talk_place="纪检组办公室",
        talkers="郑立新",
        recorder="杨帆",
        talk_content="内容",
    )
    act(world, d, Action.ACKNOWLEDGE, "staff")
    assert d.state == State.ACKNOWLEDGED
    act(world, d, Action.CLOSE, "inspector")
    assert d.state == State.CLOSED


def test_reminder_and_referral_are_recorded_with_what_they_need(world):
    reminder = services.disposition_issue(
        actor=world.users["inspector"], unit=world.unit, kind=DispositionKind.REMINDER,
        subject=world.person("staff2"), basis="群众反映", method="written",
    )  # fmt: skip
    assert reminder.get_method_display() == "书面提醒"
    with pytest.raises(services.ActionRefused, match="处理结果"):
        services.disposition_issue(
            actor=world.users["inspector"], unit=world.unit, kind=DispositionKind.REFERRAL,
            subject=world.person("staff2"), basis="问题", referred_to="市纪委监委",
        )  # fmt: skip


def test_correction_is_logged_with_reason_and_old_value(world):
    warning = issue_warning(world)
    with pytest.raises(services.ActionRefused, match="理由"):
        act(world, warning, Action.CORRECT, "inspector", extra={"changes": {"risk_text": "新"}})
    with pytest.raises(services.ActionForbidden):
        act(world, warning, Action.CORRECT, "staff", "理由", extra={"changes": {"risk_text": "新"}})
    act(world, warning, Action.CORRECT, "inspector", "笔误", extra={"changes": {"risk_text": "新"}})
    warning.refresh_from_db()
    entry = warning.log.get(action="correct")
    assert warning.risk_text == "新"
    assert entry.changes["risk_text"] == {
        "label": "发现的风险",
        "old": "印章使用登记不全。",
        "new": "新",
    }
    with pytest.raises(services.ActionRefused, match="不能更正"):
        act(world, warning, Action.CORRECT, "inspector", "x", extra={"changes": {"number": "9"}})


def test_records_and_log_are_never_deleted_or_rewritten(world):
    warning = issue_warning(world)
    with pytest.raises(RecordsAreKept):
        warning.delete()
    entry = warning.log.get()
    with pytest.raises(RecordsAreKept):
        entry.delete()
    entry.comment = "改写"
    with pytest.raises(RecordsAreKept):
        entry.save()
    assert WarningNotice.objects.count() == 1
