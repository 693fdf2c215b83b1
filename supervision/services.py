"""Every write of supervision.

`record_transition` is the ONE function that creates a record or changes its state (table in
supervision.transitions): guard (roles from supervision.access.actor_roles, state, gates,
reason), row lock, write, an append-only SupervisionLog row (with the evidence files), the audit
row (audit.services.audit_record) in the same transaction, notifications after the commit.
The `*_issue` / `finding_record` helpers build a record and hand it to record_transition;
`overdue_sweep` marks passed deadlines (the daily command and page visits call it).
"""

import datetime
import logging
from collections.abc import Iterable, Sequence
from functools import partial
from pathlib import Path

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.urls import reverse

from access import rules as roles
from audit.enums import AuditAction
from audit.services import audit_record
from audit.uploads import ATTACHMENT_EXTENSIONS, validate_attachment_upload
from riskreg import clock
from risks.models import RiskForm, RiskPoint
from supervision import access, transitions
from supervision.enums import (
    Action,
    DispositionKind,
    FindingSource,
    RecipientKind,
    RecordKind,
    State,
    SubjectKind,
    WarningGrade,
)
from supervision.models import (
    Disposition,
    DocumentCounter,
    Evidence,
    Finding,
    LevelRaiseProposal,
    RectificationItem,
    SupervisionLog,
    WarningNotice,
)
from units.enums import PostTier
from units.models import Department, Person, Post, Unit

log = logging.getLogger(__name__)

AnyUser = User | AnonymousUser | None


class SupervisionError(Exception):
    def __init__(self, *messages: str):
        self.messages = [m for m in messages if m] or ["操作未完成。"]
        super().__init__(" ".join(self.messages))


class ActionForbidden(SupervisionError):
    """The actor holds no role that may do this to this record (HTTP 403)."""


class ActionRefused(SupervisionError):
    """Allowed in principle but not now: wrong state, missing reason, bad input."""


KIND_OF: dict[type, RecordKind] = {
    Finding: RecordKind.FINDING,
    WarningNotice: RecordKind.WARNING,
    Disposition: RecordKind.DISPOSITION,
    RectificationItem: RecordKind.ITEM,
    LevelRaiseProposal: RecordKind.PROPOSAL,
}
LOG_FIELD: dict[type, str] = {
    Finding: "finding",
    WarningNotice: "warning",
    Disposition: "disposition",
    RectificationItem: "item",
    LevelRaiseProposal: "proposal",
}
# What a 更正 may change, per record kind (never the state, the people or the number).
CORRECTABLE: dict[type, tuple[str, ...]] = {
    Finding: ("source", "found_on", "text"),
    WarningNotice: ("grade", "risk_text", "requirement", "reply_due"),
    Disposition: (
        "basis",
        "method",
        "talk_on",
        "talk_place",
        "talkers",
        "recorder",
        "talk_content",
        "statement",
        "referred_to",
        "outcome",
    ),
    RectificationItem: ("text", "deadline"),
    LevelRaiseProposal: ("proposed_level", "reason"),
}
NOTIFICATION_KIND = "supervision"


def _messages(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [m for msgs in error.message_dict.values() for m in msgs]
    return list(error.messages)


# ------------------------------------------------------------------------- the transition


def record_transition(
    *,
    record: models.Model,
    action: Action | str,
    actor: AnyUser,
    comment: str = "",
    files: Sequence = (),
    extra: dict | None = None,
    client_address: str | None = None,
) -> SupervisionLog:
    """Create a record (action from state "") or move it on, atomically, on the locked row.

    `actor=None` is the system (a passed deadline), allowed only where the table says so.
    Raises ActionForbidden (nothing changed; 403) or ActionRefused (nothing changed)."""
    action = Action(action)
    kind = KIND_OF[type(record)]
    comment = (comment or "").strip()
    extra = dict(extra or {})
    person: Person | None = None
    if actor is not None:
        person = roles.person_for(actor)
        if person is None:
            raise ActionForbidden("您没有办理此事项的权限。")
    uploads = _checked_uploads(files)

    with transaction.atomic():
        creating = record.pk is None
        locked = record if creating else type(record).objects.select_for_update().get(pk=record.pk)
        transition, role = _guard(kind, locked, action, person, comment, creating)
        from_state = "" if creating else locked.state
        changes = _EFFECTS.get(action, _no_effect)(
            record=locked, person=person, actor=actor, comment=comment, extra=extra
        )
        locked.state = transition.target_for(locked)
        try:
            locked.full_clean()
        except ValidationError as error:
            raise ActionRefused(*_messages(error)) from None
        locked.save()
        if creating:
            _after_create(record=locked, actor=actor, extra=extra)
        entry = SupervisionLog(
            kind=kind,
            action=action,
            from_state=from_state,
            to_state=locked.state,
            actor=actor if person else None,
            actor_name=person.name if person else "系统",
            role=role,
            comment=comment,
            changes=changes or {},
            at=clock.now(),
            **{LOG_FIELD[type(record)]: locked},
        )
        entry.full_clean()
        entry.save()
        for upload, name in uploads:
            evidence = Evidence(entry=entry, name=name)
            evidence.file.save(upload.name, upload, save=False)
            evidence.full_clean()
            evidence.save()
        audit_record(
            actor=actor if person else None,
            action=AuditAction.SUPERVISION_TRANSITION,
            obj=locked,
            address=client_address,
            details={
                "kind": kind.value,
                "action": action.value,
                "role": role,
                "from": from_state,
                "to": locked.state,
                "log": entry.pk,
            },
        )
        transaction.on_commit(partial(_notify, entry_id=entry.pk))
    if not creating:
        for field in locked._meta.concrete_fields:
            setattr(record, field.attname, getattr(locked, field.attname))
    return entry


def _guard(
    kind: RecordKind,
    record: models.Model,
    action: Action,
    person: Person | None,
    comment: str,
    creating: bool,
) -> tuple[transitions.Transition, str]:
    candidates = transitions.for_action(kind, action)
    if not candidates:
        raise ActionRefused(f"{kind.label}没有「{action.label}」操作。")
    if person is None:
        held = {transitions.SYSTEM}
        if not any(transitions.SYSTEM in t.who for t in candidates):
            raise ActionForbidden("此操作必须由有权限的人员办理。")
    else:
        held = access.actor_roles(person, record)
        if not any(t.who & held for t in candidates):
            raise ActionForbidden(f"您无权对此{kind.label}执行「{action.label}」。")
    state = "" if creating else record.state
    transition = transitions.find(kind, state, action)
    if transition is None:
        label = State(state).label if state else "未开具"
        raise ActionRefused(
            f"此{kind.label}当前为「{label}」，不能{action.label}（可能已由他人办理）。"
        )
    acting = sorted(transition.who & held)
    if not acting:
        raise ActionForbidden(f"您无权对此{kind.label}执行「{action.label}」。")
    gates = transitions.failed_gates(transition, record)
    if gates:
        raise ActionRefused(*gates)
    if transition.reason_required and not comment:
        raise ActionRefused(
            "请填写反馈内容。"
            if action == Action.REPLY
            else "请填写整改进展。"
            if action == Action.REPORT
            else "请填写理由。"
        )
    return transition, acting[0]


def _checked_uploads(files: Iterable) -> list[tuple]:
    """Size and type from the content (audit.uploads), before anything is written."""
    checked = []
    for upload in files or ():
        try:
            file_kind = validate_attachment_upload(upload)
        except ValidationError as error:
            raise ActionRefused(f"附件「{upload.name}」：" + " ".join(error.messages)) from None
        original = Path(upload.name).name[:150]
        upload.name = (Path(upload.name).stem[:80] or "evidence") + ATTACHMENT_EXTENSIONS[file_kind]
        checked.append((upload, original))
    return checked


# ------------------------------------------------------------------------- effects


def _no_effect(**kwargs) -> None:
    return None


def _next_number(*, unit: Unit, year: int, kind: str) -> int:
    """The next 文号 of the unit and year: the counter row is locked until the commit, so two
    issues at once never get the same number."""
    counter, _created = DocumentCounter.objects.select_for_update().get_or_create(
        unit=unit, year=year, kind=kind
    )
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def _issue(*, record, **kw) -> None:
    if isinstance(record, WarningNotice):
        record.year = record.issued_on.year
        record.number = _next_number(unit=record.unit, year=record.year, kind="warning")


def _acknowledge(*, record, **kw) -> None:
    record.acknowledged_at = clock.now()


def _reply(*, record, comment: str, **kw) -> None:
    record.reply_text = comment
    record.replied_at = clock.now()
    record.replied_on_time = clock.today() <= record.reply_due


def _close(*, record, **kw) -> None:
    if hasattr(record, "closed_at"):
        record.closed_at = clock.now()


def _mark_overdue(*, record, **kw) -> None:
    record.overdue_since = clock.today()


def _answer(*, record, comment: str, **kw) -> None:
    record.answer = comment
    record.answered_at = clock.now()


def _force_rerate(*, record: LevelRaiseProposal, actor, comment: str, **kw) -> dict:
    """重新评定 through the workflow's own transition: the filed version stays, a new version
    starts in 自查填报; the proposal then waits for that version's 集体审定."""
    from workflow.enums import Action as FormAction
    from workflow.enums import RerateReason
    from workflow.services import TransitionError, form_transition

    try:
        result = form_transition(
            form=record.form,
            action=FormAction.RERATE,
            actor=actor,
            comment=f"提高等级建议：{comment}",
            extra={"reason": RerateReason.INSPECTOR_PROPOSAL},
        )
    except TransitionError as error:
        raise ActionRefused(*error.messages) from None
    old_form = record.form
    new_form = result.new_form
    order = record.point.order if record.point_id else None
    record.form = new_form
    record.point = new_form.points.filter(order=order).order_by("id").first()
    return {"form": {"label": "待审定的一览表", "old": str(old_form.pk), "new": str(new_form.pk)}}


def _correct(*, record, extra: dict, **kw) -> dict:
    wanted = extra.get("changes") or {}
    allowed = CORRECTABLE[type(record)]
    if not wanted:
        raise ActionRefused("请填写要更正的内容。")
    diff = {}
    for name, value in wanted.items():
        if name not in allowed:
            raise ActionRefused("此项内容不能更正。")
        field = record._meta.get_field(name)
        try:
            new = field.to_python(value)
        except ValidationError:
            raise ActionRefused(f"「{field.verbose_name}」格式不正确。") from None
        old = getattr(record, name)
        if old != new:
            diff[name] = {"label": str(field.verbose_name), "old": str(old), "new": str(new)}
            setattr(record, name, new)
    if not diff:
        raise ActionRefused("更正后的内容与原记录相同。")
    due = getattr(record, "reply_due", None) or getattr(record, "deadline", None)
    if hasattr(record, "overdue_since") and due is not None and due >= clock.today():
        record.overdue_since = None  # a corrected deadline not yet passed lifts the 逾期 mark
    return diff


_EFFECTS = {
    Action.ISSUE: _issue,
    Action.ACKNOWLEDGE: _acknowledge,
    Action.REPLY: _reply,
    Action.ACCEPT: _close,
    Action.CLOSE: _close,
    Action.MARK_OVERDUE: _mark_overdue,
    Action.ADOPT: _answer,
    Action.DECLINE: _answer,
    Action.FORCE_RERATE: _force_rerate,
    Action.CORRECT: _correct,
}


def _after_create(*, record, actor, extra: dict) -> None:
    points = extra.get("risk_points")
    if points and hasattr(record, "risk_points"):
        record.risk_points.set(points)
    for n, item in enumerate(extra.get("items") or (), 1):
        responsible: Person = item["responsible"]
        record_transition(
            record=RectificationItem(
                disposition=record,
                order=n,
                text=(item.get("text") or "").strip(),
                responsible=responsible,
                department=responsible.department,
                deadline=item["deadline"],
            ),
            action=Action.ISSUE,
            actor=actor,
        )


# ------------------------------------------------------------------------- creating records


def _acting_person(actor: AnyUser) -> Person:
    person = roles.person_for(actor)
    if person is None:
        raise ActionForbidden("您没有办理此事项的权限。")
    return person


def finding_record(
    *,
    actor: User,
    unit: Unit,
    source: FindingSource | str,
    found_on: datetime.date,
    text: str,
    subject_kind: SubjectKind | str,
    subject_person: Person | None = None,
    subject_post: Post | None = None,
    subject_department: Department | None = None,
    risk_points: Iterable[RiskPoint] = (),
) -> Finding:
    finding = Finding(
        unit=unit,
        source=source,
        found_on=found_on,
        text=(text or "").strip(),
        subject_kind=subject_kind,
        subject_person=subject_person if subject_kind == SubjectKind.PERSON else None,
        subject_post=subject_post if subject_kind == SubjectKind.POST else None,
        subject_department=subject_department if subject_kind == SubjectKind.DEPARTMENT else None,
        recorded_by=_acting_person(actor),
    )
    if found_on and found_on > clock.today():
        raise ActionRefused("发现日期不能晚于今天。")
    record_transition(
        record=finding,
        action=Action.RECORD,
        actor=actor,
        extra={"risk_points": _points(unit, risk_points)},
    )
    return finding


def _points(unit: Unit, points: Iterable[RiskPoint]) -> list[RiskPoint]:
    points = list(points or ())
    if any(p.form.unit_id != unit.pk for p in points):
        raise ActionRefused("只能引用本单位一览表中的风险点。")
    return points


def warning_issue(
    *,
    actor: User,
    unit: Unit,
    grade: WarningGrade | str,
    risk_text: str,
    requirement: str,
    reply_due: datetime.date,
    recipient: Person | None = None,
    recipient_department: Department | None = None,
    finding: Finding | None = None,
    risk_points: Iterable[RiskPoint] = (),
    issued_on: datetime.date | None = None,
) -> WarningNotice:
    """开具 a warning to a person, or to a department (its head signs for it)."""
    if recipient_department is not None:
        if recipient_department.head_id is None:
            raise ActionRefused("该部室没有负责人，无法签收预警，请先在组织机构中指定负责人。")
        recipient, kind = recipient_department.head, RecipientKind.DEPARTMENT
    elif recipient is not None:
        kind = RecipientKind.PERSON
    else:
        raise ActionRefused("请选择预警对象（个人或部室）。")
    issued_on = issued_on or clock.today()
    if reply_due is not None and reply_due < issued_on:
        raise ActionRefused("反馈期限不能早于开具日期。")
    if finding is not None and finding.unit_id != unit.pk:
        raise ActionRefused("监督发现不属于本单位。")
    warning = WarningNotice(
        unit=unit,
        year=issued_on.year,
        number=0,
        grade=grade,
        finding=finding,
        recipient_kind=kind,
        recipient=recipient,
        recipient_department=recipient_department,
        risk_text=(risk_text or "").strip(),
        requirement=(requirement or "").strip(),
        reply_due=reply_due,
        issued_by=_acting_person(actor),
        issued_on=issued_on,
    )
    record_transition(
        record=warning,
        action=Action.ISSUE,
        actor=actor,
        extra={"risk_points": _points(unit, risk_points)},
    )
    return warning


def disposition_issue(
    *,
    actor: User,
    unit: Unit,
    kind: DispositionKind | str,
    basis: str,
    subject: Person | None = None,
    subject_department: Department | None = None,
    finding: Finding | None = None,
    warning: WarningNotice | None = None,
    risk_points: Iterable[RiskPoint] = (),
    items: Sequence[dict] = (),
    decided_on: datetime.date | None = None,
    **record_fields,
) -> Disposition:
    """处置 of one of the seed kinds; 责令限期整改 comes with its items (text, responsible,
    deadline) and may be addressed to a department (its head acknowledges it)."""
    kind = DispositionKind(kind)
    if subject_department is not None:
        if kind != DispositionKind.RECTIFICATION:
            raise ActionRefused("只有责令限期整改可以针对部室。")
        if subject_department.head_id is None:
            raise ActionRefused("该部室没有负责人，无法签收整改通知。")
        subject = subject_department.head
    if subject is None:
        raise ActionRefused("请选择处置对象。")
    if kind == DispositionKind.RECTIFICATION:
        if not items:
            raise ActionRefused("责令限期整改至少需要一项整改事项。")
        for n, item in enumerate(items, 1):
            if not (item.get("text") or "").strip() or not item.get("responsible"):
                raise ActionRefused(f"第 {n} 项整改事项缺少内容或责任人。")
            if not item.get("deadline"):
                raise ActionRefused(f"第 {n} 项整改事项缺少整改期限。")
            if item["responsible"].unit_id != unit.pk:
                raise ActionRefused(f"第 {n} 项整改事项的责任人不是本单位人员。")
    elif items:
        raise ActionRefused("只有责令限期整改有整改事项。")
    allowed = set(CORRECTABLE[Disposition]) - {"basis"}
    unknown = set(record_fields) - allowed
    if unknown:
        raise ValueError(f"unknown disposition fields {unknown}")
    disposition = Disposition(
        unit=unit,
        kind=kind,
        subject=subject,
        subject_department=subject_department,
        finding=finding,
        warning=warning,
        basis=(basis or "").strip(),
        decided_by=_acting_person(actor),
        decided_on=decided_on or clock.today(),
        **{k: (v.strip() if isinstance(v, str) else v) for k, v in record_fields.items()},
    )
    record_transition(
        record=disposition,
        action=Action.ISSUE,
        actor=actor,
        extra={"risk_points": _points(unit, risk_points), "items": list(items)},
    )
    return disposition


def proposal_issue(
    *,
    actor: User,
    point: RiskPoint,
    proposed_level: int,
    reason: str,
    finding: Finding | None = None,
    disposition: Disposition | None = None,
) -> LevelRaiseProposal:
    """提高等级建议 for a risk point of a current form version."""
    form = point.form
    if RiskForm.objects.filter(previous_version=form).exists():
        raise ActionRefused("该风险点所在的一览表已有更新的版本，请引用当前版本的风险点。")
    current = point.final_level or point.proposed_level
    try:
        proposed_level = int(proposed_level)
    except (TypeError, ValueError):
        raise ActionRefused("请选择建议等级。") from None
    proposal = LevelRaiseProposal(
        unit=form.unit,
        point=point,
        point_text=point.description,
        form=form,
        current_level=current,
        proposed_level=proposed_level,
        reason=(reason or "").strip(),
        finding=finding,
        disposition=disposition,
        proposed_by=_acting_person(actor),
        proposed_on=clock.today(),
    )
    record_transition(record=proposal, action=Action.ISSUE, actor=actor)
    return proposal


# ------------------------------------------------------------------------- deadlines


def overdue_sweep() -> int:
    """Marks every warning whose reply and every item whose rectification is past its deadline
    (逾期), once; each mark is a logged transition that notifies the people concerned."""
    today = clock.today()
    marked = 0
    due = [
        *WarningNotice.objects.filter(
            state__in=State.open_warning(), overdue_since__isnull=True, reply_due__lt=today
        ),
        *RectificationItem.objects.filter(
            state=State.IN_PROGRESS, overdue_since__isnull=True, deadline__lt=today
        ),
    ]
    for record in due:
        try:
            record_transition(record=record, action=Action.MARK_OVERDUE, actor=None)
        except SupervisionError:
            continue  # changed meanwhile (replied, reported): nothing to mark
        marked += 1
    return marked


# ------------------------------------------------------------------------- notifications


def principals_of(unit: Unit) -> list[Person]:
    return list(
        Person.objects.filter(active=True)
        .filter(
            Q(post__unit=unit, post__tier=PostTier.PRINCIPAL)
            | Q(concurrent_posts__unit=unit, concurrent_posts__tier=PostTier.PRINCIPAL)
        )
        .select_related("user")
        .distinct()
    )


def record_of(entry: SupervisionLog):
    return entry.warning or entry.disposition or entry.item or entry.proposal or entry.finding


def record_url(record) -> str:
    if isinstance(record, WarningNotice):
        return reverse("supervision:warning", args=[record.pk])
    if isinstance(record, Disposition):
        return reverse("supervision:disposition", args=[record.pk])
    if isinstance(record, RectificationItem):
        return reverse("supervision:disposition", args=[record.disposition_id])
    if isinstance(record, LevelRaiseProposal):
        return reverse("supervision:proposal", args=[record.pk])
    return reverse("supervision:finding", args=[record.pk])


def _recipients(entry: SupervisionLog, record) -> tuple[list[Person], str]:
    action = entry.action
    if isinstance(record, WarningNotice):
        title = f"{record.grade_label}（{record.doc_number}）"
        if action == Action.ISSUE:
            return [record.recipient], (
                f"您收到{title}，请签收并于 {record.reply_due:%Y-%m-%d} 前书面反馈。"
            )
        if action == Action.REPLY:
            return [record.issued_by], f"{record.recipient.name}已反馈{title}，请审核。"
        if action == Action.SEND_BACK:
            return [record.recipient], f"您对{title}的反馈被退回：{entry.comment}"
        if action == Action.ACCEPT:
            return [record.recipient], f"您对{title}的反馈已审核通过，已销号。"
        if action == Action.MARK_OVERDUE:
            return [record.recipient, record.issued_by, *principals_of(record.unit)], (
                f"{title}逾期未反馈：{record.recipient.name}，期限 {record.reply_due:%Y-%m-%d}。"
            )
    if isinstance(record, Disposition) and action == Action.ISSUE:
        return [record.subject], f"您有一项{record.get_kind_display()}，请查看并签收。"
    if isinstance(record, RectificationItem):
        disposition = record.disposition
        if action == Action.REPORT:
            return [
                disposition.decided_by
            ], f"整改事项「{record.text[:20]}」已报送进展，请审核销号。"
        if action in (Action.SEND_BACK, Action.CLOSE):
            verb = "已销号" if action == Action.CLOSE else f"被退回：{entry.comment}"
            return [record.responsible], f"整改事项「{record.text[:20]}」{verb}"
        if action == Action.MARK_OVERDUE:
            head = record.department.head if record.department_id else None
            people = [record.responsible, disposition.decided_by, *principals_of(disposition.unit)]
            return [*people, *([head] if head else [])], (
                f"整改事项「{record.text[:20]}」逾期未完成：责任人{record.responsible.name}，"
                f"期限 {record.deadline:%Y-%m-%d}。"
            )
    if isinstance(record, LevelRaiseProposal):
        if action in (Action.ISSUE, Action.FORCE_RERATE):
            office = Person.objects.filter(
                role_grants__role="integrity_office", role_grants__unit=record.unit, active=True
            )
            text = (
                "纪检提出提高风险等级建议，请在该一览表集体审定时答复。"
                if action == Action.ISSUE
                else "提高等级建议已启动重新评定，请在新版本集体审定时答复。"
            )
            return list(office), text
        if action in (Action.ADOPT, Action.DECLINE):
            return [record.proposed_by], f"您的提高等级建议{entry.get_action_display()}。"
    return [], ""


def _notify(*, entry_id: int) -> None:
    from workflow.services import notification_push

    try:
        entry = SupervisionLog.objects.get(pk=entry_id)
        record = record_of(entry)
        people, message = _recipients(entry, record)
        seen = set()
        for person in people:
            if person is None or person.pk in seen or not person.active:
                continue
            seen.add(person.pk)
            notification_push(
                recipient=person.user,
                kind=NOTIFICATION_KIND,
                message=message[:300],
                url=record_url(record),
            )
    except Exception:  # a notice that cannot be sent must not undo the recorded change
        log.exception("supervision notification for log %s failed", entry_id)
