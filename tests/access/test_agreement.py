"""Every predicate of access.rules agrees with its queryset twin, for every persona and every
kind of form, in every state of the chain."""

import datetime as dt

import pytest

from access import rules as access
from access.services import delegation_grant
from riskreg import clock
from risks.models import RiskForm
from units.models import Person, Unit
from workflow import transitions
from workflow.enums import Action, FormState

pytestmark = pytest.mark.django_db

PERSONAS = ("staff", "staff2", "head", "leader", "principal", "office", "inspector", "admin")


@pytest.fixture
def everyone(demo):
    """The personas, and a colleague acting today for the head, the leader and the principal
    (委托), who holds all three of their roles by delegation only."""
    today = clock.today()
    cashier = Person.objects.get(unit__code="GYRC", employee_no="000206")
    for key in ("head", "leader", "principal"):
        delegation_grant(
            by=demo["office"],
            delegator=Person.objects.get(user=demo[key]),
            delegate=cashier,
            starts_on=today,
            ends_on=today + dt.timedelta(days=1),
        )
    return [*(demo[p] for p in PERSONAS), cashier.user]


def _set_state(kinds, state):
    RiskForm.objects.filter(pk__in=[f.pk for f in kinds.values()]).update(state=state)
    for form in kinds.values():
        form.state = state


@pytest.mark.parametrize("state", list(FormState))
def test_acting_role_and_forms_actionable_agree(everyone, kinds, state):
    _set_state(kinds, state)
    ids = [f.pk for f in kinds.values()]
    for t in transitions.transitions_from(state):
        for user in everyone:
            person = access.person_for(user)
            by_predicate = {
                name for name, f in kinds.items() if access.acting_role(t, person, f) is not None
            }
            listed = set(
                access.forms_actionable(user, [t], RiskForm.objects.filter(pk__in=ids)).values_list(
                    "pk", flat=True
                )
            )
            by_query = {name for name, f in kinds.items() if f.pk in listed}
            assert by_predicate == by_query, (user, t.action)


@pytest.mark.parametrize("state", [FormState.DRAFT, FormState.MASS_REVIEW, FormState.FILED])
def test_can_view_form_and_forms_visible_to_agree(everyone, kinds, outsider, state):
    _set_state(kinds, state)
    for user in [*everyone, outsider]:
        readable = {name for name, f in kinds.items() if access.can_view_form(user, f)}
        listed = set(access.forms_visible_to(user).values_list("pk", flat=True))
        assert readable == {name for name, f in kinds.items() if f.pk in listed}, user


def test_who_passes_which_form_at_dept_review(demo, kinds):
    """The 部室审核 rule itself, as a reader of the transition table expects it."""
    _set_state(kinds, FormState.DEPT_REVIEW)
    t = transitions.find(FormState.DEPT_REVIEW, Action.PASS)
    reviewers = {
        name: {
            p
            for p in PERSONAS
            if access.acting_role(t, access.person_for(demo[p]), form) is not None
        }
        for name, form in kinds.items()
    }
    assert reviewers["staff"] == {"head"}
    assert reviewers["head_own"] == {"leader"}  # nobody reviews their own form
    assert reviewers["headless"] == {"leader"}
    assert reviewers["orphan"] == {"office"}
    assert reviewers["dept"] == {"leader"}
    assert reviewers["orphan_dept"] == {"office"}
    assert reviewers["leader_post"] == {"principal"}
    assert reviewers["principal_post"] == {"office"}
    assert reviewers["leadership"] == {"office"}
    assert reviewers["other_unit"] == set()


@pytest.mark.parametrize("persona", PERSONAS)
def test_unit_predicates_and_their_lists_agree(demo, persona):
    user = demo[persona]
    units = list(Unit.objects.all())
    pairs = [
        (access.can_manage_round, {u.pk for u in access.units_coordinated_by(user)}),
        (access.can_see_board, {u.pk for u in access.units_with_board(user)}),
        (
            access.can_read_register,
            set(access.units_with_register(user).values_list("pk", flat=True)),
        ),
        (
            access.can_read_quarterly,
            set(access.units_with_quarterly(user).values_list("pk", flat=True)),
        ),
    ]
    for predicate, listed in pairs:
        assert {u.pk for u in units if predicate(user, u)} == listed, predicate.__name__


def test_the_delegate_reviews_what_the_delegators_review_in_their_name(demo, everyone, kinds):
    _set_state(kinds, FormState.DEPT_REVIEW)
    t = transitions.find(FormState.DEPT_REVIEW, Action.PASS)
    delegate = access.person_for(everyone[-1])
    acting = {name: access.acting_role(t, delegate, form) for name, form in kinds.items()}
    assert {name for name, a in acting.items() if a} == {
        "staff",
        "head_own",
        "headless",
        "dept",
        "leader_post",
    }
    on_behalf = {name: a.on_behalf_of.user for name, a in acting.items() if a}
    assert on_behalf["staff"] == demo["head"]
    assert on_behalf["headless"] == demo["leader"]
    assert on_behalf["leader_post"] == demo["principal"]
