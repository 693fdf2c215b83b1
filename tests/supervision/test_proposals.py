"""提高等级建议: answered at the form's next 集体审定 (the form cannot be published before), or,
for a filed form, forcing a 重新评定 through the workflow's own transition."""

import contextlib

import pytest

from risks.demo import load_demo_risks
from risks.models import RiskForm
from supervision import services
from supervision.enums import Action, State
from supervision.models import LevelRaiseProposal
from workflow import services as workflow_services
from workflow.demo import demo_chain_load
from workflow.enums import Action as FormAction
from workflow.enums import FormState


@pytest.fixture
def chain(world):
    load_demo_risks()
    demo_chain_load()
    return world


def _point_of(state: str):
    form = (
        RiskForm.objects.filter(unit__code="GYRC", state=state, post__isnull=False)
        .exclude(points__proposed_level=1)
        .order_by("pk")
        .first()
    )
    return form, form.points.order_by("order").first()


def _propose(world, point, level=1):
    return services.proposal_issue(
        actor=world.users["inspector"], point=point, proposed_level=level, reason="信访反映。"
    )


def test_only_the_inspector_proposes_and_only_a_higher_level(chain):
    _form, point = _point_of(FormState.COLLECTIVE)
    with pytest.raises(services.ActionForbidden):
        services.proposal_issue(
            actor=chain.users["office"], point=point, proposed_level=1, reason="x"
        )
    with pytest.raises(services.ActionRefused, match="高于现有等级"):
        _propose(chain, point, level=point.final_level or point.proposed_level)
    assert not LevelRaiseProposal.objects.exists()


def test_a_pending_proposal_blocks_publication_until_answered_at_collective(chain):
    form, point = _point_of(FormState.COLLECTIVE)
    proposal = _propose(chain, point)
    office = chain.users["office"]
    for action in (FormAction.SIGN_SUPERVISOR, FormAction.SIGN_PRINCIPAL):
        signer = "leader" if action == FormAction.SIGN_SUPERVISOR else "principal"
        with contextlib.suppress(workflow_services.TransitionError):  # a line it lacks
            workflow_services.form_transition(form=form, action=action, actor=chain.users[signer])
    with pytest.raises(workflow_services.TransitionRefused, match="提高等级建议"):
        workflow_services.form_transition(form=form, action=FormAction.PUBLISH, actor=office)

    # Adopting needs the decision to record at least the proposed level.
    with pytest.raises(services.ActionRefused, match="审定等级"):
        services.record_transition(record=proposal, action=Action.ADOPT, actor=office)
    with pytest.raises(services.ActionForbidden):
        services.record_transition(
            record=proposal, action=Action.DECLINE, actor=chain.users["inspector"], comment="x"
        )
    services.record_transition(
        record=proposal, action=Action.DECLINE, actor=office, comment="经集体审定，维持原等级。"
    )
    assert proposal.state == State.DECLINED and proposal.answer == "经集体审定，维持原等级。"
    workflow_services.form_transition(form=form, action=FormAction.PUBLISH, actor=office)
    assert form.state == FormState.PUBLIC_NOTICE


def test_a_proposal_on_a_filed_form_forces_a_rerating(chain):
    form, point = _point_of(FormState.FILED)
    proposal = _propose(chain, point)
    with pytest.raises(services.ActionRefused, match="集体审定时答复"):
        services.record_transition(
            record=proposal, action=Action.DECLINE, actor=chain.users["office"], comment="x"
        )
    services.record_transition(
        record=proposal,
        action=Action.FORCE_RERATE,
        actor=chain.users["office"],
        comment="采纳纪检建议，重新评定。",
    )
    proposal.refresh_from_db()
    new_form = RiskForm.objects.get(previous_version=form)
    assert new_form.state == FormState.DRAFT and proposal.form == new_form
    assert proposal.point.form == new_form and proposal.state == State.PENDING
    assert new_form.rerating.reason_kind == "inspector_proposal"
