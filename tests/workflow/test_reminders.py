"""催办 on the progress board: late forms only, each person concerned told, once a day."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse

from audit.enums import AuditAction
from audit.models import AuditEvent
from risks.models import Round
from tests.workflow.conftest import act
from workflow.enums import Action
from workflow.models import Notification, Reminder

pytestmark = pytest.mark.django_db


@pytest.fixture
def late(demo, forms, rnd):
    """The staff's form waits in 部室审核 since the review deadline passed."""
    act(forms["post"], Action.SUBMIT, demo["staff"])
    Round.objects.filter(pk=rnd.pk).update(
        dept_review_deadline=datetime.date.today() - datetime.timedelta(days=4)
    )
    forms["post"].refresh_from_db()
    return forms["post"]


def test_board_marks_late_forms_and_offers_remind_to_the_office(demo, late, rnd, login):
    page = login(demo["office"]).get(reverse("workflow:board"), {"round": rnd.pk})
    body = page.content.decode()
    assert "逾期 4 天" in body and "催办所选" in body
    assert f'value="{late.pk}" id="remind-{late.pk}" aria-label' in body
    inspector = login(demo["inspector"]).get(reverse("workflow:board"), {"round": rnd.pk})
    assert "逾期 4 天" in inspector.content.decode()
    assert "催办所选" not in inspector.content.decode()


def test_remind_notifies_the_reviewer_once_a_day(demo, late, rnd, login):
    client = login(demo["office"])
    url = reverse("workflow:board_remind")
    response = client.post(url, {"round": rnd.pk, "form_ids": [late.pk]}, follow=True)
    assert "已催办 1 张一览表" in response.content.decode()
    notice = Notification.objects.get(recipient=demo["head"], kind=f"remind:{late.pk}")
    assert "已逾期 4 天" in notice.message
    reminder = Reminder.objects.get()
    assert reminder.sent_by.user == demo["office"] and reminder.recipients == "赵明远"
    assert AuditEvent.objects.filter(action=AuditAction.REMINDER).count() == 1

    again = client.post(url, {"round": rnd.pk, "form_ids": [late.pk]}, follow=True)
    assert "今天已催办过" in again.content.decode()
    assert Reminder.objects.count() == 1
    assert Notification.objects.filter(kind=f"remind:{late.pk}").count() == 1


def test_remind_tomorrow_is_allowed_by_the_training_clock(demo, late, rnd, login, settings):
    client = login(demo["office"])
    url = reverse("workflow:board_remind")
    client.post(url, {"round": rnd.pk, "form_ids": [late.pk]})
    settings.RISKREG_TODAY_OFFSET_DAYS = 1
    client.post(url, {"round": rnd.pk, "form_ids": [late.pk]})
    assert Reminder.objects.count() == 2


def test_remind_sends_mail_through_the_worker_when_email_host_is_set(
    demo, late, rnd, login, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_HOST = "smtp.example.gov.cn"
    demo["head"].email = "head@example.gov.cn"
    demo["head"].save()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        login(demo["office"]).post(
            reverse("workflow:board_remind"), {"round": rnd.pk, "form_ids": [late.pk]}
        )
    assert len(callbacks) == 1  # the e-mail is handed to the background worker after commit
    from workflow.reminders import send_reminder_email

    send_reminder_email.call("head@example.gov.cn", "催办：测试", "/forms/1/")
    assert mail.outbox[-1].to == ["head@example.gov.cn"]


def test_only_the_office_reminds(demo, late, rnd, login):
    response = login(demo["inspector"]).post(
        reverse("workflow:board_remind"), {"round": rnd.pk, "form_ids": [late.pk]}
    )
    assert response.status_code == 403
    assert not Reminder.objects.exists()


def test_home_page_marks_the_self_check_deadline_overdue_by_the_training_clock(
    demo, forms, rnd, login, settings
):
    Round.objects.filter(pk=rnd.pk).update(self_check_deadline=datetime.date.today())
    client = login(demo["staff"])
    assert "逾期" not in client.get("/").content.decode()
    settings.RISKREG_TODAY_OFFSET_DAYS = 3
    body = client.get("/").content.decode()
    assert "前完成）" in body and "逾期 3 天" in body
