"""The quarterly summary's sections: one function per section, each filling its part of
`Summary` from one or a few grouped queries over the whole set of units (the number of queries
does not grow with the number of units or points). `SECTIONS` lists them; `build_summary` runs
them in order."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

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
)
from django.db.models.functions import Coalesce, TruncQuarter
from django.utils import timezone

from access.rules import reads_every_form_in
from reports.quarterly.summary import (
    DEADLINE_BY_STATE,
    UNRATED,
    WHOLE_COUNT,
    Summary,
    quarter_bounds,
    summary_units,
)
from reports.selectors import OPERATOR, Reader, scoped_forms
from riskreg import clock
from risks.enums import RiskCategory, RiskLevel
from risks.models import RiskForm, RiskPoint
from supervision import quarterly as supervision_quarterly
from units.models import Department, Person, Unit
from workflow.enums import FormState, RatingVerdict
from workflow.models import FormDecision, Objection, Rating, RatingWindow, TransitionLog


def _current_forms(scope, units: list[int], year: int) -> QuerySet[RiskForm]:
    """The current version of every form of the units' rounds of the year, as the user sees."""
    newer = RiskForm.objects.filter(previous_version=OuterRef("pk"))
    qs = RiskForm.objects.filter(unit__in=units, round__year=year).exclude(Exists(newer))
    return scope(qs)


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def _forms_at(scope, units: list[int], year: int, cutoff: dt.datetime):
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


@dataclass
class Query:
    """What every section reads: the summary being filled, the units, the reader's scope and
    the quarter's bounds, and the querysets the sections share."""

    s: Summary
    unit: Unit
    units: list[Unit]
    user: Reader
    list_limit: int | None
    lo: dt.datetime
    hi: dt.datetime
    as_of: dt.date
    whole: bool
    # Only per-unit totals are wanted (a page over many units, Summary.by_unit): the tables
    # by department group on the unit alone, a tenth of the rows to sort and read.
    per_unit: bool = False
    key_level1_by_unit: dict[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        year = self.s.year
        # Filters name the units by id: a list of model instances in `unit__in` is normalised
        # to ids again by every queryset clone (a city's summary clones hundreds).
        self.unit_ids = [u.pk for u in self.units]
        self.forms = _current_forms(self.scope, self.unit_ids, year)
        self.form_ids = self.forms.values("pk")
        self.at_end = _forms_at(self.scope, self.unit_ids, year, self.hi)
        # Every version of the units' forms the reader may see (events of the quarter may
        # concern a version that has since been re-rated).
        self.visible_ids = self.scope(RiskForm.objects.filter(unit__in=self.unit_ids)).values("pk")
        self.multi = len(self.units) > 1
        self.state_labels = dict(FormState.choices)
        self.labels = CATEGORY_LABELS
        if self.whole:
            # The current forms' points in one join (the units' forms of the year with no newer
            # version): as `form__in=form_ids` the planner reads the forms twice, hashing every
            # form of a city once for the semi-join and once for the grouping columns.
            newer = RiskForm.objects.filter(previous_version=OuterRef("form_id"))
            points = RiskPoint.objects.filter(
                form__unit__in=self.unit_ids, form__round__year=year
            ).exclude(Exists(newer))
        else:
            points = RiskPoint.objects.filter(form__in=self.form_ids)
        self.points = points.annotate(level=_level())
        self.unit_by_id = {u.pk: u for u in self.units}
        self.departments = {
            d["pk"]: d
            for d in Department.objects.filter(unit__in=self.unit_ids).values("pk", "name", "order")
        }

    def scope(self, qs: QuerySet[RiskForm]) -> QuerySet[RiskForm]:
        """Narrows a form queryset to what the reader may see."""
        return qs if self.whole else scoped_forms(self.user, qs)

    def visible(self, qs: QuerySet, form: str = "form") -> QuerySet:
        """Narrows a queryset of rows of the units' forms (already filtered on
        `<form>__unit__in=units`) to the forms the reader may see. A reader who sees every form
        of the units needs no filter: the semi-join would hash every form of a city again."""
        return qs if self.whole else qs.filter(**{f"{form}__in": self.visible_ids})

    def cut(self, rows):
        return rows if self.list_limit is None else rows[: self.list_limit]

    def dept_order(self, unit_id: int, dept_id: int | None) -> tuple:
        return (
            self.unit_by_id[unit_id].path,
            -1 if dept_id is None else self.departments[dept_id]["order"],
            dept_id or 0,
        )

    def dept_label(self, dept_id: int | None) -> str:
        return dept_name(self.departments[dept_id]["name"] if dept_id else None)


def dept_name(name: str | None) -> str:
    return name or "领导班子"


CATEGORY_LABELS = dict(RiskCategory.choices)
STATE_VALUES = tuple(state.value for state in FormState)
FORM_RELATED = ("form__unit", "form__post__department", "form__department", "form__filler")


def level_change(source: str, p: RiskPoint, old: int, new: int, when, reason: str) -> dict:
    f = p.form
    return {
        "source": source,
        "form_id": f.pk,
        "unit": f.unit.name,
        "department": dept_name(f.department.name if f.department_id else None),
        "subject": f.subject_title,
        "version": f.version,
        "category": CATEGORY_LABELS.get(p.category, p.category),
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


def section_progress(q: Query) -> None:
    """1. Progress by state and department as at the quarter's end (one query)."""
    s = q.s
    at_end = q.at_end
    # 1. progress by state and department as at the quarter's end (one query)
    progress: dict[tuple[str, str], dict] = {}
    if q.per_unit:
        grouped = at_end.values("unit__path", "unit__name", "state_at").order_by("unit__path")
    else:
        grouped = at_end.values(
            "unit__path", "unit__name", "department__order", "department__name", "state_at"
        ).order_by("unit__path", F("department__order").asc(nulls_first=True), "department__name")
    for row in grouped.annotate(n=Count("id")):
        department = dept_name(row.get("department__name"))
        key = (row["unit__path"], department)
        entry = progress.get(key)
        if entry is None:  # (a city has thousands of rows: no dict made per row)
            entry = progress[key] = {
                "unit": row["unit__name"],
                "department": department,
                "counts": dict.fromkeys(STATE_VALUES, 0),
            }
        entry["counts"][row["state_at"]] += row["n"]
    s.progress = list(progress.values())
    for entry in s.progress:
        entry["total"] = sum(entry["counts"].values())
        entry["filed"] = entry["counts"][FormState.FILED]
    s.progress_totals = {
        state.value: sum(e["counts"][state.value] for e in s.progress) for state in FormState
    }


def section_points(q: Query) -> None:
    """2 + 3. Points by level × category and by department (one aggregation)."""
    s = q.s
    dept_order = q.dept_order
    dept_label = q.dept_label
    unit_by_id = q.unit_by_id
    points = q.points
    # 2 + 3 (+ the count of 4). level × category, department × level and the key posts'
    # level-1 points from one aggregation over the points (grouped on ids only: names come
    # from the small unit and department tables).
    by_dept: dict[tuple[int, int | None], dict] = {}
    key_level1_by_unit: dict[int, int] = {}
    # One row per unit, department and level, the categories and the key posts' count as
    # columns: a city has ~3,000 such rows, against ~34,000 grouped by category too.
    per_category = {f"c_{c.value}": Count("id", filter=Q(category=c.value)) for c in RiskCategory}
    category_columns = [(c.value, f"c_{c.value}") for c in RiskCategory]
    level_category = s.level_category
    levels = s.levels
    level_one = RiskLevel.ONE.value
    for row in (
        points.values("form__unit_id", *(() if q.per_unit else ("form__department_id",)), "level")
        .annotate(n=Count("id"), key=Count("id", filter=Q(form__post__is_key=True)), **per_category)
        .order_by()
    ):
        level = row["level"] or UNRATED
        unit_id = row["form__unit_id"]
        if level == level_one and row["key"]:
            key_level1_by_unit[unit_id] = key_level1_by_unit.get(unit_id, 0) + row["key"]
        for category, column in category_columns:
            if n := row[column]:
                key = (level, category)
                level_category[key] = level_category.get(key, 0) + n
        dept_id = row.get("form__department_id")
        entry = by_dept.get((unit_id, dept_id))
        if entry is None:  # (a city has thousands of rows: no dict made per row)
            entry = by_dept[(unit_id, dept_id)] = {
                "unit": unit_by_id[unit_id].name,
                "department": dept_label(dept_id),
                "levels": dict.fromkeys(levels, 0),
                "_order": dept_order(unit_id, dept_id),
            }
        entry["levels"][level] += row["n"]
    s.by_department = sorted(by_dept.values(), key=lambda e: e.pop("_order"))
    for entry in s.by_department:
        entry["total"] = sum(entry["levels"].values())
    s.list_totals["key_level1"] = sum(key_level1_by_unit.values())
    q.key_level1_by_unit = key_level1_by_unit


def section_key_posts(q: Query) -> None:
    """4. Key posts with level-1 points."""
    s = q.s
    units = q.units
    cut = q.cut
    list_limit = q.list_limit
    points = q.points
    key_level1_by_unit = q.key_level1_by_unit
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
            "final_level",
            "form__state",
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
                # drafts and decided levels mix in this list: say which is which
                "decided": row[6] is not None,
                "state": q.state_labels[row[7]],
            }
        )


def section_level_changes(q: Query) -> None:
    """5. Levels raised or lowered in the quarter (decisions, re-ratings)."""
    s = q.s
    cut = q.cut
    list_limit = q.list_limit
    lo = q.lo
    hi = q.hi
    # 5a. levels changed at a collective decision recorded in the quarter (a count and a list)
    decided = FormDecision.objects.filter(
        form=OuterRef("form_id"), decided_at__gte=lo, decided_at__lt=hi
    )
    # (`form__unit__in` repeats what `visible_ids` implies, so that the planner can start from
    # the units' forms instead of walking every form in the list's order)
    changed_at_decision = q.visible(
        RiskPoint.objects.filter(
            form__unit__in=q.unit_ids,
            form__in=FormDecision.objects.filter(decided_at__gte=lo, decided_at__lt=hi).values(
                "form_id"
            ),
            final_level__isnull=False,
        ).exclude(final_level=F("proposed_level"))
    )
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
        decision_changes.select_related(*FORM_RELATED).order_by(
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
        q.visible(RiskPoint.objects.filter(form__unit__in=q.unit_ids))
        .filter(
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
        rerate_changes.select_related(*FORM_RELATED, "form__rerating").order_by(
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


def section_rerated(q: Query) -> None:
    """6. Forms re-rated in the quarter."""
    s = q.s
    scope = q.scope
    cut = q.cut
    lo = q.lo
    hi = q.hi
    # 6. forms re-rated in the quarter: new versions opened in it, with why (one query, and
    # a count when the list is cut)
    rerated = scope(
        RiskForm.objects.filter(
            unit__in=q.unit_ids,
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


def section_objections(q: Query) -> None:
    """7. Objections raised, answered and open."""
    s = q.s
    cut = q.cut
    dept_order = q.dept_order
    dept_label = q.dept_label
    unit_by_id = q.unit_by_id
    lo = q.lo
    hi = q.hi
    as_of = q.as_of
    # 7. objections: raised / answered / upheld in the quarter and open at its end, by
    # department (one grouped query), and the open ones listed (one query). Never who raised.
    objections = q.visible(Objection.objects.filter(form__unit__in=q.unit_ids))
    in_q = Q(raised_at__gte=lo, raised_at__lt=hi)
    answered_q = Q(answered_at__gte=lo, answered_at__lt=hi)
    open_q = Q(raised_at__lt=hi) & (Q(answered_at__isnull=True) | Q(answered_at__gte=hi))
    rows = []
    for row in (
        objections.values("form__unit_id", *(() if q.per_unit else ("form__department_id",)))
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
                "department": dept_label(row.get("form__department_id")),
                "raised": row["raised"],
                "answered": row["answered"],
                "upheld": row["upheld"],
                "open": row["open"],
                "_order": dept_order(row["form__unit_id"], row.get("form__department_id")),
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
        .select_related("point", *FORM_RELATED)
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


def section_ratings(q: Query) -> None:
    """8. Rating participation (counts only)."""
    s = q.s
    lo = q.lo
    hi = q.hi
    visible_ids = q.visible_ids
    whole = q.whole
    # 8. rating participation: windows running in the quarter (one query), their forms,
    # ratings and raters (two grouped queries) and the people in their scope (one query).
    # (a reader who sees every form of the units needs no per-form filter on these tables)
    in_window = RatingWindow.forms.through.objects.all()
    ratings = Rating.objects.all()
    if not whole:
        in_window = in_window.filter(riskform_id__in=visible_ids)
        ratings = ratings.filter(point__form__in=visible_ids)
    windows = list(
        RatingWindow.objects.filter(unit__in=q.unit_ids, opened_at__lt=hi)
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
    people_of_unit: dict[int, int] = {}
    for row in (
        Person.objects.filter(unit__in=q.unit_ids, active=True)
        .values("unit_id", "department_id")
        .annotate(n=Count("id"))
        .order_by()
    ):
        people[(row["unit_id"], row["department_id"])] = row["n"]
        people_of_unit[row["unit_id"]] = people_of_unit.get(row["unit_id"], 0) + row["n"]
    for w in windows:
        t = tallies.get(w.pk, {})
        eligible = (
            people.get((w.unit_id, w.department_id), 0)
            if w.department_id
            else people_of_unit.get(w.unit_id, 0)
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


def section_overdue(q: Query) -> None:
    """9. Forms overdue at the quarter's end."""
    s = q.s
    cut = q.cut
    as_of = q.as_of
    at_end = q.at_end
    state_labels = q.state_labels
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


def section_trend(q: Query) -> None:
    """10. The last four quarters: forms filed and objections raised in each (two grouped
    queries)."""
    s = q.s
    quarters = []
    year, quarter = s.year, s.quarter
    for _ in range(4):
        quarters.append((year, quarter))
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    quarters.reverse()
    first_start, _ = quarter_bounds(*quarters[0])
    lo = _day_start(first_start)
    tz = timezone.get_current_timezone()
    filed = (
        q.visible(TransitionLog.objects.filter(form__unit__in=q.unit_ids))
        .filter(
            to_state=FormState.FILED,
            created_at__gte=lo,
            created_at__lt=q.hi,
        )
        .annotate(period=TruncQuarter("created_at", tzinfo=tz))
        .values("period")
        .annotate(n=Count("id"))
        .order_by()
    )
    raised = (
        q.visible(Objection.objects.filter(form__unit__in=q.unit_ids))
        .filter(raised_at__gte=lo, raised_at__lt=q.hi)
        .annotate(period=TruncQuarter("raised_at", tzinfo=tz))
        .values("period")
        .annotate(n=Count("id"))
        .order_by()
    )

    def by_quarter(rows) -> dict[tuple[int, int], int]:
        out: dict[tuple[int, int], int] = {}
        for row in rows:
            day = row["period"]
            key = (day.year, (day.month - 1) // 3 + 1)
            out[key] = out.get(key, 0) + row["n"]
        return out

    n_filed, n_raised = by_quarter(filed), by_quarter(raised)
    s.trend = [
        {
            "year": y,
            "quarter": qn,
            "filed": n_filed.get((y, qn), 0),
            "objections": n_raised.get((y, qn), 0),
        }
        for y, qn in quarters
    ]


def section_supervision(q: Query) -> None:
    """11. 监督处置: findings, warnings, dispositions, rectification, proposals to raise a level
    (supervision.quarterly, one query)."""
    q.s.supervision = supervision_quarterly.counts(
        units=q.units,
        start=q.s.period_start,
        end=q.s.period_end,
        as_of=q.as_of,
        user=q.user,
        operator=OPERATOR,
    )


# The sections, in the order they are filled: the one place a new section is added (its
# function fills its fields of `Summary`; as_json.as_dict and the templates print them).
SECTIONS = (
    section_progress,
    section_points,
    section_key_posts,
    section_level_changes,
    section_rerated,
    section_objections,
    section_ratings,
    section_overdue,
    section_trend,
    section_supervision,
)


def build_summary(
    *,
    unit: Unit,
    year: int,
    quarter: int,
    with_subunits: bool = False,
    user: Reader = OPERATOR,
    list_limit: int | None = None,
    by_unit_above: int | None = None,
) -> Summary:
    """The summary; `list_limit` cuts the long lists (the totals still count every row).
    Over more than `by_unit_above` units it comes as Summary.by_unit() (one row per unit in the
    tables by department), counted per unit in the database."""
    start, end = quarter_bounds(year, quarter)
    as_of = min(end, clock.today())
    units = summary_units(unit, with_subunits)
    s = Summary(unit, units, year, quarter, with_subunits, start, end, as_of)
    s.list_limit = list_limit
    lo, hi = _day_start(start), _day_start(end + dt.timedelta(days=1))
    # A reader who sees every form of the units (their office, inspector or principal) needs
    # no per-form rule, and the aggregations skip a join over every form.
    whole = user is OPERATOR or reads_every_form_in(user, units)
    per_unit = by_unit_above is not None and len(units) > by_unit_above
    q = Query(s, unit, units, user, list_limit, lo, hi, as_of, whole, per_unit)
    for section in SECTIONS:
        section(q)
    if not q.multi:
        for rows in (s.progress, s.by_department, s.objections_by_department):
            for entry in rows:
                entry["unit"] = unit.name
    return s.by_unit() if per_unit else s
