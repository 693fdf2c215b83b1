"""Queues and the progress board cost the same number of queries for 1 form as for many."""

import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_form, make_person, make_post
from tests.workflow.conftest import act, complete_form, decide, person_of
from workflow import services
from workflow.enums import Action

pytestmark = pytest.mark.django_db


def staff_forms(demo, rnd, n):
    """n complete forms of new staff posts in the demo head's department."""
    head = person_of(demo["head"])
    forms = []
    for _ in range(n):
        post = make_post(unit=rnd.unit, department=head.department)
        person = make_person(unit=rnd.unit, department=head.department, post=post)
        forms.append(complete_form(make_form(round=rnd, post=post, filler=person)))
    return forms


def queries(client, url) -> int:
    client.get(url)  # warm caches that do not depend on the rows (sessions, content types)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def submitted(demo, forms):
    for form in forms:
        act(form, Action.SUBMIT, form.filler.user)


def in_window(demo, rnd, forms):
    submitted(demo, forms)
    for form in forms:
        act(form, Action.PASS, demo["head"])
    services.rating_window_open(
        actor=demo["office"], round=rnd, deadline=timezone.now() + datetime.timedelta(days=1)
    )


def decided(demo, rnd, forms, meeting):
    in_window(demo, rnd, forms)
    window = rnd.rating_windows.get()
    for form in forms:
        for point in form.points.all():
            services.rating_save(
                window=window, point=point, rater=person_of(demo["staff2"]), verdict="agree"
            )
    services.rating_window_close(window=window, actor=demo["office"])
    for form in forms:
        form.refresh_from_db()
        decide(demo, form, meeting)


def published(demo, rnd, forms, meeting):
    decided(demo, rnd, forms, meeting)
    for form in forms:
        act(form, Action.SIGN_SUPERVISOR, demo["leader"])
        act(form, Action.SIGN_PRINCIPAL, demo["principal"])
        act(form, Action.PUBLISH, demo["office"])
        services.objection_raise(actor=demo["staff2"], form=form, text="异议")


CASES = {
    "review": ("head", "workflow:review_queue", lambda d, r, f, m: submitted(d, f)),
    "rating": ("staff2", "workflow:rating_list", lambda d, r, f, m: in_window(d, r, f)),
    "windows": ("office", "workflow:rating_windows", lambda d, r, f, m: in_window(d, r, f)),
    "sign": ("leader", "workflow:sign_queue", decided),
    "collective": ("office", "workflow:collective", decided),
    "notice": ("staff2", "workflow:notice_register", published),
    "objections": ("office", "workflow:objections", published),
    "board": ("office", "workflow:board", lambda d, r, f, m: submitted(d, f)),
    "home": ("head", "home", lambda d, r, f, m: submitted(d, f)),
}


def measure(demo, rnd, meeting, client, url, arrange, n) -> int:
    """Queries of the page with n forms arranged, in a savepoint rolled back afterwards."""
    with transaction.atomic():
        arrange(demo, rnd, staff_forms(demo, rnd, n), meeting)
        count = queries(client, url)
        transaction.set_rollback(True)
    return count


@pytest.mark.parametrize("case", list(CASES))
def test_page_queries_do_not_grow_with_forms(demo, rnd, meeting, login, case):
    persona, url_name, arrange = CASES[case]
    client = login(demo[persona])
    url = reverse(url_name)

    one = measure(demo, rnd, meeting, client, url, arrange, 1)
    many = measure(demo, rnd, meeting, client, url, arrange, 4)

    assert many == one
