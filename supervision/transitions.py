"""Every state change of every supervision record as ONE table: (record kind, state, action) →
next state, who may act, whether a reason is needed.

Read it top to bottom to know the whole life of a record: 开具 → 签收 → 反馈 / 整改中 → 销号, or
退回反馈; 逾期 marked by the system; 更正 (with a reason) by 纪检 at any time after issue.
Nothing here writes: supervision.services.record_transition looks the transition up, asks
supervision.access.actor_roles whether the actor holds one of `who`, checks `gates`, then writes.
A source state "" is the creation of the record.
"""

from collections.abc import Callable
from dataclasses import dataclass

from riskreg import clock
from supervision.enums import Action, DispositionKind, RecordKind, State
from workflow.enums import FormState

Check = Callable[[object], str | None]  # None when satisfied, else the message shown

# Roles in which a person acts on a supervision record (supervision.access.actor_roles).
INSPECTOR = "inspector"  # 纪检监督 over the record's unit
RECIPIENT = "recipient"  # the warning's recipient, the disposition's subject
RESPONSIBLE = "responsible"  # an item's responsible person or the head of its department
OFFICE = "integrity_office"  # 廉防办: answers proposals at 集体审定; records findings if allowed
SYSTEM = "system"  # a passed deadline (actor None)

ROLE_LABELS = {
    INSPECTOR: "纪检监督",
    RECIPIENT: "签收人",
    RESPONSIBLE: "整改责任人",
    OFFICE: "廉防办",
    SYSTEM: "系统",
}


@dataclass(frozen=True)
class Transition:
    kind: RecordKind
    source: str
    action: Action
    target: State | Callable[[object], State]
    who: frozenset[str]
    gates: tuple[Check, ...] = ()
    reason_required: bool = False
    style: str = "primary"

    def target_for(self, record) -> State:
        return self.target(record) if callable(self.target) else self.target

    @property
    def label(self) -> str:
        return self.action.label


# ---------------------------------------------------------------- checks


def _past_due(record) -> str | None:
    due = getattr(record, "reply_due", None) or getattr(record, "deadline", None)
    if record.overdue_since is not None:
        return "已标记逾期。"
    if due is None or clock.today() <= due:
        return "尚未超过期限。"
    return None


def _items_closed(record) -> str | None:
    if record.items.exclude(state=State.CLOSED).exists():
        return "尚有整改事项未销号。"
    return None


def _form_in_collective(record) -> str | None:
    if record.form.state != FormState.COLLECTIVE:
        return (
            f"该一览表当前为「{FormState(record.form.state).label}」，"
            "提高等级建议须在其集体审定时答复。"
        )
    return None


def _adopted_level_recorded(record) -> str | None:
    point = record.point
    if point is None or point.final_level is None or point.final_level > record.proposed_level:
        return "集体审定尚未记录不低于建议等级的审定等级，请先记录审定等级，或不予采纳并说明理由。"
    return None


def _form_filed_current(record) -> str | None:
    from risks.models import RiskForm

    if record.form.state != FormState.FILED:
        return "只有已备案的一览表需要启动重新评定；其余一览表在下一次集体审定时答复。"
    if RiskForm.objects.filter(previous_version=record.form).exists():
        return "该一览表已有更新的版本。"
    return None


def _rectification_target(record) -> State:
    if record.kind == DispositionKind.RECTIFICATION:
        return State.IN_PROGRESS
    return State.ACKNOWLEDGED


def _is_rectification(record) -> str | None:
    if record.kind != DispositionKind.RECTIFICATION:
        return "只有责令限期整改需要整改。"
    return None


def _not_rectification(record) -> str | None:
    if record.kind == DispositionKind.RECTIFICATION:
        return "责令限期整改在整改事项全部销号后销号。"
    return None


K = RecordKind
S = State
A = Action
ONLY_INSPECTOR = frozenset({INSPECTOR})
ONLY_RECIPIENT = frozenset({RECIPIENT})
ONLY_RESPONSIBLE = frozenset({RESPONSIBLE})
ONLY_OFFICE = frozenset({OFFICE})
ONLY_SYSTEM = frozenset({SYSTEM})
ALL_STATES = tuple(State)


def _corrections(kind: RecordKind, states) -> tuple[Transition, ...]:
    """更正: 纪检 corrects an issued record at any state, always with a reason."""
    return tuple(
        Transition(kind, state, A.CORRECT, state, ONLY_INSPECTOR, reason_required=True,
                   style="outline-secondary")
        for state in states
    )  # fmt: skip


# fmt: off
TRANSITIONS: tuple[Transition, ...] = (
    # 监督发现: recorded by 纪检
    # 廉防办 too, where the unit's 纪检 allows it (supervision.access.office_records_findings).
    Transition(K.FINDING, "", A.RECORD, S.RECORDED, frozenset({INSPECTOR, OFFICE})),
    *_corrections(K.FINDING, (S.RECORDED,)),
    # 预警: 开具 → 签收 → 反馈 → 销号 (or 退回反馈 → 反馈 again); 逾期 while the reply is owed
    Transition(K.WARNING, "", A.ISSUE, S.ISSUED, ONLY_INSPECTOR),
    Transition(K.WARNING, S.ISSUED, A.ACKNOWLEDGE, S.ACKNOWLEDGED, ONLY_RECIPIENT),
    Transition(K.WARNING, S.ACKNOWLEDGED, A.REPLY, S.REPLIED, ONLY_RECIPIENT,
               reason_required=True),
    Transition(K.WARNING, S.RETURNED, A.REPLY, S.REPLIED, ONLY_RECIPIENT, reason_required=True),
    Transition(K.WARNING, S.REPLIED, A.ACCEPT, S.CLOSED, ONLY_INSPECTOR, style="success"),
    Transition(K.WARNING, S.REPLIED, A.SEND_BACK, S.RETURNED, ONLY_INSPECTOR,
               reason_required=True, style="outline-danger"),
    *(Transition(K.WARNING, s, A.MARK_OVERDUE, s, ONLY_SYSTEM, gates=(_past_due,))
      for s in S.open_warning()),
    *_corrections(K.WARNING, (S.ISSUED, S.ACKNOWLEDGED, S.REPLIED, S.RETURNED, S.CLOSED)),
    # 处置: 开具 → 签收 (责令限期整改: 整改中) → 销号
    Transition(K.DISPOSITION, "", A.ISSUE, S.ISSUED, ONLY_INSPECTOR),
    Transition(K.DISPOSITION, S.ISSUED, A.ACKNOWLEDGE, _rectification_target, ONLY_RECIPIENT),
    Transition(K.DISPOSITION, S.ACKNOWLEDGED, A.CLOSE, S.CLOSED, ONLY_INSPECTOR,
               gates=(_not_rectification,), style="success"),
    Transition(K.DISPOSITION, S.IN_PROGRESS, A.CLOSE, S.CLOSED, ONLY_INSPECTOR,
               gates=(_is_rectification, _items_closed), style="success"),
    *_corrections(K.DISPOSITION, (S.ISSUED, S.ACKNOWLEDGED, S.IN_PROGRESS, S.CLOSED)),
    # 整改事项: 整改中 → 报送进展 → 销号 (or 退回 → 整改中); 逾期 while open past the deadline
    Transition(K.ITEM, "", A.ISSUE, S.IN_PROGRESS, ONLY_INSPECTOR),
    Transition(K.ITEM, S.IN_PROGRESS, A.REPORT, S.REPORTED, ONLY_RESPONSIBLE,
               reason_required=True),
    Transition(K.ITEM, S.REPORTED, A.CLOSE, S.CLOSED, ONLY_INSPECTOR, style="success"),
    Transition(K.ITEM, S.REPORTED, A.SEND_BACK, S.IN_PROGRESS, ONLY_INSPECTOR,
               reason_required=True, style="outline-danger"),
    Transition(K.ITEM, S.IN_PROGRESS, A.MARK_OVERDUE, S.IN_PROGRESS, ONLY_SYSTEM,
               gates=(_past_due,)),
    *_corrections(K.ITEM, (S.IN_PROGRESS, S.REPORTED, S.CLOSED)),
    # 提高等级建议: answered at the form's next 集体审定, or forcing a 重新评定 of a filed form
    Transition(K.PROPOSAL, "", A.ISSUE, S.PENDING, ONLY_INSPECTOR),
    Transition(K.PROPOSAL, S.PENDING, A.ADOPT, S.ACCEPTED, ONLY_OFFICE,
               gates=(_form_in_collective, _adopted_level_recorded), style="success"),
    Transition(K.PROPOSAL, S.PENDING, A.DECLINE, S.DECLINED, ONLY_OFFICE,
               gates=(_form_in_collective,), reason_required=True, style="outline-danger"),
    Transition(K.PROPOSAL, S.PENDING, A.FORCE_RERATE, S.PENDING, ONLY_OFFICE,
               gates=(_form_filed_current,), reason_required=True),
    *_corrections(K.PROPOSAL, (S.PENDING,)),
)
# fmt: on

_BY_KEY: dict[tuple[str, str, str], Transition] = {
    (t.kind, t.source, t.action): t for t in TRANSITIONS
}
assert len(_BY_KEY) == len(TRANSITIONS), "one transition per (kind, state, action)"


def find(kind: str, state: str, action: str) -> Transition | None:
    return _BY_KEY.get((kind, state, action))


def for_action(kind: str, action: str) -> list[Transition]:
    return [t for t in TRANSITIONS if t.kind == kind and t.action == action]


def available(kind: str, state: str) -> list[Transition]:
    return [t for t in TRANSITIONS if t.kind == kind and t.source == state]


def failed_gates(transition: Transition, record) -> list[str]:
    return [msg for check in transition.gates if (msg := check(record))]
