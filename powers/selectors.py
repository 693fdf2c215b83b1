"""Every read of the power list, scoped to a user (powers.access), with the queries fixed
whatever the number of items: select_related / prefetch_related throughout."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404

from access.rules import forms_visible_to
from powers import access
from powers.charts import ChartPoint, NetworkDepartment
from powers.enums import KIND_LIBRARY_WORDS, StandardKind
from powers.models import PowerChange, PowerItem, PowerStep, StepRiskLink, UnitPowerKind
from reports.selectors import OPERATOR
from risks.models import LibraryEntry, RiskForm
from units.models import Unit

Reader = User | AnonymousUser | None


def _scoped_items(user, qs: QuerySet[PowerItem]) -> QuerySet[PowerItem]:
    return qs if user is OPERATOR else access.items_visible_to(user, qs)


def catalogue_unit(*, user: Reader, code: str) -> Unit:
    unit = Unit.objects.filter(code=code).first()
    if unit is None or not access.can_read_catalogue(user, unit):
        raise Http404("没有找到该单位的职权目录，或您无权查看。")
    return unit


def catalogue_items(
    *, user, unit: Unit, department_id: int | None = None, post_id: int | None = None
) -> QuerySet[PowerItem]:
    """The unit's items the user may read, in the order of the org chart: departments in
    order (each with its own items, then its posts'), the leadership's posts last."""
    qs = PowerItem.objects.filter(unit=unit)
    if department_id:
        qs = qs.filter(Q(department_id=department_id) | Q(post__department_id=department_id))
    if post_id:
        qs = qs.filter(post_id=post_id)
    return (
        _scoped_items(user, qs)
        .select_related("unit", "department", "post__department", "confirmed_by__person")
        .annotate(
            n_steps=Count("steps", distinct=True),
            owner_department_order=Coalesce("department__order", "post__department__order"),
            owner_department_id=Coalesce("department_id", "post__department_id"),
        )
        .order_by(
            F("owner_department_order").asc(nulls_last=True),
            F("owner_department_id").asc(nulls_last=True),
            F("post__order").asc(nulls_first=True),
            "post_id",
            "order",
            "id",
        )
    )


def item_for_user(*, user: Reader, pk: int) -> PowerItem:
    item = (
        PowerItem.objects.select_related("unit", "department", "post__department")
        .filter(pk=pk)
        .first()
    )
    if item is None or not access.can_view_item(user, item):
        raise Http404("没有找到该职权事项，或您无权查看。")
    return item


def item_steps(item: PowerItem) -> list[PowerStep]:
    return list(item.steps.select_related("branch_of").order_by("order", "id"))


def item_changes(item: PowerItem, limit: int = 50) -> list[PowerChange]:
    return list(item.changes.order_by("-at", "-id")[:limit])


def kinds_for_unit(unit: Unit) -> list[str]:
    return list(StandardKind.values) + list(
        UnitPowerKind.objects.filter(unit=unit).values_list("name", flat=True)
    )


def _chart_point(link: StepRiskLink) -> ChartPoint:
    point = link.point
    level = point.effective_level
    suffix = "（审定）" if point.final_level else "（拟定）" if point.proposed_level else ""
    label = (point.form.unit.level_label(level) if level else "未定级") + suffix
    return ChartPoint(
        step_id=link.step_id,
        description=point.description,
        level=level,
        level_label=label,
        measures=tuple(m.text for m in point.measures.all()),
    )


def _links(user, qs: QuerySet[StepRiskLink]) -> QuerySet[StepRiskLink]:
    """Ties to points of current versions the user may read (the command line: all)."""
    qs = qs.filter(point__form__next_version__isnull=True)
    if user is not OPERATOR:
        qs = qs.filter(point__form__in=forms_visible_to(user))
    return qs.select_related("point__form__unit").prefetch_related("point__measures")


def chart_points(*, user, items: Sequence[PowerItem]) -> dict[int, list[ChartPoint]]:
    """The risk points tied to the steps of these items, by item id."""
    links = _links(
        user, StepRiskLink.objects.filter(step__item__in=[i.pk for i in items])
    ).select_related("step")
    by_item: dict[int, list[ChartPoint]] = defaultdict(list)
    for link in links.order_by("step__order", "point__order", "pk"):
        by_item[link.step.item_id].append(_chart_point(link))
    return by_item


def steps_by_item(items: Sequence[PowerItem]) -> dict[int, list[PowerStep]]:
    by_item: dict[int, list[PowerStep]] = defaultdict(list)
    for step in (
        PowerStep.objects.filter(item__in=[i.pk for i in items])
        .select_related("branch_of")
        .order_by("order", "id")
    ):
        by_item[step.item_id].append(step)
    return by_item


def network(*, user, unit: Unit) -> list[NetworkDepartment]:
    """Departments → items → tied risk points, for the unit's network chart. Abolished items
    are left out."""
    items = list(catalogue_items(user=user, unit=unit).exclude(status="abolish"))
    points = chart_points(user=user, items=items)
    groups: dict[str, NetworkDepartment] = {}
    for item in items:
        dept = item.owner_department
        key = f"d{dept.pk}" if dept else "lead"
        if key not in groups:
            groups[key] = NetworkDepartment(
                key=key, name=dept.name if dept else "领导班子", items=[]
            )
        groups[key].items.append((item, points.get(item.pk, [])))
    return list(groups.values())


# --- the form page: the post's power items and the ties of its points ------------------------


def form_power_items(form: RiskForm) -> list[PowerItem]:
    return list(
        access.items_of_form(form)
        .exclude(status="abolish")
        .select_related("post__department", "department")
        .prefetch_related(
            Prefetch(
                "steps",
                queryset=PowerStep.objects.select_related("branch_of").order_by("order", "id"),
            )
        )
        .order_by("post__order", "order", "id")
    )


def form_ties(form: RiskForm) -> dict[int, int]:
    """point id → step id for the form's points."""
    return dict(StepRiskLink.objects.filter(point__form=form).values_list("point_id", "step_id"))


def library_by_kind(
    form: RiskForm, items: Sequence[PowerItem], limit: int = 8
) -> list[tuple[str, list[LibraryEntry]]]:
    """Risk-library entries suggested by the kinds of the form's power items: entries of the
    form's subject kind whose keywords or text hold a word that fits the kind."""
    kinds = list(dict.fromkeys(item.kind for item in items))
    if not kinds:
        return []
    entries = list(
        LibraryEntry.objects.filter(active=True, subject_kind=form.subject_kind)
        .prefetch_related("measures")
        .order_by("order", "id")
    )
    out = []
    for kind in kinds:
        words = KIND_LIBRARY_WORDS.get(kind, ()) + tuple(
            item.name[:2] for item in items if item.kind == kind
        )
        found = [
            e for e in entries if any(w and (w in e.keywords or w in e.description) for w in words)
        ][:limit]
        if found:
            out.append((kind, found))
    return out
