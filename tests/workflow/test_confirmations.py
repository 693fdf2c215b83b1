"""What cannot be undone asks first: without `confirmed` the server changes nothing and says
what would be done, to how many forms and which."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.workflow.conftest import act, decide, to_collective, to_mass_review
from workflow import services
from workflow.enums import Action, FormState
from workflow.models import Objection

pytestmark = pytest.mark.django_db


def published(demo, forms, rnd, meeting, days_ago=0):
    form = to_collective(demo, forms, "post", rnd)
    decide(demo, form, meeting)
    act(form, Action.SIGN_SUPERVISOR, demo["leader"])
    act(form, Action.SIGN_PRINCIPAL, demo["principal"])
    act(
        form,
        Action.PUBLISH,
        demo["office"],
        published_on=timezone.localdate() - datetime.timedelta(days=days_ago),
    )
    return form


def test_submit_asks_first_then_submits(demo, forms, login):
    form = forms["post"]
    client = login(demo["staff"])
    url = reverse("workflow:act", args=[form.pk])
    page = client.post(url, {"action": "submit", "revision": form.revision}).content.decode()
    assert "请确认：提交一览表" in page and "尚未执行" in page
    assert form.subject_title in page and "2 个风险点" in page
    form.refresh_from_db()
    assert form.state == FormState.DRAFT
    client.post(url, {"action": "submit", "confirmed": "1", "revision": form.revision})
    form.refresh_from_db()
    assert form.state == FormState.DEPT_REVIEW


def test_closing_a_rating_window_asks_first(demo, forms, rnd, login):
    form = to_mass_review(demo, forms, "post")
    window, _ = services.rating_window_open(
        actor=demo["office"], round=rnd, deadline=timezone.now() + datetime.timedelta(days=3)
    )
    client = login(demo["office"])
    url = reverse("workflow:rating_window_close", args=[window.pk])
    page = client.post(url).content.decode()
    assert "请确认：结束" in page and "共 <strong>1</strong> 张一览表" in page
    assert form.subject_title in page
    window.refresh_from_db()
    assert window.is_open
    client.post(url, {"confirmed": "1"})
    form.refresh_from_db()
    assert form.state == FormState.COLLECTIVE


def test_publishing_asks_first_and_names_the_forms(demo, forms, rnd, meeting, login):
    form = to_collective(demo, forms, "post", rnd)
    decide(demo, form, meeting)
    act(form, Action.SIGN_SUPERVISOR, demo["leader"])
    act(form, Action.SIGN_PRINCIPAL, demo["principal"])
    client = login(demo["office"])
    data = {"action": "publish", "form_ids": [form.pk]}
    page = client.post(reverse("workflow:collective"), data).content.decode()
    assert "请确认：公示所选一览表" in page and "确认公示 1 张" in page
    assert form.subject_title in page
    form.refresh_from_db()
    assert form.state == FormState.COLLECTIVE
    client.post(reverse("workflow:collective"), {**data, "confirmed": "1"})
    form.refresh_from_db()
    assert form.state == FormState.PUBLIC_NOTICE


def test_filing_asks_first_and_nothing_is_pre_ticked(demo, forms, rnd, meeting, login):
    form = published(demo, forms, rnd, meeting, days_ago=30)
    client = login(demo["office"])
    notice_page = client.get(reverse("workflow:notice_register")).content.decode()
    assert f'value="{form.pk}" id="file-{form.pk}">' in notice_page
    assert "checked" not in notice_page.split("备案所选")[0].split("可备案")[-1]
    page = client.post(reverse("workflow:file_batch"), {"form_ids": [form.pk]}).content.decode()
    assert "请确认：备案所选一览表" in page and "确认备案 1 张" in page
    form.refresh_from_db()
    assert form.state == FormState.PUBLIC_NOTICE
    client.post(reverse("workflow:file_batch"), {"form_ids": [form.pk], "confirmed": "1"})
    form.refresh_from_db()
    assert form.state == FormState.FILED


def test_filing_is_not_offered_before_the_notice_period_ends(demo, forms, rnd, meeting, login):
    form = published(demo, forms, rnd, meeting)
    notice = form.notices.get()
    client = login(demo["office"])
    page = client.get(reverse("workflow:notice_register")).content.decode()
    assert "备案所选" not in page
    assert f"{notice.ends_on:%-m}月{notice.ends_on:%-d}日之后）方可备案" in page
    client.post(reverse("workflow:file_batch"), {"form_ids": [form.pk], "confirmed": "1"})
    form.refresh_from_db()
    assert form.state == FormState.PUBLIC_NOTICE


def test_objection_answer_has_no_default_and_asks_first(demo, forms, rnd, meeting, login):
    form = published(demo, forms, rnd, meeting)
    objection = services.objection_raise(actor=demo["staff2"], form=form, text="等级偏低")
    client = login(demo["office"])
    page = client.get(reverse("workflow:objections")).content.decode()
    assert 'value="0" id="up0' in page and "checked" not in page
    url = reverse("workflow:objection_answer", args=[objection.pk])
    missing = client.post(url, {"answer": "已核实"}, follow=True).content.decode()
    assert "请填写答复并选择结论" in missing
    asked = client.post(url, {"answer": "已核实", "upheld": "0"}).content.decode()
    assert "请确认：答复异议" in asked and "结论：异议不成立，维持审定结果" in asked
    objection.refresh_from_db()
    assert objection.answered_at is None
    client.post(url, {"answer": "已核实", "upheld": "0", "confirmed": "1"})
    objection = Objection.objects.get(pk=objection.pk)
    assert objection.answered_at is not None and objection.upheld is False
