"""Writes to the risk register: filling a form's risk points, opening rounds, assigning fillers.

Every edit of a form carries the revision it was based on. The check and the write happen in
one transaction with the form row locked, so two tabs (or two people) can never overwrite each
other silently: the later save gets StaleRevision and the user chooses. Edits are allowed only
while access.rules.can_edit_form says so (the filler, in 自查填报). State changes are not
made here: they belong to workflow.services.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max

from access import rules as access
from audit.enums import AuditAction
from audit.services import audit_record
from risks import selectors
from risks.models import LibraryEntry, Measure, RiskForm, RiskPoint, Round
from units.models import Person, Unit
from workflow.enums import FormState

MAX_MEASURES = 20


class StaleRevision(Exception):
    """The form was saved (elsewhere) after the user loaded it. Carries the current form."""

    def __init__(self, form: RiskForm) -> None:
        super().__init__(f"form {form.pk} is at revision {form.revision}")
        self.form = form


@dataclass
class PointInput:
    """What the filler enters for one risk point."""

    category: str
    description: str
    likelihood: int | None = None
    harm: int | None = None
    proposed_level: int | None = None
    proposal_reason: str = ""
    responsible_person: str = ""
    measures: list[str] = field(default_factory=list)


def _lock_for_edit(*, form: RiskForm, based_on_revision: int, by: User | AnonymousUser) -> RiskForm:
    """Lock the form row, then check who edits and on which revision. Call inside atomic()."""
    locked = RiskForm.objects.select_for_update().get(pk=form.pk)
    if not access.can_edit_form(by, locked):
        raise PermissionDenied("您不能修改这张一览表。")
    if locked.revision != based_on_revision:
        raise StaleRevision(locked)
    return locked


def _saved(form: RiskForm, by: User | AnonymousUser) -> None:
    form.revision += 1
    form.last_saved_by = access.person_for(by)
    form.save(update_fields=["revision", "last_saved_by", "updated_at"])


def _write_point(point: RiskPoint, data: PointInput) -> RiskPoint:
    point.category = data.category
    point.description = data.description.strip()
    point.likelihood = data.likelihood
    point.harm = data.harm
    # No explicit proposal: the level suggested by likelihood × harm is the proposal.
    point.proposed_level = data.proposed_level or point.suggested_level
    point.proposal_reason = data.proposal_reason.strip()
    point.responsible_person = data.responsible_person.strip()
    point.full_clean()
    point.save()
    measures = [m.strip() for m in data.measures if m.strip()]
    if len(measures) > MAX_MEASURES:
        raise ValidationError({"measures": f"每个风险点最多填写 {MAX_MEASURES} 条防控措施。"})
    point.measures.all().delete()
    Measure.objects.bulk_create(
        Measure(point=point, order=i, text=text) for i, text in enumerate(measures, 1)
    )
    return point


@transaction.atomic
def point_add(
    *,
    form: RiskForm,
    data: PointInput,
    based_on_revision: int,
    by: User | AnonymousUser,
    library_entry: LibraryEntry | None = None,
) -> RiskPoint:
    locked = _lock_for_edit(form=form, based_on_revision=based_on_revision, by=by)
    last = locked.points.aggregate(m=Max("order"))["m"] or 0
    point = RiskPoint(form=locked, order=last + 1, library_entry=library_entry)
    _write_point(point, data)
    _saved(locked, by)
    return point


@transaction.atomic
def point_update(
    *, point: RiskPoint, data: PointInput, based_on_revision: int, by: User | AnonymousUser
) -> RiskPoint:
    locked = _lock_for_edit(form=point.form, based_on_revision=based_on_revision, by=by)
    point = locked.points.get(pk=point.pk)
    _write_point(point, data)
    _saved(locked, by)
    return point


@transaction.atomic
def point_delete(*, point: RiskPoint, based_on_revision: int, by: User | AnonymousUser) -> None:
    locked = _lock_for_edit(form=point.form, based_on_revision=based_on_revision, by=by)
    locked.points.filter(pk=point.pk).delete()
    _renumber(locked)
    _saved(locked, by)


def _renumber(form: RiskForm) -> list[RiskPoint]:
    points = list(form.points.order_by("order", "id"))
    changed = []
    for number, p in enumerate(points, 1):
        if p.order != number:
            p.order = number
            changed.append(p)
    RiskPoint.objects.bulk_update(changed, ["order"])
    return points


@transaction.atomic
def point_move(
    *,
    point: RiskPoint,
    direction: Literal["up", "down"],
    based_on_revision: int,
    by: User | AnonymousUser,
) -> None:
    """Swap a point with its neighbour above or below; at either end nothing moves."""
    locked = _lock_for_edit(form=point.form, based_on_revision=based_on_revision, by=by)
    points = _renumber(locked)
    index = next((i for i, p in enumerate(points) if p.pk == point.pk), None)
    if index is None:
        raise RiskPoint.DoesNotExist
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(points):
        a, b = points[index], points[other]
        a.order, b.order = b.order, a.order
        RiskPoint.objects.bulk_update([a, b], ["order"])
    _saved(locked, by)


def point_input_from_library(entry: LibraryEntry, *, responsible_person: str = "") -> PointInput:
    return PointInput(
        category=entry.category,
        description=entry.description,
        likelihood=entry.likelihood,
        harm=entry.harm,
        proposed_level=entry.suggested_level,
        responsible_person=responsible_person,
        measures=[m.text for m in entry.measures.all()],
    )


def point_add_from_library(
    *, form: RiskForm, entry: LibraryEntry, based_on_revision: int, by: User | AnonymousUser
) -> RiskPoint:
    """One click: the library entry becomes a point of the form, with its measures."""
    if entry.subject_kind != form.subject_kind or not entry.active:
        raise ValidationError("该风险点库条目不适用于这张一览表。")
    return point_add(
        form=form,
        data=point_input_from_library(entry, responsible_person=default_responsible(form)),
        based_on_revision=based_on_revision,
        by=by,
        library_entry=entry,
    )


def default_responsible(form: RiskForm) -> str:
    """The person answerable for a point by default: the filler."""
    return form.filler.name if form.filler_id else ""


@transaction.atomic
def form_set_overall_level(
    *, form: RiskForm, level: int | None, based_on_revision: int, by: User | AnonymousUser
) -> RiskForm:
    locked = _lock_for_edit(form=form, based_on_revision=based_on_revision, by=by)
    locked.overall_proposed_level = level
    locked.full_clean()
    locked.save(update_fields=["overall_proposed_level"])
    _saved(locked, by)
    return locked


@transaction.atomic
def form_reassign_filler(*, form: RiskForm, filler: Person, by: User | AnonymousUser) -> RiskForm:
    """The integrity office hands a draft form to another person of the unit."""
    locked = RiskForm.objects.select_for_update().get(pk=form.pk)
    if not access.can_reassign_filler(by, locked):
        raise PermissionDenied("只有廉防办可以在自查填报阶段更换填表人。")
    if filler.unit_id != locked.unit_id or not filler.active:
        raise ValidationError({"filler": "请选择本单位在岗的人员。"})
    locked.filler = filler
    locked.full_clean()
    locked.save(update_fields=["filler", "updated_at"])
    return locked


# --- Rounds ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoundOpenResult:
    round: Round
    created_forms: int
    existed: bool


@transaction.atomic
def round_open(
    *,
    unit: Unit,
    year: int,
    title: str,
    self_check_deadline: date | None = None,
    dept_review_deadline: date | None = None,
    mass_review_deadline: date | None = None,
    collective_deadline: date | None = None,
    notice_working_days: int = 5,
    by: User | AnonymousUser,
) -> RoundOpenResult:
    """Open a screening round for a unit and create its forms. Running it again for the same
    title updates the deadlines and creates only the forms still missing (idempotent; the
    page refuses an existing title and sends the office to the round's edit page instead).
    Every phase deadline is required, in the order of the phases."""
    if not access.can_manage_round(by, unit):
        raise PermissionDenied("只有本单位廉防办可以开启排查轮次。")
    _check_deadlines(
        self_check_deadline, dept_review_deadline, mass_review_deadline, collective_deadline
    )
    title = title.strip()
    rnd = Round.objects.select_for_update().filter(unit=unit, title=title).first()
    existed = rnd is not None
    if rnd is None:
        rnd = Round(unit=unit, title=title, created_by=access.person_for(by))
    rnd.year = year
    rnd.self_check_deadline = self_check_deadline
    rnd.dept_review_deadline = dept_review_deadline
    rnd.mass_review_deadline = mass_review_deadline
    rnd.collective_deadline = collective_deadline
    rnd.notice_working_days = notice_working_days
    rnd.full_clean()
    rnd.save()
    created = _create_missing_forms(rnd)
    audit_record(
        actor=by,
        action=AuditAction.ROUND_OPEN,
        obj=rnd,
        details={"created_forms": created, "existed": existed, **_round_terms(rnd)},
    )
    return RoundOpenResult(round=rnd, created_forms=created, existed=existed)


DEADLINE_LABELS = {
    "self_check_deadline": "自查填报截止",
    "dept_review_deadline": "部室审核截止",
    "mass_review_deadline": "群众评议截止",
    "collective_deadline": "集体审定截止",
}


def _check_deadlines(*deadlines: date | None) -> None:
    errors = {}
    previous: tuple[str, date] | None = None
    for name, value in zip(DEADLINE_LABELS, deadlines, strict=True):
        if value is None:
            errors[name] = f"请填写“{DEADLINE_LABELS[name]}”日期。"
            continue
        if previous and value < previous[1]:
            errors[name] = f"“{DEADLINE_LABELS[name]}”不能早于“{DEADLINE_LABELS[previous[0]]}”。"
        previous = (name, value)
    if errors:
        raise ValidationError(errors)


def _round_terms(rnd: Round) -> dict:
    terms = {name: str(getattr(rnd, name) or "") for name in DEADLINE_LABELS}
    terms["notice_working_days"] = rnd.notice_working_days
    return terms


@transaction.atomic
def round_update(
    *,
    round: Round,
    self_check_deadline: date | None,
    dept_review_deadline: date | None,
    mass_review_deadline: date | None,
    collective_deadline: date | None,
    notice_working_days: int,
    by: User | AnonymousUser,
    client_address: str | None = None,
) -> Round:
    """Change a round's deadlines and notice length; the audit log keeps old and new values.
    Notices already published keep their end date (the period they were announced with)."""
    if not access.can_manage_round(by, round.unit):
        raise PermissionDenied("只有本单位廉防办可以修改排查轮次。")
    _check_deadlines(
        self_check_deadline, dept_review_deadline, mass_review_deadline, collective_deadline
    )
    locked = Round.objects.select_for_update().get(pk=round.pk)
    before = _round_terms(locked)
    locked.self_check_deadline = self_check_deadline
    locked.dept_review_deadline = dept_review_deadline
    locked.mass_review_deadline = mass_review_deadline
    locked.collective_deadline = collective_deadline
    locked.notice_working_days = notice_working_days
    locked.full_clean()
    locked.save()
    after = _round_terms(locked)
    changed = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if changed:
        audit_record(
            actor=by,
            action=AuditAction.ROUND_CHANGE,
            obj=locked,
            address=client_address,
            details={"changes": changed},
        )
    return locked


@transaction.atomic
def round_create_missing_forms(*, round: Round, by: User | AnonymousUser) -> int:
    """Create the forms of posts, departments and people added since the round was opened."""
    if not access.can_manage_round(by, round.unit):
        raise PermissionDenied("只有本单位廉防办可以生成一览表。")
    locked = Round.objects.select_for_update().get(pk=round.pk)
    return _create_missing_forms(locked)


def _create_missing_forms(rnd: Round) -> int:
    """Save the forms `risks.selectors.missing_forms` finds; return how many."""
    created = 0
    for form in selectors.missing_forms(rnd):
        form.state = FormState.DRAFT
        form.full_clean()
        form.save()
        created += 1
    return created
