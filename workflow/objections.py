"""异议 during 公示: raising one (named or anonymous, always tied to the account by a token
only) and answering it; an upheld objection is a transition of the engine."""

from functools import partial

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from access import rules as access
from risks.models import RiskForm, RiskPoint
from workflow import transitions
from workflow.engine import TransitionForbidden, form_transition
from workflow.enums import Action, FormState
from workflow.history import raiser_token
from workflow.models import (
    Objection,
)
from workflow.notifications import notify_objection, notify_objection_answered


def objection_raise(
    *,
    actor: User,
    form: RiskForm,
    text: str,
    point: RiskPoint | None = None,
    anonymous: bool = False,
) -> Objection:
    """Anyone who can read the published form raises an objection during its notice."""
    person = access.person_for(actor)
    if person is None or not access.can_view_form(actor, form):
        raise TransitionForbidden("您不能对此表提出异议。")
    notice = transitions.current_notice(form)
    if form.state != FormState.PUBLIC_NOTICE or notice is None or notice.has_ended:
        raise ValidationError("此表不在公示期内，不能提出异议。")
    if point is not None and point.form_id != form.pk:
        raise ValidationError("风险点不属于此表。")
    if not text.strip():
        raise ValidationError({"text": "请填写异议内容。"})
    objection = Objection(
        form=form,
        point=point,
        notice=notice,
        text=text.strip(),
        raised_by=None if anonymous else person,
        raiser_token=raiser_token(actor),
    )
    objection.full_clean()
    objection.save()
    transaction.on_commit(partial(notify_objection, objection_id=objection.pk))
    return objection


def objection_answer(
    *,
    objection: Objection,
    actor: User,
    answer: str,
    upheld: bool,
    client_address: str | None = None,
) -> Objection:
    """Answer an objection; an upheld one sends the form back to 集体审定 (a transition)."""
    if upheld:
        form_transition(
            form=objection.form,
            action=Action.UPHOLD_OBJECTION,
            actor=actor,
            comment=answer,
            client_address=client_address,
            extra={"objection": objection},
        )
        objection.refresh_from_db()
        transaction.on_commit(partial(notify_objection_answered, objection_id=objection.pk))
        return objection
    person = access.person_for(actor)
    if person is None or not access.can_manage_round(actor, objection.form.unit):
        raise TransitionForbidden("只有廉防办可以答复异议。")
    if not answer.strip():
        raise ValidationError({"answer": "请填写答复。"})
    with transaction.atomic():
        locked = Objection.objects.select_for_update().get(pk=objection.pk)
        if locked.answered_at is not None:
            raise ValidationError("此异议已答复。")
        locked.answer, locked.upheld = answer.strip(), False
        locked.answered_by, locked.answered_at = person, timezone.now()
        locked.save(update_fields=["answer", "upheld", "answered_by", "answered_at"])
        transaction.on_commit(partial(notify_objection_answered, objection_id=locked.pk))
    return locked
