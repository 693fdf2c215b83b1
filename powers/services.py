"""Every write of the power list. Callers have checked access (powers.access); each function
validates (full_clean), writes, and appends one PowerChange row plus one audit-log row in the
same transaction."""

from __future__ import annotations

from dataclasses import dataclass, fields

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from audit.enums import AuditAction
from audit.services import audit_record
from powers.enums import ChangeAction, PowerState, PowerStatus
from powers.models import PowerChange, PowerItem, PowerStep, StepRiskLink
from riskreg import clock
from risks.models import RiskPoint
from units.models import Department, Post, Unit


@dataclass(frozen=True)
class ItemInput:
    name: str
    kind: str
    content: str = ""
    responsible_body: str = ""
    legal_basis: str = ""
    time_limit: str = ""
    supervision_channel: str = ""
    status: str = PowerStatus.KEEP


@dataclass(frozen=True)
class StepInput:
    name: str
    responsible: str = ""
    time_limit: str = ""
    materials: str = ""
    branch_of: PowerStep | None = None
    condition: str = ""
    returns: bool = False


def _person_name(user: User | None) -> str:
    if user is None:
        return ""
    person = getattr(user, "person", None)
    return person.name if person else user.get_username()


def change_log(
    *, item: PowerItem, action: str, by: User | None, summary: str = "", source: str = "web"
) -> PowerChange:
    """Append one row to the power list's log and one to the audit log."""
    change = PowerChange(
        unit_id=item.unit_id,
        item=item,
        item_name=item.name,
        action=action,
        summary=summary,
        by=by,
        by_name=_person_name(by),
    )
    change.full_clean()
    change.save()
    audit_record(
        actor=by,
        action=AuditAction.POWER_CHANGE,
        obj=item,
        details={"change": action, "summary": summary[:500], "source": source},
    )
    return change


def item_changes_from(item: PowerItem, data: ItemInput) -> list[str]:
    """What an update with `data` would change, as lines for the log (empty: nothing)."""
    return _item_diff(item, data)


def _item_diff(item: PowerItem, data: ItemInput) -> list[str]:
    changes = []
    for f in fields(ItemInput):
        old, new = getattr(item, f.name), getattr(data, f.name)
        if old != new:
            label = PowerItem._meta.get_field(f.name).verbose_name
            if f.name == "status":
                old, new = PowerStatus(old).label, PowerStatus(new).label
            changes.append(f"{label}：{old or '（空）'} → {new or '（空）'}")
    return changes


@transaction.atomic
def item_create(
    *,
    by: User | None,
    unit: Unit,
    data: ItemInput,
    department: Department | None = None,
    post: Post | None = None,
    source: str = "web",
) -> PowerItem:
    """A new item of a department or a post, as a draft awaiting 确权."""
    owner_filter = {"post": post} if post else {"department": department}
    last = PowerItem.objects.filter(**owner_filter).aggregate(m=Max("order"))["m"]
    item = PowerItem(
        unit=unit,
        department=None if post else department,
        post=post,
        order=(last or 0) + 1,
        state=PowerState.DRAFT,
        **{f.name: getattr(data, f.name) for f in fields(ItemInput)},
    )
    item.full_clean()
    item.save()
    change_log(
        item=item,
        action=ChangeAction.IMPORT if source == "import" else ChangeAction.CREATE,
        by=by,
        summary=f"{item.owner_name}：{item.name}（{item.kind}）",
        source=source,
    )
    return item


@transaction.atomic
def item_update(
    *, by: User | None, item: PowerItem, data: ItemInput, source: str = "web"
) -> PowerItem:
    """Change an item. A change to a confirmed item makes it a draft again (确权 anew)."""
    item = (
        PowerItem.objects.select_for_update(of=("self",))
        .select_related("post", "department")
        .get(pk=item.pk)
    )
    changes = _item_diff(item, data)
    if not changes:
        return item
    for f in fields(ItemInput):
        setattr(item, f.name, getattr(data, f.name))
    was_confirmed = item.state == PowerState.CONFIRMED
    item.state = PowerState.DRAFT
    item.full_clean()
    item.save()
    if was_confirmed:
        changes.append("已确权的事项修改后须重新确权")
    change_log(
        item=item,
        action=ChangeAction.IMPORT if source == "import" else ChangeAction.UPDATE,
        by=by,
        summary="；".join(changes),
        source=source,
    )
    return item


@transaction.atomic
def item_confirm(*, by: User, item: PowerItem) -> PowerItem:
    """确权 by the integrity office: the item as it stands is the unit's, for this year."""
    item = PowerItem.objects.select_for_update().get(pk=item.pk)
    if item.state == PowerState.CONFIRMED:
        raise ValidationError("该职权事项已经确权，无需重复确认。")
    item.state = PowerState.CONFIRMED
    item.confirmed_year = clock.today().year
    item.confirmed_by = by
    item.confirmed_at = clock.now()
    item.full_clean()
    item.save()
    change_log(
        item=item,
        action=ChangeAction.CONFIRM,
        by=by,
        summary=f"{item.confirmed_year}年度确权：{item.get_status_display()}",
    )
    return item


def _unconfirm(item: PowerItem) -> str:
    """Steps are part of what is confirmed: changing them makes the item a draft again."""
    if item.state != PowerState.CONFIRMED:
        return ""
    PowerItem.objects.filter(pk=item.pk).update(state=PowerState.DRAFT)
    item.state = PowerState.DRAFT
    return "；已确权的事项修改后须重新确权"


def _step_text(step: PowerStep) -> str:
    parts = [step.name]
    if step.branch_of_id:
        parts.append(f"（{step.condition}时由“{step.branch_of.name}”分出）")
    if step.responsible:
        parts.append(f"责任主体 {step.responsible}")
    if step.time_limit:
        parts.append(f"时限 {step.time_limit}")
    return "，".join(parts)


@transaction.atomic
def step_add(*, by: User | None, item: PowerItem, data: StepInput) -> PowerStep:
    last = item.steps.aggregate(m=Max("order"))["m"]
    step = PowerStep(item=item, order=(last or 0) + 1, **data.__dict__)
    step.full_clean()
    step.save()
    note = _unconfirm(item)
    change_log(item=item, action=ChangeAction.STEP_ADD, by=by, summary=_step_text(step) + note)
    return step


@transaction.atomic
def step_update(*, by: User | None, step: PowerStep, data: StepInput) -> PowerStep:
    for name, value in data.__dict__.items():
        setattr(step, name, value)
    step.full_clean()
    step.save()
    note = _unconfirm(step.item)
    change_log(
        item=step.item, action=ChangeAction.STEP_EDIT, by=by, summary=_step_text(step) + note
    )
    return step


@transaction.atomic
def step_move(*, by: User | None, step: PowerStep, direction: str) -> PowerStep:
    """Swap a step with its neighbour among the steps of the same level (main steps, or the
    branches of the same step)."""
    if direction not in ("up", "down"):
        raise ValidationError("移动方向只能是上移或下移。")
    siblings = list(
        PowerStep.objects.select_for_update()
        .filter(item_id=step.item_id, branch_of_id=step.branch_of_id)
        .order_by("order", "id")
    )
    index = next(i for i, s in enumerate(siblings) if s.pk == step.pk)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(siblings):
        raise ValidationError("已经是第一个或最后一个环节，无法再移动。")
    siblings[index], siblings[other] = siblings[other], siblings[index]
    for order, s in enumerate(siblings, 1):
        if s.order != order:
            PowerStep.objects.filter(pk=s.pk).update(order=order)
    note = _unconfirm(step.item)
    change_log(
        item=step.item,
        action=ChangeAction.STEP_MOVE,
        by=by,
        summary=f"“{step.name}”{'上移' if direction == 'up' else '下移'}" + note,
    )
    step.refresh_from_db()
    return step


@transaction.atomic
def step_delete(*, by: User | None, step: PowerStep) -> None:
    """Delete a step with its branches; risk points tied to them are untied, not deleted."""
    item = step.item
    text = _step_text(step)
    n_branches = step.branches.count()
    step.delete()
    note = _unconfirm(item)
    change_log(
        item=item,
        action=ChangeAction.STEP_DELETE,
        by=by,
        summary=text + (f"（连同 {n_branches} 个分支）" if n_branches else "") + note,
    )


@transaction.atomic
def point_tie(*, by: User | None, point: RiskPoint, step: PowerStep | None) -> None:
    """Tie a risk point to the step it arises in (step None unties it)."""
    link = StepRiskLink.objects.filter(point=point).select_related("step__item").first()
    if step is None:
        if link is None:
            return
        item = link.step.item
        link.delete()
        change_log(
            item=item,
            action=ChangeAction.UNTIE,
            by=by,
            summary=f"风险点“{point.description[:40]}”不再关联环节“{link.step.name}”",
        )
        return
    if link is not None and link.step_id == step.pk:
        return
    if link is None:
        link = StepRiskLink(point=point, step=step, tied_by=by)
    else:
        link.step, link.tied_by = step, by
    link.full_clean()
    link.save()
    # Tying records where a risk arises; it does not change the confirmed list.
    change_log(
        item=step.item,
        action=ChangeAction.TIE,
        by=by,
        summary=f"风险点“{point.description[:40]}”关联到环节“{step.name}”",
    )
