"""Who may take each action, as a persona table: every persona tries every action on a record
in the state the action applies to; only the listed ones may (the others: ActionForbidden).
Each attempt is rolled back, so every persona meets the same record."""

import pytest
from django.db import transaction

from supervision import services
from supervision.enums import Action
from tests.supervision.conftest import issue_rectification, issue_warning

PERSONAS = ("staff", "staff2", "head", "leader", "principal", "office", "inspector", "admin",
            "auditor", "outsider")  # fmt: skip


class _Undo(Exception):
    pass


def _may(world, record, action: Action, persona: str, extra: dict | None = None) -> bool:
    fresh = type(record).objects.get(pk=record.pk)
    try:
        with transaction.atomic():
            services.record_transition(
                record=fresh,
                action=action,
                actor=world.users[persona],
                comment="理由",
                extra=extra,
            )
            raise _Undo
    except _Undo:
        return True
    except services.ActionRefused:
        return True  # the role may; the state or a gate said no
    except services.ActionForbidden:
        return False


def _warning(world, state: str):
    warning = issue_warning(world)
    if state in ("acknowledged", "replied"):
        services.record_transition(
            record=warning, action=Action.ACKNOWLEDGE, actor=world.users["staff"]
        )
    if state == "replied":
        services.record_transition(
            record=warning, action=Action.REPLY, actor=world.users["staff"], comment="已整改"
        )
    return warning


def _rectification(world, state: str):
    disposition = issue_rectification(world)
    if state != "issued":
        services.record_transition(
            record=disposition, action=Action.ACKNOWLEDGE, actor=world.users["head"]
        )
    return disposition


def _item(world, state: str):
    item = _rectification(world, "in_progress").items.get()
    if state == "reported":
        services.record_transition(
            record=item, action=Action.REPORT, actor=world.users["staff"], comment="进展"
        )
    return item


def _finding(world, state: str):
    return services.finding_record(
        actor=world.users["inspector"],
        unit=world.unit,
        source="inspection",
        found_on=world.form.created_at.date(),
        text="检查发现问题。",
        subject_kind="unit",
    )


CORRECTION = {"changes": {"text": "更正后的内容。"}}
TABLE = [
    (_warning, "issued", Action.ACKNOWLEDGE, {"staff"}, None),
    (_warning, "acknowledged", Action.REPLY, {"staff"}, None),
    (_warning, "replied", Action.ACCEPT, {"inspector"}, None),
    (_warning, "replied", Action.SEND_BACK, {"inspector"}, None),
    (_warning, "issued", Action.CORRECT, {"inspector"}, {"changes": {"risk_text": "新"}}),
    (_warning, "issued", Action.MARK_OVERDUE, set(), None),  # the system alone
    (_rectification, "issued", Action.ACKNOWLEDGE, {"head"}, None),
    (_rectification, "in_progress", Action.CLOSE, {"inspector"}, None),
    (_item, "in_progress", Action.REPORT, {"staff", "head"}, None),
    (_item, "reported", Action.CLOSE, {"inspector"}, None),
    (_item, "reported", Action.SEND_BACK, {"inspector"}, None),
    (_item, "in_progress", Action.CORRECT, {"inspector"}, CORRECTION),
    (_finding, "recorded", Action.CORRECT, {"inspector"}, CORRECTION),
]


@pytest.mark.parametrize(
    ("build", "state", "action", "allowed", "extra"),
    TABLE,
    ids=[f"{b.__name__[1:]}-{s}-{a.value}" for b, s, a, _, _ in TABLE],
)
def test_who_may_take_each_action(world, build, state, action, allowed, extra):
    record = build(world, state)
    assert record.state == state
    may = {p for p in PERSONAS if _may(world, record, action, p, extra)}
    assert may == allowed
