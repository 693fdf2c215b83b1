"""Reads of a form's story as the people in it need it (selectors, scoped by the caller's view
of the form): the last return and what changed since, the 流转记录 with objections and their
answers, and the objections a person raised — anonymous ones included, found through a token
kept with the objection, never through a name.
"""

import hashlib
import hmac
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.utils import timezone

from risks.models import RiskForm
from workflow.enums import Action, FormState
from workflow.models import Objection, TransitionLog

RETURN_ACTIONS = (Action.RETURN_TO_DRAFT, Action.RETURN_FROM_COLLECTIVE)


def raiser_token(user: User | AnonymousUser | None) -> str:
    """Ties an anonymous objection to its raiser's account without naming them: a keyed hash
    of the account, stored with the objection and shown to nobody."""
    if user is None or not user.is_authenticated:
        return ""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"objection-raiser:{user.pk}".encode(), hashlib.sha256).hexdigest()


def objections_raised_by(user: User | AnonymousUser | None) -> list[Objection]:
    """我提出的异议: named and anonymous, newest first, with the form and the answer."""
    token = raiser_token(user)
    if not token:
        return []
    return list(
        Objection.objects.filter(raiser_token=token)
        .select_related("form__unit", "form__post__department", "form__department", "point")
        .order_by("-raised_at", "-id")
    )


def last_return(form: RiskForm) -> TransitionLog | None:
    """The return that put a draft back to its filler, while it is still in 自查填报."""
    if form.state != FormState.DRAFT:
        return None
    entry = form.transition_logs.defer("snapshot").order_by("-created_at", "-id").first()
    return entry if entry is not None and entry.action in RETURN_ACTIONS else None


class _SnapshotMeasures:
    def __init__(self, texts: list[str]):
        self._items = [type("M", (), {"text": t})() for t in texts]

    def all(self) -> list:
        return self._items


@dataclass
class SnapshotPoint:
    """A point as a log row's snapshot holds it, shaped like a RiskPoint for the version diff."""

    category: str
    description: str
    proposed_level: int | None
    final_level: int | None
    measure_texts: list[str] = field(default_factory=list)

    @property
    def measures(self) -> _SnapshotMeasures:
        return _SnapshotMeasures(self.measure_texts)

    def get_category_display(self) -> str:
        from risks.enums import RiskCategory

        try:
            return RiskCategory(self.category).label
        except ValueError:
            return self.category


class SnapshotForm:
    """The form as it was at a log row (its points), for workflow.selectors.version_changes."""

    def __init__(self, form: RiskForm, entry: TransitionLog):
        self.unit = form.unit
        self.version = form.version
        self.entry = entry
        rows = sorted(entry.snapshot.get("points", []), key=lambda p: (p["order"], p["id"]))
        self._points = [
            SnapshotPoint(
                category=p["category"],
                description=p["description"],
                proposed_level=p.get("proposed_level"),
                final_level=None,  # a return clears the decision; compare proposals
                measure_texts=list(p.get("measures", [])),
            )
            for p in rows
        ]

    @property
    def points(self):
        return self

    def all(self) -> list[SnapshotPoint]:
        return self._points


def changes_since_return(form: RiskForm):
    """For the reviewer of a resubmitted form: the last return and the version diff between
    the form as it was returned and as it is now. None when it was never returned."""
    from workflow.selectors import version_changes

    if form.state == FormState.DRAFT:
        return None
    entry = (
        form.transition_logs.filter(action__in=RETURN_ACTIONS)
        .order_by("-created_at", "-id")
        .first()
    )
    if entry is None:
        return None
    returned = SnapshotForm(form, entry)
    rows = version_changes(returned, form)
    return {
        "entry": entry,
        "returned": returned,
        "rows": rows,
        "changed": sum(1 for r in rows if r.changed),
    }


@dataclass
class TimelineEvent:
    """An objection or its answer in the 流转记录, shaped like a TransitionLog row."""

    created_at: object
    actor_name: str
    role_label: str
    label: str
    comment: str
    from_state: str = ""
    to_state: str = ""

    def get_action_display(self) -> str:
        return self.label


def objection_events(form: RiskForm) -> list[TimelineEvent]:
    """Each objection (the raiser's name only when they gave it) and each answer that did not
    uphold it (an upheld one is a transition, already in the log)."""
    events = []
    for o in form.objections.select_related("raised_by", "answered_by", "point").order_by(
        "raised_at", "id"
    ):
        target = f"第 {o.point.order} 个风险点：" if o.point_id else ""
        events.append(
            TimelineEvent(
                created_at=o.raised_at,
                actor_name=o.raised_by.name if o.raised_by_id else "匿名",
                role_label="公示异议",
                label="提出异议",
                comment=target + o.text,
            )
        )
        if o.answered_at and not o.upheld:
            events.append(
                TimelineEvent(
                    created_at=o.answered_at,
                    actor_name=o.answered_by.name if o.answered_by_id else "廉防办",
                    role_label="廉防办",
                    label="答复异议（不成立）",
                    comment=o.answer,
                )
            )
    return events


def form_history(form: RiskForm) -> list:
    """The 流转记录: every transition, with the objections and answers in between."""
    logs = list(form.transition_logs.defer("snapshot").order_by("created_at", "id"))
    return sorted([*logs, *objection_events(form)], key=lambda e: e.created_at)


def objection_opinion_lines(form: RiskForm, *, since=None) -> list[str]:
    """审核意见 lines of the print (seed001): answered objections after `since`, never naming
    an anonymous raiser. An upheld one prints through its transition (公示异议) already."""
    from reports.layouts import cn_date

    lines = []
    answered = form.objections.filter(answered_at__isnull=False, upheld=False)
    for o in answered.select_related("raised_by").order_by("answered_at", "id"):
        if since is not None and o.raised_at < since:
            continue
        who = o.raised_by.name if o.raised_by_id else "匿名"
        day = cn_date(timezone.localtime(o.answered_at).date())
        lines.append(f"公示异议（{who}）：{o.text}；答复：{o.answer}（异议不成立，{day}）")
    return lines
