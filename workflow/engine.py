"""The transition engine: `form_transition` is the ONE function that changes a form's state
(see workflow.transitions for the table): guard, row lock, effects, signatures, the append-only
log with its snapshot, the audit record, notifications after commit.
`forms_transition` runs it over many forms, each in its own transaction.
"""

import datetime
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial

from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from access import rules as access
from audit.enums import AuditAction
from audit.services import audit_record
from riskreg import clock
from risks.models import Measure, RiskForm, RiskPoint
from units.enums import Role
from units.models import Person
from workflow import transitions
from workflow.enums import Action, FormState, RerateReason
from workflow.models import (
    CollectiveMeeting,
    FormDecision,
    Objection,
    PublicNotice,
    RatingWindow,
    Rerating,
    Signature,
    SignatureKind,
    TransitionLog,
)
from workflow.notifications import (
    notify_after_transition,
)

log = logging.getLogger(__name__)


class TransitionError(Exception):
    def __init__(self, *messages: str):
        self.messages = [m for m in messages if m] or ["操作未完成。"]
        super().__init__(" ".join(self.messages))


class TransitionForbidden(TransitionError):
    """The actor holds no role that may perform this action on this form (HTTP 403)."""


class TransitionRefused(TransitionError):
    """Allowed in principle but not now: wrong state, a missing reason, an incomplete form."""


@dataclass
class TransitionResult:
    form: RiskForm
    log: TransitionLog
    new_form: RiskForm | None = None


@dataclass
class BatchResult:
    done: list[RiskForm] = field(default_factory=list)
    failed: list[tuple[RiskForm, list[str]]] = field(default_factory=list)


def form_transition(
    *,
    form: RiskForm,
    action: Action | str,
    actor: User | AnonymousUser | None,
    comment: str = "",
    client_address: str | None = None,
    extra: dict | None = None,
) -> TransitionResult:
    """Perform one transition of the chain, atomically, on the locked form row.

    Guard (role through access.rules.acting_role, state, gates, reason, requirements), then
    write (state, signatures, the action's own records), append the log row, and schedule
    notifications for after the commit. `actor=None` is the system,
    allowed only where the table says so (closing a rating window whose deadline passed).
    Raises TransitionForbidden (nothing changed; HTTP 403) or TransitionRefused (nothing changed).
    """
    action = Action(action)
    comment = (comment or "").strip()
    extra = dict(extra or {})
    person: Person | None = None
    if actor is not None:
        person = access.person_for(actor)
        if person is None:
            raise TransitionForbidden("您没有办理此事项的权限。")

    with transaction.atomic():
        locked = (
            RiskForm.objects.select_for_update(of=("self",))
            .select_related("unit", "round", "post", "department", "filler")
            .get(pk=form.pk)
        )
        transition, role, on_behalf = _guard(locked, action, person, comment)
        from_state = locked.state
        new_form = _EFFECTS.get(action, _no_effect)(
            form=locked,
            person=person,
            role=role,
            on_behalf=on_behalf,
            comment=comment,
            extra=extra,
        )
        if locked.state != transition.target:
            locked.state = transition.target
            locked.save(update_fields=["state", "updated_at"])
        entry = _log_append(
            form=locked,
            actor=actor if person else None,
            person=person,
            role=role,
            on_behalf=on_behalf,
            action=action,
            from_state=from_state,
            to_state=transition.target,
            comment=comment,
            client_address=client_address,
        )
        if new_form is not None:
            _log_append(
                form=new_form,
                actor=actor if person else None,
                person=person,
                role=role,
                on_behalf=on_behalf,
                action=action,
                from_state="",
                to_state=new_form.state,
                comment=comment,
                client_address=client_address,
            )
        # The security log (等保 安全审计) gets every transition too, in the same transaction:
        # who, which form, from/to. The comment stays in the chain's own log (it is risk
        # content, and the audit admin reads no risk content).
        audit_record(
            actor=actor if person else None,
            action=AuditAction.WORKFLOW_TRANSITION,
            obj=locked,
            address=client_address,
            details={
                "action": action.value,
                "role": role,
                **({"on_behalf_of": on_behalf.pk} if on_behalf is not None else {}),
                "from": from_state,
                "to": transition.target,
                "log": entry.pk,
                **({"new_form": new_form.pk} if new_form is not None else {}),
            },
        )
        transaction.on_commit(
            partial(
                notify_after_transition,
                form_id=(new_form or locked).pk,
                action=action,
                actor_id=actor.pk if person else None,
                comment=comment,
            )
        )
    for name in ("state", "overall_proposed_level", "overall_final_level", "updated_at"):
        setattr(form, name, getattr(locked, name))
    return TransitionResult(form=locked, log=entry, new_form=new_form)


def _guard(
    form: RiskForm, action: Action, person: Person | None, comment: str
) -> tuple[transitions.Transition, str, Person | None]:
    candidates = transitions.transitions_for_action(action)
    if person is None:
        if not any(t.system_may for t in candidates):
            raise TransitionForbidden("此操作必须由有权限的人员办理。")
    else:
        held = access.form_roles(person, form)
        if not any(access.acting_role(t, person, form, held) for t in candidates):
            raise TransitionForbidden(f"您无权对此表执行「{action.label}」。")
    transition = transitions.find(form.state, action)
    if transition is None:
        raise TransitionRefused(
            f"此表当前为「{FormState(form.state).label}」，不能{action.label}（可能已由他人办理）。"
        )
    if person is None:
        if not transition.system_may:
            raise TransitionForbidden("此操作必须由有权限的人员办理。")
        role, on_behalf = TransitionLog.SYSTEM_ROLE, None
    else:
        acting = access.acting_role(transition, person, form, held)
        if acting is None:
            raise TransitionForbidden(f"您无权对此表执行「{action.label}」。")
        role, on_behalf = acting.value, acting.on_behalf_of
    gates = transitions.failed_gates(transition, form)
    if gates:
        raise TransitionRefused(*gates)
    if transition.reason_required and not comment:
        raise TransitionRefused("请填写理由。")
    unmet = transitions.unmet_requirements(transition, form)
    if unmet:
        raise TransitionRefused(*unmet)
    return transition, role, on_behalf


def _no_effect(**kwargs) -> None:
    return None


def acting_name(person: Person, on_behalf: Person | None) -> str:
    """The name a signature and a log row carry: "李四（代 张三）" under a 委托."""
    return f"{person.name}（代 {on_behalf.name}）" if on_behalf is not None else person.name


def _sign(
    form: RiskForm, kind: SignatureKind, person: Person, on_behalf: Person | None = None
) -> None:
    Signature.objects.filter(form=form, kind=kind).delete()
    Signature.objects.create(
        form=form,
        kind=kind,
        person=person,
        on_behalf_of=on_behalf,
        name=acting_name(person, on_behalf),
        signed_at=timezone.now(),
    )


COLLECTIVE_LINES = (SignatureKind.SUPERVISOR, SignatureKind.PRINCIPAL)


def _submit(*, form: RiskForm, person: Person, **kw) -> None:
    Signature.objects.filter(form=form).delete()
    _sign(form, SignatureKind.FILLER, person)
    if form.overall_proposed_level is None:
        levels = [lv for lv in form.points.values_list("proposed_level", flat=True) if lv]
        form.overall_proposed_level = min(levels)
        form.save(update_fields=["overall_proposed_level", "updated_at"])


def _pass(*, form: RiskForm, person: Person, role: str, on_behalf: Person | None, **kw) -> None:
    if role == Role.DEPT_HEAD:
        _sign(form, SignatureKind.DEPT_HEAD, person, on_behalf)


def _return_to_draft(*, form: RiskForm, **kw) -> None:
    Signature.objects.filter(form=form).delete()


def _open_mass_review(*, form: RiskForm, extra: dict, **kw) -> None:
    window = extra.get("window")
    if not isinstance(window, RatingWindow) or not window.is_open or not window.covers(form):
        raise TransitionRefused("请选择覆盖此表的、进行中的群众评议。")
    window.forms.add(form)


def _decide(*, form: RiskForm, person: Person, extra: dict, **kw) -> None:
    meeting = extra.get("meeting")
    if not isinstance(meeting, CollectiveMeeting) or meeting.round_id != form.round_id:
        raise TransitionRefused("请选择本轮次的集体审定会议。")
    decided: dict = extra.get("levels") or {}
    points = list(form.points.all())
    problems = []
    for n, point in enumerate(points, 1):
        given = decided.get(point.pk) or decided.get(str(point.pk))
        if given is not None:
            level, reason = (
                (given.get("level"), given.get("reason", "")) if isinstance(given, dict) else given
            )
        else:
            level, reason = point.final_level, point.final_reason
        try:
            level = int(level) if level not in (None, "") else None
        except (TypeError, ValueError):
            level = None
        reason = (reason or "").strip()
        if level not in (1, 2, 3):
            problems.append(f"第 {n} 个风险点未确定审定等级。")
            continue
        # A reason is asked only where the meeting departs from the filler's proposal; the
        # 群众评议 tally is shown beside it on the page, the meeting weighs it.
        if level != point.proposed_level and not reason:
            problems.append(
                f"第 {n} 个风险点的审定等级（{form.unit.level_label(level)}）与拟定等级"
                f"（{form.unit.level_label(point.proposed_level)}）不同，请说明理由。"
            )
            continue
        point.final_level, point.final_reason = level, reason
    if problems:
        raise TransitionRefused(*problems)
    RiskPoint.objects.bulk_update(points, ["final_level", "final_reason"])
    form.overall_final_level = min(p.final_level for p in points)
    form.save(update_fields=["overall_final_level", "updated_at"])
    FormDecision.objects.create(form=form, meeting=meeting, decided_by=person)
    # The leaders sign the decision as recorded now; an earlier signature no longer applies.
    Signature.objects.filter(form=form, kind__in=COLLECTIVE_LINES).delete()


def _sign_supervisor(*, form: RiskForm, person: Person, on_behalf: Person | None, **kw) -> None:
    _sign(form, SignatureKind.SUPERVISOR, person, on_behalf)


def _sign_principal(*, form: RiskForm, person: Person, on_behalf: Person | None, **kw) -> None:
    _sign(form, SignatureKind.PRINCIPAL, person, on_behalf)


def _return_from_collective(*, form: RiskForm, **kw) -> None:
    Signature.objects.filter(form=form).delete()
    form.points.update(final_level=None, final_reason="")
    form.overall_final_level = None
    form.save(update_fields=["overall_final_level", "updated_at"])


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The date `days` working days (Mon–Fri) after `start`; public holidays are not known."""
    day = start
    while days > 0:
        day += datetime.timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


def notice_period(published_on: datetime.date, working_days: int) -> tuple:
    """公示 runs from the first working day after publication for `working_days` working days."""
    starts_on = add_working_days(published_on, 1)
    return starts_on, add_working_days(starts_on, working_days - 1)


def _publish(*, form: RiskForm, person: Person, extra: dict, **kw) -> None:
    today = clock.today()
    # A notice already posted on the unit's board may be recorded with its real date.
    published_on = extra.get("published_on") or today
    if published_on > today:
        raise TransitionRefused("发布日期不能晚于今天。")
    starts_on, ends_on = notice_period(published_on, form.round.notice_working_days)
    PublicNotice.objects.create(
        form=form,
        published_on=published_on,
        starts_on=starts_on,
        ends_on=ends_on,
        published_by=person,
    )


def _uphold_objection(*, form: RiskForm, person: Person, comment: str, extra: dict, **kw) -> None:
    objection = extra.get("objection")
    if (
        not isinstance(objection, Objection)
        or objection.form_id != form.pk
        or objection.answered_at is not None
    ):
        raise TransitionRefused("请选择此表待答复的异议。")
    now = timezone.now()
    objection.answer, objection.upheld = comment, True
    objection.answered_by, objection.answered_at = person, now
    objection.save(update_fields=["answer", "upheld", "answered_by", "answered_at"])
    PublicNotice.objects.filter(form=form, closed_at__isnull=True).update(closed_at=now)
    Signature.objects.filter(form=form, kind__in=COLLECTIVE_LINES).delete()


def _file(*, form: RiskForm, **kw) -> None:
    PublicNotice.objects.filter(form=form, closed_at__isnull=True).update(closed_at=timezone.now())


def _rerate(*, form: RiskForm, person: Person, comment: str, extra: dict, **kw) -> RiskForm:
    try:
        reason_kind = RerateReason(extra.get("reason"))
    except ValueError:
        raise TransitionRefused("请选择重新评定的原因。") from None
    filler = extra.get("filler") or form.filler
    version = (
        RiskForm.objects.filter(round=form.round, subject_kind=form.subject_kind)
        .filter(post=form.post, department=form.department)
        .aggregate(v=Max("version"))["v"]
        or form.version
    ) + 1
    new = RiskForm(
        round=form.round,
        unit=form.unit,
        subject_kind=form.subject_kind,
        post=form.post,
        department=form.department,
        filler=filler,
        state=FormState.DRAFT,
        overall_proposed_level=None,  # follows the points until the filler sets it
        version=version,
        previous_version=form,
    )
    new.full_clean()
    new.save()
    for old in form.points.prefetch_related("measures"):
        # A fresh start: the proposal follows likelihood × harm (the previous decision shows
        # beside the point as history, labelled, on the filling page); a point the filler had
        # proposed differently keeps that proposal and its own reason.
        level = old.suggested_level or old.final_level or old.proposed_level
        reason = ""
        if old.suggested_level and old.proposed_level != old.suggested_level:
            level, reason = old.proposed_level, old.proposal_reason
        point = RiskPoint(
            form=new,
            order=old.order,
            category=old.category,
            description=old.description,
            likelihood=old.likelihood,
            harm=old.harm,
            proposed_level=level,
            proposal_reason=reason,
            responsible_person=old.responsible_person,
        )
        point.full_clean()
        point.save()
        Measure.objects.bulk_create(
            Measure(point=point, order=m.order, text=m.text) for m in old.measures.all()
        )
    Rerating.objects.create(form=new, reason_kind=reason_kind, reason=comment, requested_by=person)
    return new


_EFFECTS = {
    Action.SUBMIT: _submit,
    Action.PASS: _pass,
    Action.RETURN_TO_DRAFT: _return_to_draft,
    Action.OPEN_MASS_REVIEW: _open_mass_review,
    Action.DECIDE: _decide,
    Action.SIGN_SUPERVISOR: _sign_supervisor,
    Action.SIGN_PRINCIPAL: _sign_principal,
    Action.RETURN_FROM_COLLECTIVE: _return_from_collective,
    Action.PUBLISH: _publish,
    Action.UPHOLD_OBJECTION: _uphold_objection,
    Action.FILE: _file,
    Action.RERATE: _rerate,
}


def form_snapshot(form: RiskForm) -> dict:
    """The form's points, levels, measures and signatures as they stand (for the log)."""
    points = [
        {
            "id": p.pk,
            "order": p.order,
            "category": p.category,
            "description": p.description,
            "proposed_level": p.proposed_level,
            "final_level": p.final_level,
            "final_reason": p.final_reason,
            "measures": [m.text for m in p.measures.all()],
        }
        for p in form.points.prefetch_related("measures")
    ]
    return {
        "version": form.version,
        "overall_proposed_level": form.overall_proposed_level,
        "overall_final_level": form.overall_final_level,
        "points": points,
        "signatures": [
            {"kind": kind, "name": name}
            for kind, name in form.signatures.order_by("signed_at").values_list("kind", "name")
        ],
    }


def _log_append(
    *,
    form: RiskForm,
    actor: User | None,
    person: Person | None,
    role: str,
    on_behalf: Person | None = None,
    action: Action,
    from_state: str,
    to_state: str,
    comment: str,
    client_address: str | None,
) -> TransitionLog:
    entry = TransitionLog(
        form=form,
        actor=actor,
        actor_name=acting_name(person, on_behalf) if person else "系统",
        on_behalf_of=on_behalf,
        role=role,
        action=action,
        from_state=from_state,
        to_state=to_state,
        comment=comment,
        client_address=client_address or None,
        snapshot=form_snapshot(form),
    )
    entry.full_clean()
    entry.save()
    return entry


def forms_transition(
    *,
    forms: Iterable[RiskForm],
    action: Action | str,
    actor: User,
    comment: str = "",
    client_address: str | None = None,
    extra: dict | None = None,
) -> BatchResult:
    """The same action on many forms, each in its own transaction: one refusal does not undo
    the others, and the result says which went through and why others did not."""
    result = BatchResult()
    for form in forms:
        try:
            form_transition(
                form=form,
                action=action,
                actor=actor,
                comment=comment,
                client_address=client_address,
                extra=extra,
            )
        except TransitionError as exc:
            result.failed.append((form, exc.messages))
        else:
            result.done.append(form)
    return result
