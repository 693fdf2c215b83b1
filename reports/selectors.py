"""Reads of the reports app, always scoped to a user through access.rules.

A form report is found in `forms_visible_to(user)` or not at all (404). The unit register lists
the risk points of the forms the user may read among the unit's current filed forms; who may
open a unit's register or quarterly summary at all is decided in access.rules
(`can_read_register`, `can_read_quarterly`) from the same org-chart roles.
Every function here issues a fixed number of queries whatever the number of rows.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404

from access import rules as access
from access.rules import can_read_quarterly, can_read_register, forms_visible_to
from reports import layouts
from risks.enums import SubjectKind
from risks.models import Measure, RiskForm, RiskPoint, Round
from units.enums import PostTier
from units.models import Unit
from workflow.enums import FormState
from workflow.models import TransitionLog


class _Operator:
    """The command line (`manage.py export_report`): whoever runs it already holds the
    database, so it reads unscoped. Views never pass it: they always pass request.user."""

    def __repr__(self) -> str:
        return "OPERATOR"


OPERATOR = _Operator()
Reader = User | AnonymousUser | _Operator


def scoped_forms(user: Reader, qs: QuerySet[RiskForm]) -> QuerySet[RiskForm]:
    return qs if user is OPERATOR else forms_visible_to(user, qs)


def _subject_order(prefix: str = "") -> Case:
    """Leadership first, then the leaders' posts, the department form, the head, the staff."""
    return Case(
        When(**{f"{prefix}subject_kind": SubjectKind.LEADERSHIP}, then=Value(0)),
        When(**{f"{prefix}post__tier": PostTier.PRINCIPAL}, then=Value(1)),
        When(**{f"{prefix}post__tier": PostTier.LEADER}, then=Value(2)),
        When(**{f"{prefix}subject_kind": SubjectKind.DEPARTMENT}, then=Value(3)),
        When(**{f"{prefix}post__tier": PostTier.MIDDLE}, then=Value(4)),
        default=Value(5),
        output_field=IntegerField(),
    )


def form_queryset() -> QuerySet[RiskForm]:
    """Forms with everything a printed 一览表 shows, in a fixed number of queries."""
    return RiskForm.objects.select_related(
        "unit", "round", "post", "department__head", "department__supervisor", "filler"
    ).prefetch_related(
        Prefetch(
            "points",
            queryset=RiskPoint.objects.order_by("order", "id").prefetch_related(
                Prefetch("measures", queryset=Measure.objects.order_by("order", "id"))
            ),
        ),
        "signatures",
        "department__power_items",
        Prefetch(
            "transition_logs",
            queryset=TransitionLog.objects.filter(action__in=layouts.REVIEW_LOG_ACTIONS)
            .defer("snapshot")
            .order_by("created_at", "id"),
            to_attr="review_logs",
        ),
    )


def form_for_report(*, user: Reader, pk: int) -> RiskForm:
    """The form if the user may read it, else 404."""
    return get_object_or_404(scoped_forms(user, form_queryset()), pk=pk)


def register_unit(*, user: User | AnonymousUser, code: str) -> Unit:
    """The unit whose register the user asked for, or 404 (unknown or not theirs alike)."""
    unit = Unit.objects.filter(code=code).first()
    if unit is None or not can_read_register(user, unit):
        raise Http404("没有找到该单位的台账。")
    return unit


def summary_unit(*, user: User | AnonymousUser, code: str) -> Unit:
    """The unit of a quarterly summary, or 404. The figures themselves still count only the
    forms the user may read (forms_visible_to)."""
    unit = Unit.objects.filter(code=code).first()
    if unit is None or not can_read_quarterly(user, unit):
        raise Http404("没有找到该单位的汇总。")
    return unit


def register_units(user: User | AnonymousUser) -> list[Unit]:
    """Units whose register the user may open (access.rules.units_with_register)."""
    return list(access.units_with_register(user).order_by("path", "order", "pk"))


def unit_rounds(unit: Unit) -> list[Round]:
    return list(Round.objects.filter(unit=unit).order_by("-year", "-id"))


def default_round(unit: Unit) -> Round | None:
    """The latest round with filed forms, else the latest round."""
    with_filed = (
        Round.objects.filter(unit=unit, forms__state=FormState.FILED)
        .order_by("-year", "-id")
        .first()
    )
    return with_filed or Round.objects.filter(unit=unit).order_by("-year", "-id").first()


def current_filed_forms(*, user: Reader, unit: Unit, round: Round | None) -> QuerySet[RiskForm]:
    """The unit's filed forms of a round that the user may read, newest filed version only
    (a re-rated form's older filed version stays readable on its own, not in the register)."""
    newer_filed = RiskForm.objects.filter(previous_version=OuterRef("pk"), state=FormState.FILED)
    qs = RiskForm.objects.filter(unit=unit, state=FormState.FILED).exclude(Exists(newer_filed))
    qs = qs.filter(round=round) if round is not None else qs.none()
    return scoped_forms(user, qs)


@dataclass(frozen=True)
class RegisterFilters:
    """The register's filters; None means "all"."""

    department_id: int | None = None
    tier: str | None = None  # a PostTier value, or "department" / "leadership" for those forms
    category: str | None = None
    level: int | None = None
    key_post: bool | None = None

    def describe(self, *, unit: Unit, departments: dict[int, str]) -> str:
        from risks.enums import RiskCategory

        parts = []
        if self.department_id:
            parts.append(f"部室：{departments.get(self.department_id, '')}")
        if self.tier:
            parts.append(f"层级：{TIER_FILTER_LABELS.get(self.tier, self.tier)}")
        if self.category:
            parts.append(f"风险类别：{RiskCategory(self.category).label}")
        if self.level:
            parts.append(f"风险等级：{unit.level_label(self.level)}")
        if self.key_post is not None:
            parts.append("重点岗位" if self.key_post else "非重点岗位")
        return "；".join(parts) or "全部"


TIER_FILTER_LABELS = {
    **{t.value: t.label for t in PostTier},
    SubjectKind.DEPARTMENT.value: "部室（集体）",
    SubjectKind.LEADERSHIP.value: "领导班子（集体）",
}


def register_form_ids(*, user: Reader, unit: Unit, round: Round | None) -> list[int]:
    """The ids of the forms whose points the user finds in the register (current_filed_forms),
    in id order: the reader's access answer for the register, also what its cache is keyed by.
    """
    forms = current_filed_forms(user=user, unit=unit, round=round)
    return list(forms.order_by("pk").values_list("pk", flat=True))


def register_points(
    *,
    user: Reader,
    unit: Unit,
    round: Round | None,
    filters: RegisterFilters,
    form_ids: list[int] | None = None,
) -> QuerySet[RiskPoint]:
    """The register's rows: risk points of the current filed forms, filtered, in department
    order, with their form, post, department, filler and measures loaded in advance.
    `form_ids` is register_form_ids(), when the caller has it already."""
    # The form ids are read first, as a list: as a subquery (`form__in=forms.values("pk")`)
    # PostgreSQL estimates the permission OR-conditions and the newer-version anti-join at one
    # row and then joins every risk point of every unit before the semi-join (≈200 ms for a
    # register of 5,000 points in a 50,000-form database). With the ids spelled out it reads
    # only this unit's points through the index on risk point → form. A unit's filed forms
    # of one round are a few hundred, at most a few thousand ids.
    if form_ids is None:
        form_ids = register_form_ids(user=user, unit=unit, round=round)
    # alias(), not annotate(): the paginator's COUNT then needs no join for them.
    qs = RiskPoint.objects.filter(form_id__in=form_ids).alias(
        level=Coalesce("final_level", "proposed_level"),
        subject_order=_subject_order("form__"),
    )
    if filters.department_id:
        qs = qs.filter(form__department_id=filters.department_id)
    if filters.tier in (SubjectKind.DEPARTMENT, SubjectKind.LEADERSHIP):
        qs = qs.filter(form__subject_kind=filters.tier)
    elif filters.tier:
        qs = qs.filter(form__subject_kind=SubjectKind.POST, form__post__tier=filters.tier)
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.level:
        qs = qs.filter(level=filters.level)
    if filters.key_post is not None:
        qs = (
            qs.filter(form__post__is_key=True)
            if filters.key_post
            else qs.exclude(form__post__is_key=True)
        )
    return (
        qs.select_related(
            "form__unit", "form__post", "form__department", "form__filler", "form__round"
        )
        .prefetch_related(Prefetch("measures", queryset=Measure.objects.order_by("order", "id")))
        .order_by(
            F("form__department__order").asc(nulls_first=True),
            "form__department_id",
            "subject_order",
            "form__post__order",
            "form__id",
            "order",
            "id",
        )
    )


def register_cache_key(
    *, unit: Unit, round: Round | None, filters: RegisterFilters, form_ids: list[int]
) -> str:
    """The key of the register's table in the cache (reports.views.register): the filters, the
    reader's access answer (the very forms they may read, register_form_ids) and the last change
    of everything a row shows — each form's own last write (a point, a measure or a step saves
    its form: RiskForm.updated_at, exports.risk_data_stamp's notion), its points' count and
    highest id, and the names and order of its department, post and filler, which change
    without touching the form. Two queries, whatever the size of the register."""
    forms = list(
        RiskForm.objects.filter(pk__in=form_ids)
        .order_by("pk")
        .values_list(
            "pk",
            "updated_at",
            "state",
            "subject_kind",
            "department__name",
            "department__order",
            "post__name",
            "post__tier",
            "post__order",
            "post__is_key",
            "filler__name",
        )
    )
    points = RiskPoint.objects.filter(form_id__in=form_ids).aggregate(n=Count("id"), top=Max("id"))
    stamp = [
        unit.pk,
        unit.level_labels,
        round.pk if round else None,
        asdict(filters),
        forms,
        points,
    ]
    digest = hashlib.sha256(json.dumps(stamp, default=str).encode()).hexdigest()
    return f"reports:register:{digest}"


class KeysFirst:
    """A sorted queryset for django.core.paginator.Paginator that sorts narrow rows: a page is
    one query for the page's primary keys in order (only the joins the ordering needs), then
    the page's rows with everything loaded. Sorting the register's wide joined rows instead
    costs 40 ms on the first page of 5,000 points and 80 ms on the last."""

    def __init__(self, qs: QuerySet) -> None:
        self.qs = qs

    def count(self) -> int:
        return self.qs.count()

    def __getitem__(self, index: slice) -> list:
        if not isinstance(index, slice):
            raise TypeError("KeysFirst is read a page (a slice) at a time.")
        keys = list(self.qs.values_list("pk", flat=True)[index])
        by_key = {row.pk: row for row in self.qs.order_by().filter(pk__in=keys)}
        return [by_key[key] for key in keys]


def volume_forms(*, user: Reader, unit: Unit, round: Round | None) -> list[RiskForm]:
    """The forms of the bound volume (资料汇编), in department order, fully loaded."""
    ids = current_filed_forms(user=user, unit=unit, round=round).values("pk")
    return list(
        form_queryset()
        .filter(pk__in=ids)
        .annotate(subject_order=_subject_order())
        .order_by(
            F("department__order").asc(nulls_first=True),
            "department_id",
            "subject_order",
            "post__order",
            "id",
        )
    )
