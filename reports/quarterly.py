"""The quarterly summary for discipline inspection (季度汇总), for a unit and optionally its
sub-units and one quarter:

- progress of the round by phase and department *as at the end of the quarter*, read from the
  workflow's append-only TransitionLog (the last state a form reached before the quarter ended);
- risk points by level × category (a heat map drawn as server-side SVG, so the HTML and the PDF
  show the same chart) and by department, key posts with level-1 points (current versions);
- levels raised or lowered in the quarter: at the collective decision (decided level against the
  proposed one) and in re-rated versions (against the same point of the previous version);
- forms re-rated in the quarter, with the reason (workflow.Rerating);
- objections raised and answered in the quarter, by department, and those still open at its end;
- rating participation (群众评议 windows running in the quarter: forms, ratings, raters counted —
  never who rated);
- overdue forms (waiting at the quarter's end on a phase whose deadline had passed).

Every table is one grouped query over the whole set of units, so the number of queries does not
grow with the number of units or points. Only forms the reader may see count
(access.rules.forms_visible_to); the command line reads unscoped (selectors.OPERATOR).

Supervision (findings, warnings, dispositions, rectification, proposals to raise a level) is
counted by supervision.quarterly (schema 3); "not_yet_available" lists whatever is still not
recorded in the system (nothing at present).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from django.db.models import (
    Case,
    Count,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from access.rules import reads_every_form_in
from reports import excel
from reports.pdf import html_to_pdf, render_print_html
from reports.selectors import OPERATOR, Reader, scoped_forms
from riskreg import clock
from risks.enums import RiskCategory, RiskLevel
from risks.models import RiskForm, RiskPoint
from supervision import quarterly as supervision_quarterly
from units.models import Department, Person, Unit
from workflow.enums import FormState, RatingVerdict
from workflow.models import FormDecision, Objection, Rating, RatingWindow, TransitionLog

SCHEMA = "riskreg.quarterly/3"
# The browser page and the PDF list at most this many rows of each long list (a city's summary
# would otherwise print tens of thousands of key-post points); Excel and JSON list them all.
PAGE_LIST_LIMIT = 100
PDF_LIST_LIMIT = 1000
# What the summary cannot report yet, with the reason (listed, never printed as zero).
# Dispositions are counted since schema 3 (supervision.quarterly).
PENDING: tuple[tuple[str, str, str], ...] = ()
LEVEL_CHANGE_SOURCES = {"decision": "集体审定", "rerate": "重新评定"}
# The deadline a form in each state is waiting on (Round fields).
DEADLINE_BY_STATE = {
    FormState.DRAFT: "self_check_deadline",
    FormState.DEPT_REVIEW: "dept_review_deadline",
    FormState.MASS_REVIEW: "mass_review_deadline",
    FormState.COLLECTIVE: "collective_deadline",
}
UNRATED = 0
# How many rows a listed query has before LIMIT, on every row: a cut list knows its total
# without a second query (so the page's query count does not depend on its rows).
WHOLE_COUNT = Window(Count("id"))


@dataclass
class Summary:
    unit: Unit
    units: list[Unit]
    year: int
    quarter: int
    with_subunits: bool
    period_start: dt.date
    period_end: dt.date  # inclusive
    as_of: dt.date
    progress: list[dict] = field(default_factory=list)
    progress_totals: dict[str, int] = field(default_factory=dict)
    level_category: dict[tuple[int, str], int] = field(default_factory=dict)
    by_department: list[dict] = field(default_factory=list)
    key_level1: list[dict] = field(default_factory=list)
    rerated: list[dict] = field(default_factory=list)
    overdue: list[dict] = field(default_factory=list)
    level_changes: list[dict] = field(default_factory=list)
    objections_by_department: list[dict] = field(default_factory=list)
    objections_totals: dict[str, int] = field(default_factory=dict)
    open_objections: list[dict] = field(default_factory=list)
    rating_windows: list[dict] = field(default_factory=list)
    # The long lists (key posts' level-1 points, level changes, re-rated forms, open objections,
    # overdue forms) hold at most `list_limit` rows when one is set (the browser page, the PDF);
    # `list_totals` always holds how many there are.
    list_limit: int | None = None
    list_totals: dict[str, int] = field(default_factory=dict)
    level_change_counts: dict[str, dict[str, int]] = field(default_factory=dict)
    supervision: dict = field(default_factory=dict)  # supervision.quarterly.counts

    @property
    def title(self) -> str:
        scope = "（含下级单位）" if self.with_subunits else ""
        return f"{self.unit.name}{scope}{self.year}年第{self.quarter}季度廉政风险防控情况汇总"

    @property
    def states(self) -> list[FormState]:
        return list(FormState)

    @property
    def levels(self) -> list[int]:
        return [level.value for level in RiskLevel] + [UNRATED]

    @property
    def categories(self) -> list[RiskCategory]:
        return list(RiskCategory)

    def level_label(self, level: int) -> str:
        return "未定级" if level == UNRATED else self.unit.level_label(level)

    @property
    def pending(self) -> list[dict]:
        return [{"key": key, "label": label, "note": note} for key, label, note in PENDING]

    def level_change_totals(self) -> dict[str, dict[str, int]]:
        """{"decision": {"raised": n, "lowered": n}, "rerate": {…}} (level 1 is the highest),
        counted in the database over every change, listed or not."""
        return self.level_change_counts

    def shortened(self) -> dict[str, dict]:
        """For each long list cut at `list_limit`: how many rows are shown and how many exist."""
        shown = {
            "key_level1": len(self.key_level1),
            "level_changes": len(self.level_changes),
            "rerated": len(self.rerated),
            "open_objections": len(self.open_objections),
            "overdue": len(self.overdue),
        }
        return {
            name: {"shown": n, "total": self.list_totals[name]}
            for name, n in shown.items()
            if self.list_totals.get(name, n) > n
        }

    @property
    def rating_totals(self) -> dict[str, int]:
        keys = ("forms", "points_rated", "ratings", "raters", "agree", "too_high", "too_low")
        return {k: sum(w[k] for w in self.rating_windows) for k in keys}

    @property
    def total_points(self) -> int:
        return sum(self.level_category.values())


def quarter_bounds(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    start = dt.date(year, 3 * (quarter - 1) + 1, 1)
    end = dt.date(year + 1, 1, 1) if quarter == 4 else dt.date(year, 3 * quarter + 1, 1)
    return start, end - dt.timedelta(days=1)


def summary_units(unit: Unit, with_subunits: bool) -> list[Unit]:
    return list(unit.subtree()) if with_subunits else [unit]


def _current_forms(scope, units: list[Unit], year: int) -> QuerySet[RiskForm]:
    """The current version of every form of the units' rounds of the year, as the user sees."""
    newer = RiskForm.objects.filter(previous_version=OuterRef("pk"))
    qs = RiskForm.objects.filter(unit__in=units, round__year=year).exclude(Exists(newer))
    return scope(qs)


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def _forms_at(scope, units: list[Unit], year: int, cutoff: dt.datetime):
    """The version of every form of the units' rounds of the year that was current at `cutoff`,
    with `state_at`: the state the TransitionLog says it was in then. A form with no log at all
    (records made before the workflow existed) counts in its current state.

    Every change of state is logged (workflow.services.form_transition), so for a quarter that
    has not ended yet the state at its end is the current state: no log lookup per form."""
    newer = RiskForm.objects.filter(previous_version=OuterRef("pk"), created_at__lt=cutoff)
    if cutoff > timezone.now():
        return scope(
            RiskForm.objects.filter(unit__in=units, round__year=year, created_at__lt=cutoff)
            .exclude(Exists(newer))
            .annotate(state_at=F("state"))
        )
    last = (
        TransitionLog.objects.filter(form=OuterRef("pk"), created_at__lt=cutoff)
        .order_by("-created_at", "-id")
        .values("to_state")[:1]
    )
    logged = TransitionLog.objects.filter(form=OuterRef("pk"))
    qs = (
        RiskForm.objects.filter(unit__in=units, round__year=year, created_at__lt=cutoff)
        .exclude(Exists(newer))
        .annotate(
            state_at=Coalesce(
                Subquery(last),
                Case(When(Exists(logged), then=Value(FormState.DRAFT.value)), default=F("state")),
            )
        )
    )
    return scope(qs)


def _level(point_prefix: str = "") -> Coalesce:
    return Coalesce(f"{point_prefix}final_level", f"{point_prefix}proposed_level")


def build_summary(
    *,
    unit: Unit,
    year: int,
    quarter: int,
    with_subunits: bool = False,
    user: Reader = OPERATOR,
    list_limit: int | None = None,
) -> Summary:
    """The summary; `list_limit` cuts the long lists (the totals still count every row)."""
    start, end = quarter_bounds(year, quarter)
    as_of = min(end, clock.today())
    units = summary_units(unit, with_subunits)
    s = Summary(unit, units, year, quarter, with_subunits, start, end, as_of)
    s.list_limit = list_limit
    lo, hi = _day_start(start), _day_start(end + dt.timedelta(days=1))
    # A reader who sees every form of the units (their office, inspector or principal) needs
    # no per-form rule, and the aggregations skip a join over every form.
    whole = user is OPERATOR or reads_every_form_in(user, units)

    def scope(qs: QuerySet[RiskForm]) -> QuerySet[RiskForm]:
        """Narrows a form queryset to what the reader may see."""
        return qs if whole else scoped_forms(user, qs)

    forms = _current_forms(scope, units, year)
    form_ids = forms.values("pk")
    at_end = _forms_at(scope, units, year, hi)
    # Every version of the units' forms the reader may see (events of the quarter may concern
    # a version that has since been re-rated).
    visible_ids = scope(RiskForm.objects.filter(unit__in=units)).values("pk")
    multi = len(units) > 1
    state_labels = dict(FormState.choices)

    def cut(rows):
        return rows if list_limit is None else rows[:list_limit]

    def dept_name(name: str | None) -> str:
        return name or "领导班子"

    # 1. progress by state and department as at the quarter's end (one query)
    progress: dict[tuple[str, str], dict] = {}
    for row in (
        at_end.values(
            "unit__path", "unit__name", "department__order", "department__name", "state_at"
        )
        .annotate(n=Count("id"))
        .order_by("unit__path", F("department__order").asc(nulls_first=True), "department__name")
    ):
        key = (row["unit__path"], dept_name(row["department__name"]))
        entry = progress.setdefault(
            key,
            {
                "unit": row["unit__name"],
                "department": dept_name(row["department__name"]),
                "counts": {state.value: 0 for state in FormState},
            },
        )
        entry["counts"][row["state_at"]] += row["n"]
    s.progress = list(progress.values())
    for entry in s.progress:
        entry["total"] = sum(entry["counts"].values())
        entry["filed"] = entry["counts"][FormState.FILED]
    s.progress_totals = {
        state.value: sum(e["counts"][state.value] for e in s.progress) for state in FormState
    }

    points = RiskPoint.objects.filter(form__in=form_ids).annotate(level=_level())
    # 2 + 3 (+ the count of 4). level × category, department × level and the key posts'
    # level-1 points from one aggregation over the points (grouped on ids only: names come
    # from the small unit and department tables).
    unit_by_id = {u.pk: u for u in units}
    departments = {
        d["pk"]: d for d in Department.objects.filter(unit__in=units).values("pk", "name", "order")
    }

    def dept_order(unit_id: int, dept_id: int | None) -> tuple:
        return (
            unit_by_id[unit_id].path,
            -1 if dept_id is None else departments[dept_id]["order"],
            dept_id or 0,
        )

    def dept_label(dept_id: int | None) -> str:
        return dept_name(departments[dept_id]["name"] if dept_id else None)

    by_dept: dict[tuple[int, int | None], dict] = {}
    key_level1_by_unit: dict[int, int] = {}
    # One row per unit, department and level, the categories and the key posts' count as
    # columns: a city has ~3,000 such rows, against ~34,000 grouped by category too.
    per_category = {f"c_{c.value}": Count("id", filter=Q(category=c.value)) for c in RiskCategory}
    for row in (
        points.values("form__unit_id", "form__department_id", "level")
        .annotate(n=Count("id"), key=Count("id", filter=Q(form__post__is_key=True)), **per_category)
        .order_by()
    ):
        level = row["level"] or UNRATED
        unit_id = row["form__unit_id"]
        if level == RiskLevel.ONE and row["key"]:
            key_level1_by_unit[unit_id] = key_level1_by_unit.get(unit_id, 0) + row["key"]
        for c in RiskCategory:
            if row[f"c_{c.value}"]:
                key = (level, c.value)
                s.level_category[key] = s.level_category.get(key, 0) + row[f"c_{c.value}"]
        dept_id = row["form__department_id"]
        entry = by_dept.setdefault(
            (unit_id, dept_id),
            {
                "unit": unit_by_id[unit_id].name,
                "department": dept_label(dept_id),
                "levels": {lv: 0 for lv in s.levels},
                "_order": dept_order(unit_id, dept_id),
            },
        )
        entry["levels"][level] += row["n"]
    s.by_department = sorted(by_dept.values(), key=lambda e: e.pop("_order"))
    for entry in s.by_department:
        entry["total"] = sum(entry["levels"].values())
    s.list_totals["key_level1"] = sum(key_level1_by_unit.values())

    # 4. key posts with level-1 points (one query; plain values, no model instances). A cut
    # list reads only the first units (in the list's order) that hold enough rows to fill it.
    labels = dict(RiskCategory.choices)
    listed_units, room = [], list_limit
    for u in units if list_limit is not None else ():
        if room > 0 and key_level1_by_unit.get(u.pk):
            listed_units.append(u.pk)
            room -= key_level1_by_unit[u.pk]
    key_points = points.filter(level=RiskLevel.ONE, form__post__is_key=True)
    if listed_units:
        key_points = key_points.filter(form__unit__in=listed_units)
    # (every list below is read even when its count is 0: the page's queries stay the same
    # whatever the data)
    for row in cut(
        key_points.order_by(
            "form__unit__path",
            F("form__department__order").asc(nulls_first=True),
            "form__post__order",
            "form_id",
            "order",
        ).values_list(
            "form__unit__name",
            "form__department__name",
            "form__post__name",
            "form__filler__name",
            "category",
            "description",
        )
    ):
        s.key_level1.append(
            {
                "unit": row[0],
                "department": dept_name(row[1]),
                "post": row[2],
                "person": row[3] or "",
                "category": labels[row[4]],
                "description": row[5],
            }
        )

    form_related = ("form__unit", "form__post__department", "form__department", "form__filler")

    def level_change(source: str, p: RiskPoint, old: int, new: int, when, reason: str) -> dict:
        f = p.form
        return {
            "source": source,
            "form_id": f.pk,
            "unit": f.unit.name,
            "department": dept_name(f.department.name if f.department_id else None),
            "subject": f.subject_title,
            "version": f.version,
            "category": labels.get(p.category, p.category),
            "description": p.description,
            "from_level": old,
            "to_level": new,
            # Level 1 is the highest risk: a smaller number is a raised level.
            "direction": "raised" if new < old else "lowered",
            "date": timezone.localtime(when).date().isoformat(),
            "reason": reason,
        }

    def count_changes(qs, old: str, new: str) -> dict[str, int]:
        """Raised and lowered in one aggregation (level 1 is the highest: raised = smaller)."""
        return qs.aggregate(
            raised=Count("id", filter=Q(**{f"{new}__lt": F(old)})),
            lowered=Count("id", filter=Q(**{f"{new}__gt": F(old)})),
        )

    # 5a. levels changed at a collective decision recorded in the quarter (a count and a list)
    decided = FormDecision.objects.filter(
        form=OuterRef("form_id"), decided_at__gte=lo, decided_at__lt=hi
    )
    # (`form__unit__in` repeats what `visible_ids` implies, so that the planner can start from
    # the units' forms instead of walking every form in the list's order)
    changed_at_decision = RiskPoint.objects.filter(
        form__unit__in=units,
        form__in=FormDecision.objects.filter(
            form__in=visible_ids, decided_at__gte=lo, decided_at__lt=hi
        ).values("form_id"),
        final_level__isnull=False,
    ).exclude(final_level=F("proposed_level"))
    # (every point counted has a decision in the quarter: its form was picked by one; the
    # list adds the date of the latest)
    s.level_change_counts["decision"] = count_changes(
        changed_at_decision, "proposed_level", "final_level"
    )
    decision_changes = changed_at_decision.annotate(
        decided_at=Subquery(
            decided.order_by("-decided_at", "-id").values("decided_at")[:1],
            output_field=DateTimeField(),
        )
    )
    decision_total = sum(s.level_change_counts["decision"].values())
    for p in cut(
        decision_changes.select_related(*form_related).order_by(
            "form__unit__path", "decided_at", "form_id", "order", "id"
        )
    ):
        s.level_changes.append(
            level_change(
                "decision", p, p.proposed_level, p.final_level, p.decided_at, p.final_reason
            )
        )

    # 5b. re-rated versions opened in the quarter against the same point of the previous
    # version (matched by position; a count and a list)
    previous = RiskPoint.objects.filter(
        form=OuterRef("form__previous_version_id"), order=OuterRef("order")
    ).annotate(lv=_level())
    rerate_changes = (
        RiskPoint.objects.filter(
            form__unit__in=units,
            form__in=visible_ids,
            form__previous_version__isnull=False,
            form__created_at__gte=lo,
            form__created_at__lt=hi,
        )
        .annotate(
            level=_level(),
            previous_level=Subquery(previous.values("lv")[:1], output_field=IntegerField()),
        )
        .filter(previous_level__isnull=False, level__isnull=False)
        .exclude(level=F("previous_level"))
    )
    s.level_change_counts["rerate"] = count_changes(rerate_changes, "previous_level", "level")
    rerate_total = sum(s.level_change_counts["rerate"].values())
    s.list_totals["level_changes"] = decision_total + rerate_total
    for p in cut(
        rerate_changes.select_related(*form_related, "form__rerating").order_by(
            "form__unit__path", "form__created_at", "form_id", "order", "id"
        )
    ):
        rerating = getattr(p.form, "rerating", None)
        s.level_changes.append(
            level_change(
                "rerate",
                p,
                p.previous_level,
                p.level,
                p.form.created_at,
                rerating.reason if rerating else "",
            )
        )

    if list_limit is not None:  # each source was cut at the limit: so is the whole
        s.level_changes = s.level_changes[:list_limit]

    # 6. forms re-rated in the quarter: new versions opened in it, with why (one query, and
    # a count when the list is cut)
    rerated = scope(
        RiskForm.objects.filter(
            unit__in=units,
            previous_version__isnull=False,
            created_at__gte=lo,
            created_at__lt=hi,
        ),
    )
    rerated_total = 0
    for f in cut(
        rerated.select_related(
            "unit", "post__department", "department", "filler", "round", "rerating"
        )
        .annotate(n_all=WHOLE_COUNT)
        .order_by("unit__path", "created_at", "id")
    ):
        rerated_total = f.n_all
        rerating = getattr(f, "rerating", None)
        s.rerated.append(
            {
                "form_id": f.pk,
                "unit": f.unit.name,
                "subject": f.subject_title,
                "version": f.version,
                "state": f.get_state_display(),
                "opened": timezone.localtime(f.created_at).date().isoformat(),
                "reason_kind": rerating.get_reason_kind_display() if rerating else "",
                "reason": rerating.reason if rerating else "",
            }
        )
    s.list_totals["rerated"] = rerated_total

    # 7. objections: raised / answered / upheld in the quarter and open at its end, by
    # department (one grouped query), and the open ones listed (one query). Never who raised.
    objections = Objection.objects.filter(form__unit__in=units, form__in=visible_ids)
    in_q = Q(raised_at__gte=lo, raised_at__lt=hi)
    answered_q = Q(answered_at__gte=lo, answered_at__lt=hi)
    open_q = Q(raised_at__lt=hi) & (Q(answered_at__isnull=True) | Q(answered_at__gte=hi))
    rows = []
    for row in (
        objections.values("form__unit_id", "form__department_id")
        .annotate(
            raised=Count("id", filter=in_q),
            answered=Count("id", filter=answered_q),
            upheld=Count("id", filter=answered_q & Q(upheld=True)),
            open=Count("id", filter=open_q),
        )
        .order_by()
    ):
        if not (row["raised"] or row["answered"] or row["open"]):
            continue
        rows.append(
            {
                "unit": unit_by_id[row["form__unit_id"]].name,
                "department": dept_label(row["form__department_id"]),
                "raised": row["raised"],
                "answered": row["answered"],
                "upheld": row["upheld"],
                "open": row["open"],
                "_order": dept_order(row["form__unit_id"], row["form__department_id"]),
            }
        )
    s.objections_by_department = sorted(rows, key=lambda e: e.pop("_order"))
    s.objections_totals = {
        k: sum(r[k] for r in s.objections_by_department)
        for k in ("raised", "answered", "upheld", "open")
    }
    s.list_totals["open_objections"] = s.objections_totals["open"]
    for o in cut(
        objections.filter(open_q)
        .select_related("point", *form_related)
        .order_by("form__unit__path", "raised_at", "id")
    ):
        f = o.form
        raised_on = timezone.localtime(o.raised_at).date()
        s.open_objections.append(
            {
                "form_id": f.pk,
                "unit": f.unit.name,
                "department": dept_name(f.department.name if f.department_id else None),
                "subject": f.subject_title,
                "point": o.point.description if o.point_id else "",
                "text": o.text,
                "raised": raised_on.isoformat(),
                "days_open": (as_of - raised_on).days,
            }
        )

    # 8. rating participation: windows running in the quarter (one query), their forms,
    # ratings and raters (two grouped queries) and the people in their scope (one query).
    # (a reader who sees every form of the units needs no per-form filter on these tables)
    in_window = RatingWindow.forms.through.objects.all()
    ratings = Rating.objects.all()
    if not whole:
        in_window = in_window.filter(riskform_id__in=visible_ids)
        ratings = ratings.filter(point__form__in=visible_ids)
    windows = list(
        RatingWindow.objects.filter(unit__in=units, opened_at__lt=hi)
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=lo))
        .filter(Exists(in_window.filter(ratingwindow_id=OuterRef("pk"))))
        .select_related("unit", "department")
        .order_by("unit__path", "opened_at", "id")
    )
    window_ids = [w.pk for w in windows]
    n_forms = dict(
        in_window.filter(ratingwindow_id__in=window_ids)
        .values("ratingwindow_id")
        .annotate(n=Count("id"))
        .values_list("ratingwindow_id", "n")
    )
    tallies = {
        row["window_id"]: row
        for row in ratings.filter(window_id__in=window_ids)
        .values("window_id")
        .annotate(
            ratings=Count("id"),
            raters=Count("rater_id", distinct=True),
            points_rated=Count("point_id", distinct=True),
            **{
                verdict.value: Count("id", filter=Q(verdict=verdict.value))
                for verdict in RatingVerdict
            },
        )
        .order_by()
    }
    people: dict[tuple[int, int | None], int] = {}
    for row in (
        Person.objects.filter(unit__in=units, active=True)
        .values("unit_id", "department_id")
        .annotate(n=Count("id"))
        .order_by()
    ):
        people[(row["unit_id"], row["department_id"])] = row["n"]
    for w in windows:
        t = tallies.get(w.pk, {})
        eligible = (
            people.get((w.unit_id, w.department_id), 0)
            if w.department_id
            else sum(n for (u, _d), n in people.items() if u == w.unit_id)
        )
        s.rating_windows.append(
            {
                "unit": w.unit.name,
                "scope": w.department.name if w.department_id else "全单位",
                "opened": timezone.localtime(w.opened_at).date().isoformat(),
                "deadline": timezone.localtime(w.deadline).date().isoformat(),
                "closed": timezone.localtime(w.closed_at).date().isoformat()
                if w.closed_at
                else None,
                "forms": n_forms.get(w.pk, 0),
                "points_rated": t.get("points_rated", 0),
                "ratings": t.get("ratings", 0),
                "raters": t.get("raters", 0),
                "people_in_scope": eligible,
                "agree": t.get(RatingVerdict.AGREE.value, 0),
                "too_high": t.get(RatingVerdict.TOO_HIGH.value, 0),
                "too_low": t.get(RatingVerdict.TOO_LOW.value, 0),
            }
        )

    # 9. overdue: waiting at the quarter's end on a phase whose deadline had passed (one query)
    overdue_q = Q(pk__in=[])
    for state, deadline in DEADLINE_BY_STATE.items():
        overdue_q |= Q(state_at=state, **{f"round__{deadline}__lt": as_of})
    overdue = at_end.filter(overdue_q)
    overdue_total = 0
    for f in cut(
        overdue.select_related("unit", "round", "post__department", "department", "filler")
        .annotate(n_all=WHOLE_COUNT)
        .order_by("unit__path", F("department__order").asc(nulls_first=True), "post__order", "id")
    ):
        overdue_total = f.n_all
        deadline = getattr(f.round, DEADLINE_BY_STATE[f.state_at])
        s.overdue.append(
            {
                "form_id": f.pk,
                "unit": f.unit.name,
                "round": f.round.title,
                "department": dept_name(f.department.name if f.department_id else None),
                "subject": f.subject_title,
                "state": state_labels[f.state_at],
                "deadline": deadline.isoformat(),
                "days_overdue": (as_of - deadline).days,
            }
        )
    s.list_totals["overdue"] = overdue_total
    s.supervision = supervision_quarterly.counts(
        units=units, start=start, end=end, as_of=as_of, user=user, operator=OPERATOR
    )
    if not multi:
        for rows in (s.progress, s.by_department, s.objections_by_department):
            for entry in rows:
                entry["unit"] = unit.name
    return s


# ---------------------------------------------------------------- charts (SVG)


def heatmap_svg(s: Summary) -> str:
    """Level × category as an SVG heat map: darker red = more points. Text is real text."""
    cats = s.categories
    levels = s.levels
    cell_w, cell_h, left, top = 56, 26, 56, 36
    width, height = left + cell_w * len(cats) + 4, top + cell_h * len(levels) + 4
    peak = max(s.level_category.values(), default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart heatmap" role="img" '
        f'aria-label="风险等级×风险类别热力图" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" font-family="Noto Sans CJK SC, sans-serif">'
    ]
    for i, cat in enumerate(cats):
        # Category names of up to six characters, on two lines of three.
        x = left + i * cell_w + cell_w / 2
        label = cat.label
        lines = (
            [label]
            if len(label) <= 4
            else [label[: (len(label) + 1) // 2], label[(len(label) + 1) // 2 :]]
        )
        for k, part in enumerate(lines):
            y = top - 6 - 12 * (len(lines) - 1 - k)
            parts.append(
                f'<text x="{x}" y="{y}" font-size="10" text-anchor="middle">{escape(part)}</text>'
            )
    for j, level in enumerate(levels):
        y = top + j * cell_h
        parts.append(
            f'<text x="{left - 6}" y="{y + cell_h / 2 + 4}" font-size="11" '
            f'text-anchor="end">{escape(s.level_label(level))}</text>'
        )
        for i, cat in enumerate(cats):
            n = s.level_category.get((level, cat.value), 0)
            alpha = 0.08 + 0.85 * n / peak if n else 0
            fill = f"rgba(143,29,33,{alpha:.2f})" if n else "#ffffff"
            colour = "#ffffff" if n and n / peak > 0.55 else "#000000"
            x = left + i * cell_w
            parts.append(
                f'<rect x="{x}" y="{y}" width="{cell_w}" height="{cell_h}" fill="{fill}" '
                f'stroke="#999" stroke-width="0.5"/>'
            )
            if n:
                parts.append(
                    f'<text x="{x + cell_w / 2}" y="{y + cell_h / 2 + 4}" font-size="11" '
                    f'text-anchor="middle" fill="{colour}">{n}</text>'
                )
    parts.append("</svg>")
    return "".join(parts)


STATE_COLOURS = {
    FormState.DRAFT: "#d9d9d9",
    FormState.DEPT_REVIEW: "#f6c177",
    FormState.MASS_REVIEW: "#9ccfd8",
    FormState.COLLECTIVE: "#7aa2f7",
    FormState.PUBLIC_NOTICE: "#c4a7e7",
    FormState.FILED: "#2e7d32",
}


def progress_svg(s: Summary) -> str:
    """One stacked bar per department: the share of its forms in each state, with a legend."""
    rows = s.progress
    label_w, bar_w, row_h, legend_h = 150, 360, 20, 24
    width = label_w + bar_w + 50
    height = legend_h + row_h * max(1, len(rows)) + 4
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart progress-chart" role="img" '
        f'aria-label="各部室进度" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" font-family="Noto Sans CJK SC, sans-serif" font-size="10">'
    ]
    x = 0
    for state in FormState:
        parts.append(
            f'<rect x="{x}" y="4" width="10" height="10" fill="{STATE_COLOURS[state]}"/>'
            f'<text x="{x + 13}" y="13">{escape(state.label)}</text>'
        )
        x += 13 + 11 * len(state.label) + 12
    for j, entry in enumerate(rows):
        y = legend_h + j * row_h
        name = (
            entry["department"] if len(s.units) == 1 else f"{entry['unit']}·{entry['department']}"
        )
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end">{escape(name[:16])}</text>'
        )
        total = entry["total"] or 1
        x = label_w
        for state in FormState:
            n = entry["counts"][state.value]
            if not n:
                continue
            w = bar_w * n / total
            parts.append(
                f'<rect x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}" '
                f'fill="{STATE_COLOURS[state]}"><title>{escape(state.label)} {n}</title></rect>'
            )
            x += w
        pct = round(100 * entry["filed"] / total)
        parts.append(f'<text x="{label_w + bar_w + 6}" y="{y + 13}">{pct}%</text>')
    parts.append("</svg>")
    return "".join(parts)


# ---------------------------------------------------------------- outputs


def as_dict(s: Summary) -> dict:
    """The JSON document for upstream systems (schema in README, "季度汇总 JSON")."""
    return {
        "schema": SCHEMA,
        "unit": {"code": s.unit.code, "name": s.unit.name},
        "with_subunits": s.with_subunits,
        "units": [{"code": u.code, "name": u.name} for u in s.units],
        "year": s.year,
        "quarter": s.quarter,
        "period": {"start": s.period_start.isoformat(), "end": s.period_end.isoformat()},
        "as_of": s.as_of.isoformat(),
        "generated_at": timezone.localtime().isoformat(timespec="seconds"),
        "states": [{"code": st.value, "label": st.label} for st in s.states],
        "progress": [
            {
                "unit": e["unit"],
                "department": e["department"],
                "counts": e["counts"],
                "total": e["total"],
                "filed": e["filed"],
            }
            for e in s.progress
        ],
        "progress_totals": s.progress_totals,
        "levels": [
            {"level": None if lv == UNRATED else lv, "label": s.level_label(lv)} for lv in s.levels
        ],
        "categories": [{"code": c.value, "label": c.label} for c in s.categories],
        "points_by_level_category": [
            {"level": None if lv == UNRATED else lv, "category": cat, "count": n}
            for (lv, cat), n in sorted(s.level_category.items())
        ],
        "points_total": s.total_points,
        "points_by_department": [
            {
                "unit": e["unit"],
                "department": e["department"],
                "level_1": e["levels"][1],
                "level_2": e["levels"][2],
                "level_3": e["levels"][3],
                "unrated": e["levels"][UNRATED],
                "total": e["total"],
            }
            for e in s.by_department
        ],
        "key_posts_level_1": s.key_level1,
        "level_changes": s.level_changes,
        "level_changes_totals": s.level_change_totals(),
        "rerated_forms": s.rerated,
        "objections": {
            **s.objections_totals,
            "by_department": s.objections_by_department,
            "open_items": s.open_objections,
        },
        "rating_windows": s.rating_windows,
        "rating_totals": s.rating_totals,
        "overdue_forms": s.overdue,
        "supervision": supervision_quarterly.as_json(s.supervision),
        "not_yet_available": [p["key"] for p in s.pending],
        "notes": {p["key"]: p["note"] for p in s.pending},
    }


def template_context(s: Summary) -> dict:
    grid = [
        (s.level_label(level), [s.level_category.get((level, c.value), 0) for c in s.categories])
        for level in s.levels
    ]
    return {
        "s": s,
        "grid": grid,
        "heatmap": heatmap_svg(s),
        "progress_chart": progress_svg(s),
        "level_headers": [s.level_label(level) for level in s.levels],
        "dept_rows": [
            (e["unit"], e["department"], [e["levels"][lv] for lv in s.levels], e["total"])
            for e in s.by_department
        ],
        "progress_rows": [
            (e["unit"], e["department"], [e["counts"][st.value] for st in s.states], e["total"])
            for e in s.progress
        ],
        "progress_totals": [s.progress_totals[st.value] for st in s.states],
        "level_change_rows": level_change_rows(s),
        "level_change_totals": s.level_change_totals(),
        "shortened": s.shortened(),
        "supervision_groups": supervision_quarterly.table_groups(s.supervision),
    }


def level_change_rows(s: Summary) -> list[list]:
    """The level changes as table rows (the same in HTML, PDF and Excel)."""
    return [
        [
            LEVEL_CHANGE_SOURCES[r["source"]],
            r["unit"],
            r["department"],
            r["subject"],
            r["description"],
            s.level_label(r["from_level"]),
            s.level_label(r["to_level"]),
            "上调" if r["direction"] == "raised" else "下调",
            r["date"],
            r["reason"],
        ]
        for r in s.level_changes
    ]


LEVEL_CHANGE_HEADERS = [
    "环节",
    "单位",
    "部室",
    "对象",
    "风险点",
    "原等级",
    "新等级",
    "调整",
    "日期",
    "理由",
]


# The workbook's list sheets: (sheet, title, [(header, width, key of the row dict)]).
LIST_SHEETS = (
    ("重点岗位一级风险", "重点岗位一级风险点", "key_level1", [
        ("单位", 18, "unit"), ("部室", 14, "department"), ("岗位", 16, "post"),
        ("姓名", 10, "person"), ("风险类别", 10, "category"), ("风险点", 50, "description"),
    ]),
    ("重新评定", "本季度重新评定的一览表", "rerated", [
        ("编号", 8, "form_id"), ("单位", 18, "unit"), ("对象", 30, "subject"),
        ("版本", 6, "version"), ("状态", 10, "state"), ("开启日期", 12, "opened"),
        ("原因", 16, "reason_kind"), ("说明", 40, "reason"),
    ]),
    ("未答复异议", "季末尚未答复的异议", "open_objections", [
        ("编号", 8, "form_id"), ("单位", 18, "unit"), ("部室", 14, "department"),
        ("对象", 26, "subject"), ("风险点", 30, "point"), ("异议内容", 40, "text"),
        ("提出日期", 12, "raised"), ("已等待天数", 10, "days_open"),
    ]),
    ("逾期", "逾期未完成的一览表", "overdue", [
        ("编号", 8, "form_id"), ("单位", 18, "unit"), ("部室", 14, "department"),
        ("对象", 30, "subject"), ("所处环节", 10, "state"), ("截止日期", 12, "deadline"),
        ("逾期天数", 9, "days_overdue"),
    ]),
)  # fmt: skip
RATING_COLUMNS = (
    ("单位", 18, "unit"), ("范围", 14, "scope"), ("开始", 11, "opened"), ("截止", 11, "deadline"),
    ("结束", 11, "closed"), ("一览表", 8, "forms"), ("被评风险点", 10, "points_rated"),
    ("评议意见", 9, "ratings"), ("参评人数", 9, "raters"), ("范围内人数", 10, "people_in_scope"),
    ("同意", 7, "agree"), ("偏高", 7, "too_high"), ("偏低", 7, "too_low"),
)  # fmt: skip


def workbook(s: Summary) -> bytes:
    """One sheet per table, numbers as numbers."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    subtitle = f"统计期间：{s.period_start} 至 {s.period_end}；截至 {s.as_of}"

    def sheet(name: str, title: str, headers, widths, rows, note: str = "") -> None:
        excel.write_table(
            wb.create_sheet(name),
            title=f"{s.title}·{title}",
            subtitle=subtitle + note,
            headers=list(headers),
            widths=list(widths),
            rows=rows,
        )

    lists = {name: (title, key, columns) for name, title, key, columns in LIST_SHEETS}

    def list_sheet(name: str) -> None:
        title, key, columns = lists[name]
        headers, widths, keys = zip(*columns, strict=True)
        sheet(name, title, headers, widths, [[r[k] for k in keys] for r in getattr(s, key)])

    sheet(
        "进度",
        "进度",
        ["单位", "部室", *[st.label for st in s.states], "合计"],
        [18, 14, *[9] * len(s.states), 8],
        [
            [e["unit"], e["department"], *[e["counts"][st.value] for st in s.states], e["total"]]
            for e in s.progress
        ],
    )
    grid = [[s.level_category.get((lv, c.value), 0) for c in s.categories] for lv in s.levels]
    sheet(
        "等级×类别",
        "风险等级×风险类别",
        ["风险等级", *[c.label for c in s.categories], "合计"],
        [10, *[10] * len(s.categories), 8],
        [[s.level_label(lv), *row, sum(row)] for lv, row in zip(s.levels, grid, strict=True)],
    )
    sheet(
        "按部室",
        "各部室风险点",
        ["单位", "部室", *[s.level_label(lv) for lv in s.levels], "合计"],
        [18, 14, *[8] * len(s.levels), 8],
        [
            [e["unit"], e["department"], *[e["levels"][lv] for lv in s.levels], e["total"]]
            for e in s.by_department
        ],
    )
    list_sheet("重点岗位一级风险")
    sheet(
        "等级调整",
        "本季度风险等级上调、下调",
        LEVEL_CHANGE_HEADERS,
        [10, 18, 14, 26, 40, 8, 8, 6, 12, 40],
        level_change_rows(s),
    )
    list_sheet("重新评定")
    t = s.objections_totals
    counts = ("raised", "answered", "upheld", "open")
    sheet(
        "异议",
        "异议提出与答复",
        ["单位", "部室", "本季度提出", "本季度答复", "其中异议成立", "季末未答复"],
        [18, 14, 11, 11, 12, 11],
        [
            *[
                [r["unit"], r["department"], *[r[k] for k in counts]]
                for r in s.objections_by_department
            ],
            ["合计", "", *[t[k] for k in counts]],
        ],
    )
    list_sheet("未答复异议")
    headers, widths, keys = zip(*RATING_COLUMNS, strict=True)
    rt = s.rating_totals
    sheet(
        "群众评议",
        "群众评议参与情况",
        headers,
        widths,
        [
            *[
                [{**w, "closed": w["closed"] or "进行中"}[k] for k in keys]
                for w in s.rating_windows
            ],
            ["合计", *[rt.get(k, "") for k in keys[1:]]],
        ],
        note="（只统计人数与意见数，不含评议人姓名）",
    )
    list_sheet("逾期")
    sheet("监督处置", "监督发现、预警与处置", ["事项", "数量"], [30, 10],
          supervision_quarterly.table_rows(s.supervision))  # fmt: skip
    sheet(
        "未统计事项",
        "未统计事项",
        ["事项", "说明"],
        [40, 70],
        [[p["label"], p["note"]] for p in s.pending],
    )
    return excel.workbook_bytes(wb)


def render(s: Summary, *, fmt: str) -> bytes:
    if fmt == "json":
        return json.dumps(as_dict(s), ensure_ascii=False, indent=2).encode("utf-8")
    if fmt == "xlsx":
        return workbook(s)
    if fmt == "pdf":
        html = render_print_html(
            "reports/print/quarterly.html", {**template_context(s), "doc_title": s.title}
        )
        return html_to_pdf(html)
    raise ValueError(f"季度汇总不支持格式 {fmt}")


def list_limit_for(fmt: str) -> int | None:
    """How many rows of each long list a format shows: all of them in Excel and JSON."""
    return {"html": PAGE_LIST_LIMIT, "pdf": PDF_LIST_LIMIT}.get(fmt)


def filename(s: Summary, fmt: str) -> str:
    return f"{s.title}.{fmt}"


def render_for_job(*, job, progress) -> tuple[bytes, str]:
    """Background job entry (reports.services.report_job_run)."""
    params = job.params
    progress(20, "正在统计")
    s = build_summary(
        unit=job.unit,
        year=params["year"],
        quarter=params["quarter"],
        with_subunits=params.get("with_subunits", False),
        user=job.requested_by,
        list_limit=list_limit_for(job.format),
    )
    progress(60, "正在生成文件")
    return render(s, fmt=job.format), filename(s, job.format)
