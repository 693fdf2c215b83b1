"""Every write of the approval chain.

`form_transition` is the ONE function that changes a form's state (see workflow.transitions for
the table). Everything else here either calls it once per form (the batch helpers, rating
windows, objections) or writes records that do not change a state (ratings, meetings,
notifications). Services take keyword-only arguments and validate before saving.
"""

import datetime
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, Max, OuterRef
from django.urls import reverse
from django.utils import timezone

from access import rules as access
from audit.enums import AuditAction
from audit.services import audit_record
from riskreg import clock
from risks.models import Measure, RiskForm, RiskPoint
from units.enums import Role
from units.models import Department, Person
from workflow import selectors, transitions
from workflow.enums import Action, FormState, RatingVerdict, RerateReason
from workflow.models import (
    CollectiveMeeting,
    FormDecision,
    Notification,
    Objection,
    PublicNotice,
    Rating,
    RatingWindow,
    Rerating,
    Signature,
    SignatureKind,
    TransitionLog,
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


# ------------------------------------------------------------------------- the transition


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
                _notify_after_transition,
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


# ------------------------------------------------------------------------- effects


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
    from workflow.selectors import point_tallies

    meeting = extra.get("meeting")
    if not isinstance(meeting, CollectiveMeeting) or meeting.round_id != form.round_id:
        raise TransitionRefused("请选择本轮次的集体审定会议。")
    decided: dict = extra.get("levels") or {}
    points = list(form.points.all())
    tallies = point_tallies(form=form, points=points)
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
        tally = tallies.get(point.pk)
        majority = tally.majority_level if tally else None
        if (level != point.proposed_level or (majority and level != majority)) and not reason:
            problems.append(
                f"第 {n} 个风险点的审定等级与拟定等级或群众评议多数意见不同，请说明理由。"
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
        overall_proposed_level=form.overall_final_level or form.overall_proposed_level,
        version=version,
        previous_version=form,
    )
    new.full_clean()
    new.save()
    for old in form.points.prefetch_related("measures"):
        level = old.final_level or old.proposed_level
        reason = old.proposal_reason
        if level != old.suggested_level and not reason.strip():
            reason = "沿用上一版本的审定等级" + (
                f"：{old.final_reason}" if old.final_reason else "。"
            )
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


# ------------------------------------------------------------------------- the log


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


# ------------------------------------------------------------------------- batches


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


# ------------------------------------------------------------------------- 群众评议


def rating_window_open(
    *,
    actor: User,
    round,
    department: Department | None = None,
    deadline: datetime.datetime,
    client_address: str | None = None,
) -> tuple[RatingWindow, BatchResult]:
    """Open 群众评议 over a department or the whole unit for every form waiting for it."""
    person = access.person_for(actor)
    if person is None:
        raise TransitionForbidden("您没有办理此事项的权限。")
    if deadline <= clock.now():
        raise ValidationError({"deadline": "截止时间应晚于现在。"})
    window = RatingWindow(
        round=round, unit=round.unit, department=department, deadline=deadline, opened_by=person
    )
    window.full_clean()
    with transaction.atomic():
        window.save()
        batch = rating_window_add_forms(window=window, actor=actor, client_address=client_address)
        if not batch.done:
            # Refused everywhere (no right, or nothing waiting): leave no empty window behind.
            transaction.set_rollback(True)
            reasons = [msgs[0] for _f, msgs in batch.failed[:3]]
            raise TransitionRefused(*(reasons or ["范围内没有待群众评议的一览表。"]))
    transaction.on_commit(partial(_notify_raters, window_id=window.pk))
    return window, batch


def rating_window_add_forms(
    *, window: RatingWindow, actor: User, client_address: str | None = None
) -> BatchResult:
    """Put the forms of the window's scope that wait for 群众评议 into the open window."""
    in_open_window = RatingWindow.objects.filter(forms=OuterRef("pk"), closed_at__isnull=True)
    forms = RiskForm.objects.filter(
        round=window.round, state=FormState.MASS_REVIEW, unit=window.unit
    ).exclude(Exists(in_open_window))
    if window.department_id:
        forms = forms.filter(department=window.department)
    return forms_transition(
        forms=list(forms),
        action=Action.OPEN_MASS_REVIEW,
        actor=actor,
        client_address=client_address,
        extra={"window": window},
    )


def rating_window_close(
    *, window: RatingWindow, actor: User | None, client_address: str | None = None
) -> BatchResult:
    """Close the window and move its forms on to 集体审定. `actor=None`: the deadline passed."""
    person = access.person_for(actor) if actor is not None else None
    if actor is not None and (person is None or not access.can_manage_round(actor, window.unit)):
        raise TransitionForbidden("只有廉防办可以结束群众评议。")
    with transaction.atomic():
        locked = RatingWindow.objects.select_for_update().get(pk=window.pk)
        if locked.closed_at is not None:
            return BatchResult()
        locked.closed_at, locked.closed_by = timezone.now(), person
        locked.save(update_fields=["closed_at", "closed_by"])
    window.closed_at = locked.closed_at
    return forms_transition(
        forms=list(locked.forms.filter(state=FormState.MASS_REVIEW)),
        action=Action.CLOSE_MASS_REVIEW,
        actor=actor,
        client_address=client_address,
    )


def rating_windows_close_due() -> list[RatingWindow]:
    """Close every open window whose deadline has passed (command and on access)."""
    due = list(RatingWindow.objects.filter(closed_at__isnull=True, deadline__lte=clock.now()))
    for window in due:
        rating_window_close(window=window, actor=None)
    return due


def rating_save(
    *, window: RatingWindow, point: RiskPoint, rater: Person, verdict: str, comment: str = ""
) -> Rating:
    """One rating per person per point per window, changeable until the window closes."""
    with transaction.atomic():
        locked = RatingWindow.objects.select_for_update().get(pk=window.pk)
        if not locked.is_open or locked.deadline <= clock.now():
            raise ValidationError("群众评议已结束，不能再修改评议意见。")
        form = point.form
        if not locked.forms.filter(pk=form.pk).exists() or form.state != FormState.MASS_REVIEW:
            raise ValidationError("此表不在本次群众评议中。")
        if not locked.covers_person(rater):
            raise ValidationError("您不在本次群众评议的范围内。")
        if form.filler_id == rater.pk:
            raise ValidationError("不能评议本人填报的一览表。")
        rating, _ = Rating.objects.get_or_create(
            window=locked,
            point=point,
            rater=rater,
            defaults={"verdict": RatingVerdict(verdict), "comment": comment.strip()},
        )
        rating.verdict, rating.comment = RatingVerdict(verdict), comment.strip()
        rating.full_clean()
        rating.save()
    return rating


# ------------------------------------------------------------------------- 集体审定


def meeting_create(
    *,
    actor: User,
    round,
    held_on: datetime.date,
    attendees: str,
    minutes: str = "",
    minutes_file=None,
    title: str = "党组会议",
) -> CollectiveMeeting:
    person = access.person_for(actor)
    if person is None or not access.can_manage_round(actor, round.unit):
        raise TransitionForbidden("只有廉防办可以记录集体审定会议。")
    meeting = CollectiveMeeting(
        round=round,
        unit=round.unit,
        held_on=held_on,
        title=title,
        attendees=attendees.strip(),
        minutes=minutes.strip(),
        recorded_by=person,
    )
    if minutes_file:
        meeting.minutes_file = minutes_file
    meeting.full_clean()
    meeting.save()
    return meeting


# ------------------------------------------------------------------------- 公示 and 异议


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
    )
    objection.full_clean()
    objection.save()
    transaction.on_commit(partial(_notify_objection, objection_id=objection.pk))
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
    return locked


# ------------------------------------------------------------------------- notifications


def notification_push(
    *,
    recipient: User,
    kind: str,
    message: str,
    folded_message: str | None = None,
    url: str = "",
    form: RiskForm | None = None,
    email: bool = True,
    count: int | None = None,
) -> Notification:
    """Add an in-app notice, folding it into an unread one of the same kind; the first one of
    a fold also goes out by email. `count` is the number of forms the folded message names,
    taken from the page the notice links to (workflow.selectors.queue_count), so that "有 N 张"
    never disagrees with the queue."""
    unread = (
        Notification.objects.filter(recipient=recipient, kind=kind, read_at__isnull=True)
        .order_by("-created_at")
        .first()
    )
    if unread is not None and folded_message:
        unread.count = count if count is not None else unread.count + 1
        unread.message = folded_message.format(count=unread.count)
        unread.form = None
        unread.created_at = timezone.now()
        unread.url = url or unread.url
        unread.save(update_fields=["count", "message", "form", "created_at", "url"])
        return unread
    notice = Notification.objects.create(
        recipient=recipient, kind=kind, message=message, url=url, form=form
    )
    if email and recipient.email:
        try:
            send_mail(
                subject=f"【廉政风险防控】{message}"[:120],
                message=f"{message}\n\n请登录廉政风险防控管理系统办理：{url}",
                from_email=None,
                recipient_list=[recipient.email],
            )
        except Exception:  # a mail server outage must not hide the in-app notice
            log.exception("notification email to %s failed", recipient.pk)
    return notice


def notifications_mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())


# What the next actor is asked to do, by state: (kind, message for one form, folded message).
def _next_step(form: RiskForm) -> list[tuple[Person, str, str, str, str]]:
    """(person, kind, message, folded message, url name) for whoever must act next."""
    title = form.subject_title
    state = form.state
    steps: list[tuple[Person, str, str, str, str]] = []
    if state == FormState.DRAFT and form.filler_id:
        steps.append((form.filler, "fill", f"《{title}》待您填报", "", "risks:form_detail"))
    elif state == FormState.DEPT_REVIEW:
        for p in access.people_who_may_act(form):
            steps.append(
                (
                    p,
                    "review",
                    f"《{title}》待您审核",
                    "有 {count} 张一览表待您审核",
                    "workflow:review_queue",
                )
            )
    elif state == FormState.MASS_REVIEW:
        if not form.rating_windows.filter(closed_at__isnull=True).exists():
            for p in access.people_who_may_act(form):
                steps.append(
                    (
                        p,
                        "organise_rating",
                        f"《{title}》待组织群众评议",
                        "有 {count} 张一览表待组织群众评议",
                        "workflow:rating_windows",
                    )
                )
    elif state == FormState.COLLECTIVE:
        decided = transitions.is_decided(form)
        signed = transitions._signed(form) is None
        for p in access.people_who_may_act(form):
            is_office = Role.INTEGRITY_OFFICE in access.form_roles(p, form)
            if is_office and not decided:
                steps.append(
                    (
                        p,
                        "decide",
                        f"《{title}》待集体审定",
                        "有 {count} 张一览表待集体审定",
                        "workflow:collective",
                    )
                )
            elif is_office and signed:
                steps.append(
                    (
                        p,
                        "publish",
                        f"《{title}》已签字，待公示",
                        "有 {count} 张一览表待公示",
                        "workflow:collective",
                    )
                )
            elif not is_office and decided:
                steps.append(
                    (
                        p,
                        "sign",
                        f"《{title}》待您签字",
                        "有 {count} 张一览表待您签字",
                        "workflow:sign_queue",
                    )
                )
    return steps


def _notify_after_transition(
    *, form_id: int, action: Action, actor_id: int | None, comment: str
) -> None:
    form = RiskForm.objects.select_related("unit", "post", "department", "filler__user").get(
        pk=form_id
    )
    if action in (Action.RETURN_TO_DRAFT, Action.RETURN_FROM_COLLECTIVE):
        if form.filler_id and form.filler.user_id != actor_id:
            notification_push(
                recipient=form.filler.user,
                kind=f"returned:{form.pk}",
                message=f"《{form.subject_title}》被退回修改：{comment}"[:300],
                url=reverse("risks:form_detail", args=[form.pk]),
                form=form,
            )
        return
    for person, kind, message, folded, url_name in _next_step(form):
        if person.user_id == actor_id:
            continue
        if kind == "sign" and action in (Action.SIGN_SUPERVISOR, Action.SIGN_PRINCIPAL):
            continue  # the other signer was told when the decision was recorded
        url = (
            reverse(url_name, args=[form.pk])
            if url_name == "risks:form_detail"
            else reverse(url_name)
        )
        notification_push(
            recipient=person.user,
            kind=kind,
            message=message,
            folded_message=folded or None,
            url=url,
            form=form,
            count=selectors.queue_count(person.user, kind) if folded else None,
        )


def _notify_raters(*, window_id: int) -> None:
    window = RatingWindow.objects.select_related("unit", "department").get(pk=window_id)
    people = Person.objects.filter(unit=window.unit, active=True).select_related("user")
    if window.department_id:
        people = people.filter(department=window.department)
    url = reverse("workflow:rating_list")
    for person in people:
        notification_push(
            recipient=person.user,
            kind=f"rating:{window.pk}",
            message=f"{window.scope_label}群众评议已开始，截止 "
            f"{timezone.localtime(window.deadline):%m月%d日 %H:%M}，请参加评议",
            url=url,
        )


def _notify_objection(*, objection_id: int) -> None:
    objection = Objection.objects.select_related(
        "form__unit", "form__post", "form__department"
    ).get(pk=objection_id)
    form = objection.form
    for person in access.people_who_may_act(form):
        notification_push(
            recipient=person.user,
            kind="objection",
            message=f"《{form.subject_title}》收到新的异议，待答复",
            folded_message="有 {count} 条异议待答复",
            url=reverse("workflow:objections"),
            form=form,
        )
