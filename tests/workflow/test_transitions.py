"""The transition table, exhaustively: every (state, action, persona) triple on every kind of
form is allowed or refused as the chain says (SPEC section 5). Cases are generated; each trial
runs in a savepoint that is rolled back, so every trial starts from the same form."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from risks.models import RiskForm
from tests.workflow.conftest import person_of
from workflow import services, transitions
from workflow.enums import Action, FormState, RerateReason
from workflow.models import (
    FormDecision,
    Objection,
    PublicNotice,
    RatingWindow,
    Signature,
    SignatureKind,
)

pytestmark = pytest.mark.django_db

PERSONAS = [
    "staff",
    "staff2",
    "head",
    "leader",
    "principal",
    "office",
    "inspector",
    "admin",
    "auditor",
    "outsider",
]

# The state each action leaves from (SPEC section 5).
SOURCE = {
    Action.SUBMIT: FormState.DRAFT,
    Action.PASS: FormState.DEPT_REVIEW,
    Action.RETURN_TO_DRAFT: FormState.DEPT_REVIEW,
    Action.OPEN_MASS_REVIEW: FormState.MASS_REVIEW,
    Action.CLOSE_MASS_REVIEW: FormState.MASS_REVIEW,
    Action.DECIDE: FormState.COLLECTIVE,
    Action.SIGN_SUPERVISOR: FormState.COLLECTIVE,
    Action.SIGN_PRINCIPAL: FormState.COLLECTIVE,
    Action.RETURN_FROM_COLLECTIVE: FormState.COLLECTIVE,
    Action.PUBLISH: FormState.COLLECTIVE,
    Action.UPHOLD_OBJECTION: FormState.PUBLIC_NOTICE,
    Action.FILE: FormState.PUBLIC_NOTICE,
    Action.RERATE: FormState.FILED,
}
TARGET = {
    Action.SUBMIT: FormState.DEPT_REVIEW,
    Action.PASS: FormState.MASS_REVIEW,
    Action.RETURN_TO_DRAFT: FormState.DRAFT,
    Action.OPEN_MASS_REVIEW: FormState.MASS_REVIEW,
    Action.CLOSE_MASS_REVIEW: FormState.COLLECTIVE,
    Action.DECIDE: FormState.COLLECTIVE,
    Action.SIGN_SUPERVISOR: FormState.COLLECTIVE,
    Action.SIGN_PRINCIPAL: FormState.COLLECTIVE,
    Action.RETURN_FROM_COLLECTIVE: FormState.DRAFT,
    Action.PUBLISH: FormState.PUBLIC_NOTICE,
    Action.UPHOLD_OBJECTION: FormState.COLLECTIVE,
    Action.FILE: FormState.FILED,
    Action.RERATE: FormState.FILED,
}

OFFICE_ACTIONS = {
    Action.OPEN_MASS_REVIEW,
    Action.CLOSE_MASS_REVIEW,
    Action.DECIDE,
    Action.RETURN_FROM_COLLECTIVE,
    Action.PUBLISH,
    Action.UPHOLD_OBJECTION,
    Action.FILE,
    Action.RERATE,
}


def who_acts(filler, reviewer, supervisor_signs, principal_signs) -> dict:
    acts = {a: {"office"} for a in OFFICE_ACTIONS}
    acts[Action.SUBMIT] = {filler}
    acts[Action.PASS] = acts[Action.RETURN_TO_DRAFT] = {reviewer}
    acts[Action.SIGN_SUPERVISOR] = {"leader"} if supervisor_signs else set()
    acts[Action.SIGN_PRINCIPAL] = {"principal"} if principal_signs else set()
    return acts


# Who may perform each action, per kind of form (demo: staff 李晓燕 in 办公室, head 赵明远,
# 办公室's supervising leader 王建国 = leader, principal 周文涛, office 杨帆).
WHO = {
    "post": who_acts("staff", "head", True, True),
    "head_post": who_acts("head", "leader", True, True),
    "department": who_acts("head", "leader", True, True),
    "leader_post": who_acts("leader", "principal", False, True),
    "leadership": who_acts("principal", "office", False, False),
}


def test_table_has_one_transition_per_state_and_action():
    assert {(t.action, t.source) for t in transitions.TRANSITIONS} == set(SOURCE.items())
    for t in transitions.TRANSITIONS:
        assert t.target == TARGET[t.action], t.action


def test_no_transition_lets_an_inspector_act(forms):
    # Inspectors read everything in scope but never act in the chain.
    from units.enums import Role

    for t in transitions.TRANSITIONS:
        for form in forms.values():
            assert Role.INSPECTOR not in t.who(form)


def _arrange(form: RiskForm, state: str, action: Action, demo, meeting) -> dict:
    """Put the form in `state` with what `action` requires, and return the action's extra."""
    RiskForm.objects.filter(pk=form.pk).update(state=state)
    form.refresh_from_db()
    office = person_of(demo["office"])
    extra: dict = {"reason": RerateReason.JOB_CHANGE}
    if action == Action.OPEN_MASS_REVIEW:
        extra["window"] = RatingWindow.objects.create(
            round=form.round,
            unit=form.unit,
            deadline=timezone.now() + datetime.timedelta(days=3),
            opened_by=office,
        )
    if action == Action.CLOSE_MASS_REVIEW:
        window = RatingWindow.objects.create(
            round=form.round,
            unit=form.unit,
            deadline=timezone.now() + datetime.timedelta(days=3),
            opened_by=office,
            closed_at=timezone.now(),
        )
        window.forms.add(form)
    if action == Action.DECIDE:
        extra["meeting"] = meeting
        extra["levels"] = {p.pk: (p.proposed_level, "") for p in form.points.all()}
    if action in (Action.SIGN_SUPERVISOR, Action.SIGN_PRINCIPAL, Action.PUBLISH):
        form.points.update(final_level=2)
        FormDecision.objects.create(form=form, meeting=meeting, decided_by=office)
    if action == Action.PUBLISH:
        for kind in transitions.required_signatures(form):
            Signature.objects.create(
                form=form, kind=kind, person=office, name="签字人", signed_at=timezone.now()
            )
    if action in (Action.UPHOLD_OBJECTION, Action.FILE):
        published = timezone.localdate() - datetime.timedelta(days=30)
        notice = PublicNotice.objects.create(
            form=form,
            published_on=published,
            starts_on=published,
            ends_on=published + datetime.timedelta(days=7),
            published_by=office,
        )
        if action == Action.UPHOLD_OBJECTION:
            extra["objection"] = Objection.objects.create(form=form, notice=notice, text="异议")
    return extra


def _try(form, action, user, extra) -> tuple[bool, str]:
    """Attempt the action in a savepoint that is always rolled back."""
    with transaction.atomic():
        try:
            result = services.form_transition(
                form=form, action=action, actor=user, comment="理由：测试", extra=extra
            )
            outcome = (True, result.form.state)
        except services.TransitionError:
            outcome = (False, "")
        transaction.set_rollback(True)
    return outcome


@pytest.mark.parametrize("kind", list(WHO))
def test_every_state_action_persona(demo, outsider, forms, meeting, kind):
    users = {**demo, "outsider": outsider}
    form = forms[kind]
    mismatches = []
    for action in Action:
        for state in FormState:
            with transaction.atomic():
                extra = _arrange(form, state, action, demo, meeting)
                for persona in PERSONAS:
                    allowed, new_state = _try(form, action, users[persona], extra)
                    expected = state == SOURCE[action] and persona in WHO[kind][action]
                    if allowed != expected:
                        verdict = "allowed" if allowed else "refused"
                        mismatches.append((action.value, state.value, persona, verdict))
                    elif allowed and new_state != TARGET[action]:
                        mismatches.append((action.value, state.value, persona, new_state))
                transaction.set_rollback(True)
    assert mismatches == []


@pytest.mark.parametrize("action", list(Action))
def test_refused_transition_changes_nothing(demo, forms, meeting, action):
    form = forms["post"]
    extra = _arrange(form, SOURCE[action], action, demo, meeting)
    before = (form.state, form.transition_logs.count(), form.signatures.count())

    with pytest.raises(services.TransitionError):
        services.form_transition(
            form=form, action=action, actor=demo["inspector"], comment="理由", extra=extra
        )

    form.refresh_from_db()
    assert (form.state, form.transition_logs.count(), form.signatures.count()) == before


def test_only_the_system_may_close_without_a_person(demo, forms, meeting):
    form = forms["post"]
    for action in Action:
        extra = _arrange(form, SOURCE[action], action, demo, meeting)
        allowed, _ = _try(form, action, None, extra)
        assert allowed == (action == Action.CLOSE_MASS_REVIEW), action
    assert SignatureKind.SUPERVISOR in transitions.required_signatures(form)
