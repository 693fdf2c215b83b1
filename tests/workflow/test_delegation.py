"""委托 in the chain: the delegate signs in their own name "代 X" while the delegation is in
force, and not after it ended."""

import datetime as dt

import pytest
from django.test import override_settings

from access.services import delegation_grant
from riskreg import clock
from tests.workflow.conftest import act, decide, person_of, to_collective
from units.models import Person
from workflow import selectors, services
from workflow.enums import Action
from workflow.models import Signature, SignatureKind, TransitionLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def cashier(demo):
    return Person.objects.get(unit__code="GYRC", employee_no="000206")


def _delegate(demo, delegator, delegate, days):
    today = clock.today()
    return delegation_grant(
        by=demo["office"],
        delegator=delegator,
        delegate=delegate,
        starts_on=today,
        ends_on=today + dt.timedelta(days=days),
    )


def test_the_delegate_signs_both_lines_as_dai_x_and_not_after_the_end(
    demo, forms, rnd, meeting, cashier
):
    form = to_collective(demo, forms, "post", rnd)
    decide(demo, form, meeting)
    leader, principal = person_of(demo["leader"]), person_of(demo["principal"])
    _delegate(demo, leader, cashier, days=3)
    _delegate(demo, principal, cashier, days=1)

    queue = selectors.sign_queue(Person.objects.get(pk=cashier.pk).user)
    assert [(f.pk, f.acting_for) for f in queue] == [(form.pk, leader)]

    act(form, Action.SIGN_SUPERVISOR, Person.objects.get(pk=cashier.pk).user)
    line = Signature.objects.get(form=form, kind=SignatureKind.SUPERVISOR)
    assert line.name == f"{cashier.name}（代 {leader.name}）" and line.on_behalf_of == leader
    entry = TransitionLog.objects.filter(form=form, action=Action.SIGN_SUPERVISOR).get()
    assert entry.actor_name == line.name

    # The principal's delegation has ended two days later.
    with (
        override_settings(RISKREG_TODAY_OFFSET_DAYS=2),
        pytest.raises(services.TransitionForbidden),
    ):
        act(form, Action.SIGN_PRINCIPAL, Person.objects.get(pk=cashier.pk).user)
    assert not Signature.objects.filter(form=form, kind=SignatureKind.PRINCIPAL).exists()

    act(form, Action.SIGN_PRINCIPAL, Person.objects.get(pk=cashier.pk).user)
    line = Signature.objects.get(form=form, kind=SignatureKind.PRINCIPAL)
    assert line.name == f"{cashier.name}（代 {principal.name}）"
