"""One source for every count: 我的待办 on the home page and the folded notifications say the
number of forms the linked page holds, for every queue and each role."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from access.rules import people_who_may_act
from tests.factories import make_form
from tests.workflow.conftest import act, complete_form, decide, person_of, to_mass_review
from workflow import selectors, services, transitions
from workflow.enums import Action
from workflow.models import Notification

pytestmark = pytest.mark.django_db

PERSONAS = ["staff", "staff2", "head", "leader", "principal", "office", "inspector"]


def _page_count(client, url_name: str) -> int:
    """How many forms (or open objections) the page itself shows as waiting."""
    context = client.get(reverse(url_name), {"round": "all"}).context
    if url_name in ("workflow:review_queue", "workflow:sign_queue"):
        return context["page"].paginator.count
    if url_name == "workflow:rating_list":
        return sum(1 for f in context["forms"] if f.n_rated < f.n_points)
    if url_name == "workflow:rating_windows":
        return len(context["waiting"])
    if url_name == "workflow:collective":
        return len(context["forms"])
    if url_name == "workflow:objections":
        return sum(1 for o in context["objections"] if not o.is_answered)
    if url_name == "workflow:notice_register":
        return len(context["fileable"])
    if url_name == "risks:my_forms":
        return sum(1 for f in context["forms"] if f.state == "draft")
    raise AssertionError(url_name)


@pytest.fixture
def busy_round(demo, forms, rnd, meeting):
    """Something waiting in every queue: a review, signatures, a form to put to the rating, an
    open objection, a form to file, and a rating window for the staff."""
    act(forms["post"], Action.SUBMIT, demo["staff"])
    for key in ("head_post", "department", "leadership"):
        to_mass_review(demo, forms, key)
    window, _ = services.rating_window_open(
        actor=demo["office"], round=rnd, deadline=timezone.now() + datetime.timedelta(days=3)
    )
    services.rating_window_close(window=window, actor=demo["office"])
    for key in ("head_post", "department", "leadership"):
        forms[key].refresh_from_db()
        decide(demo, forms[key], meeting)
    for key in ("department", "leadership"):
        lines = transitions.required_signatures(forms[key])
        if transitions.SignatureKind.SUPERVISOR in lines:
            act(forms[key], Action.SIGN_SUPERVISOR, demo["leader"])
        if transitions.SignatureKind.PRINCIPAL in lines:
            act(forms[key], Action.SIGN_PRINCIPAL, demo["principal"])
        act(
            forms[key],
            Action.PUBLISH,
            demo["office"],
            # The leadership form's notice has ended (to file); the department's runs.
            published_on=timezone.localdate()
            - datetime.timedelta(days=30 if key == "leadership" else 0),
        )
    services.objection_raise(actor=demo["staff2"], form=forms["department"], text="偏低")
    to_mass_review(demo, forms, "leader_post")
    services.rating_window_open(
        actor=demo["office"], round=rnd, deadline=timezone.now() + datetime.timedelta(days=3)
    )
    # Passed after the window opened: waiting for the office to put it to the rating.
    staff2 = person_of(demo["staff2"])
    late = complete_form(make_form(round=rnd, post=staff2.post, filler=staff2))
    act(late, Action.SUBMIT, demo["staff2"])
    act(late, Action.PASS, people_who_may_act(late)[0].user)
    return forms


@pytest.mark.parametrize("persona", PERSONAS)
def test_worklist_counts_equal_the_pages_they_link_to(demo, busy_round, login, persona):
    client = login(demo[persona])
    items = selectors.worklist(demo[persona])
    assert items
    for item in items:
        assert item.count == _page_count(client, item.url_name), (persona, item.label)


def test_every_queue_has_something_waiting_for_someone(demo, busy_round, login):
    """The equality above is not 0 == 0: each line counts forms for some persona."""
    waiting = {
        item.url_name
        for persona in PERSONAS
        for item in selectors.worklist(demo[persona])
        if item.count
    }
    assert waiting >= {
        "workflow:review_queue",
        "workflow:rating_list",
        "workflow:sign_queue",
        "workflow:rating_windows",
        "workflow:collective",
        "workflow:objections",
        "workflow:notice_register",
    }


def test_home_page_shows_the_queue_count(demo, busy_round, login):
    client = login(demo["leader"])
    home = client.get("/").content.decode()
    count = _page_count(client, "workflow:sign_queue")
    assert count >= 1
    assert f'<a href="{reverse("workflow:sign_queue")}?round=all">待签字（集体审定）</a>' in home
    line = home.split("待签字（集体审定）</a>")[1].split("</span>")[0]
    assert line.endswith(f">{count}")


def test_folded_notification_counts_the_queue_not_the_notices(
    demo, forms, login, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for key in ("head_post", "department"):
            act(forms[key], Action.SUBMIT, demo["head"])
        act(forms["department"], Action.RETURN_TO_DRAFT, demo["leader"], comment="补充")
        act(forms["department"], Action.SUBMIT, demo["head"])
    notice = Notification.objects.get(recipient=demo["leader"], kind="review")
    client = login(demo["leader"])
    assert notice.message == f"有 {_page_count(client, 'workflow:review_queue')} 张一览表待您审核"
    assert notice.message == "有 2 张一览表待您审核"
