"""Fixtures of the approval chain: a GYRC round and complete forms of the demo personas."""

import datetime

import pytest
from django.utils import timezone

from risks.models import RiskForm
from tests.factories import make_form, make_point, make_round
from units.models import Department, Person, Post, Unit
from workflow import services
from workflow.enums import Action, FormState
from workflow.models import CollectiveMeeting


def person_of(user) -> Person:
    return Person.objects.get(user=user)


@pytest.fixture
def gyrc(demo) -> Unit:
    return Unit.objects.get(code="GYRC")


@pytest.fixture
def rnd(gyrc):
    return make_round(unit=gyrc, title="2026年度廉政风险排查（测试）")


def complete_form(form: RiskForm, n: int = 2) -> RiskForm:
    category = form.allowed_categories()[0]
    for i in range(n):
        make_point(form=form, category=category, description=f"风险点{i + 1}", level=2)
    return form


@pytest.fixture
def forms(demo, gyrc, rnd):
    """One complete form of each kind the chain treats differently."""
    staff = person_of(demo["staff"])
    head = person_of(demo["head"])
    leader = person_of(demo["leader"])
    principal = person_of(demo["principal"])
    office_dept = Department.objects.get(unit=gyrc, name="办公室")
    return {
        "post": complete_form(make_form(round=rnd, post=staff.post, filler=staff)),
        "head_post": complete_form(make_form(round=rnd, post=head.post, filler=head)),
        "department": complete_form(
            make_form(round=rnd, subject_kind="department", department=office_dept, filler=head)
        ),
        "leader_post": complete_form(
            make_form(round=rnd, post=Post.objects.get(unit=gyrc, name="秘书长"), filler=leader)
        ),
        "leadership": complete_form(
            make_form(round=rnd, subject_kind="leadership", filler=principal)
        ),
    }


@pytest.fixture
def meeting(demo, rnd):
    return CollectiveMeeting.objects.create(
        round=rnd,
        unit=rnd.unit,
        held_on=datetime.date(2026, 6, 20),
        attendees="周文涛、王建国、陈雅琴、郑立新",
        minutes="审定各岗位廉政风险等级。",
        recorded_by=person_of(demo["office"]),
    )


def act(form, action, user, comment="", **extra):
    return services.form_transition(
        form=form, action=action, actor=user, comment=comment, extra=extra or None
    )


def reviewer_of(demo, key):
    return {
        "post": "head",
        "head_post": "leader",
        "department": "leader",
        "leader_post": "principal",
        "leadership": "office",
    }[key]


def filler_of(key):
    return {
        "post": "staff",
        "head_post": "head",
        "department": "head",
        "leader_post": "leader",
        "leadership": "principal",
    }[key]


def to_mass_review(demo, forms, key):
    form = forms[key]
    act(form, Action.SUBMIT, demo[filler_of(key)])
    act(form, Action.PASS, demo[reviewer_of(demo, key)])
    return form


def to_collective(demo, forms, key, rnd):
    form = to_mass_review(demo, forms, key)
    window, _ = services.rating_window_open(
        actor=demo["office"],
        round=rnd,
        deadline=timezone.now() + datetime.timedelta(days=3),
    )
    services.rating_window_close(window=window, actor=demo["office"])
    form.refresh_from_db()
    assert form.state == FormState.COLLECTIVE
    return form


def proposed_levels(form) -> dict:
    return {p.pk: (p.proposed_level, "") for p in form.points.all()}


def decide(demo, form, meeting, levels=None):
    return act(
        form, Action.DECIDE, demo["office"], meeting=meeting, levels=levels or proposed_levels(form)
    )
