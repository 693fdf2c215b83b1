"""Reads of the risk register, always scoped to a user through risks.permissions.

Every list here costs a fixed number of queries whatever the number of rows (prefetching and
annotations); the query-count tests in tests/risks say so.
"""

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404

from riskreg.db import SubqueryCount
from risks import permissions
from risks.enums import SubjectKind
from risks.models import LibraryEntry, RiskForm, RiskPoint, Round
from units import roles
from units.models import Department, Person, Unit
from workflow.enums import Action, FormState
from workflow.models import TransitionLog

RETURN_ACTIONS = (Action.RETURN_TO_DRAFT, Action.RETURN_FROM_COLLECTIVE)


def form_with_points(qs: QuerySet[RiskForm] | None = None) -> QuerySet[RiskForm]:
    """Forms with everything the form page and _form_readonly.html show: subject, filler,
    round, unit, power items, points in order and their measures."""
    qs = RiskForm.objects.all() if qs is None else qs
    return qs.select_related(
        "round", "unit", "post__department", "department__head", "filler", "last_saved_by"
    ).prefetch_related(
        Prefetch("points", queryset=RiskPoint.objects.order_by("order", "id")),
        "points__measures",
        "post__power_items",
        "department__power_items",
    )


def form_for_user(user: User | AnonymousUser | None, pk: int) -> RiskForm:
    """The form with its points, if the user may read it; Http404 otherwise."""
    form = form_with_points(permissions.forms_visible_to(user)).filter(pk=pk).first()
    if form is None:
        raise Http404("没有找到这张一览表，或您无权查看。")
    return form


def _list_rows(qs: QuerySet[RiskForm]) -> QuerySet[RiskForm]:
    return qs.select_related("round", "unit", "post__department", "department", "filler").annotate(
        n_points=SubqueryCount(RiskPoint.objects.filter(form=OuterRef("pk")).values("pk"))
    )


def forms_filled_by(user: User | AnonymousUser | None) -> QuerySet[RiskForm]:
    """我的一览表: the forms the user fills, newest round first."""
    person = roles.person_for(user)
    if person is None:
        return RiskForm.objects.none()
    # last_action: a draft whose last step was a return shows "已退回修改" in the lists.
    last = TransitionLog.objects.filter(form=OuterRef("pk")).order_by("-created_at", "-id")
    return (
        _list_rows(RiskForm.objects.filter(filler=person))
        .annotate(last_action=Subquery(last.values("action")[:1]))
        .order_by("-round__year", "-round_id", "subject_kind", "post__order", "id")
    )


def forms_to_fill(user: User | AnonymousUser | None) -> list[RiskForm]:
    """Forms waiting for the user to fill in (自查填报, current version)."""
    return [
        form
        for form in forms_filled_by(user).filter(state=FormState.DRAFT, next_version__isnull=True)
    ]


@dataclass(frozen=True)
class FormFilters:
    round_id: int | None = None
    department_id: int | None = None
    state: str = ""


def forms_for_user(
    user: User | AnonymousUser | None, filters: FormFilters | None = None
) -> QuerySet[RiskForm]:
    """The forms a user may read, filtered; rows ready for the list page."""
    qs = permissions.forms_visible_to(user)
    filters = filters or FormFilters()
    if filters.round_id:
        qs = qs.filter(round_id=filters.round_id)
    if filters.department_id:
        qs = qs.filter(department_id=filters.department_id)
    if filters.state:
        qs = qs.filter(state=filters.state)
    return _list_rows(qs).order_by(
        "-round__year", "round_id", "unit__path", "subject_kind", "department__order", "post__order"
    )


def filter_choices(user: User | AnonymousUser | None) -> dict[str, list]:
    """Rounds and departments that occur among the forms the user may read."""
    visible = permissions.forms_visible_to(user).values("pk")
    return {
        "rounds": list(
            Round.objects.filter(forms__in=visible)
            .select_related("unit")
            .distinct()
            .order_by("-year", "-id")
        ),
        "departments": list(
            Department.objects.filter(risk_forms__in=visible)
            .select_related("unit")
            .distinct()
            .order_by("unit__path", "order", "id")
        ),
    }


def library_for_form(
    form: RiskForm, *, query: str = "", show_all: bool = False, limit: int = 30
) -> list[LibraryEntry]:
    """Library entries for this form's subject kind. By default those whose keywords match the
    post's name or duties (and the general ones, without keywords) come first; a search word
    filters by description, keywords or measures."""
    qs = LibraryEntry.objects.filter(active=True, subject_kind=form.subject_kind).prefetch_related(
        "measures"
    )
    query = query.strip()
    if query:
        qs = qs.filter(
            Q(description__icontains=query)
            | Q(keywords__icontains=query)
            | Q(measures__text__icontains=query)
        ).distinct()
    entries = list(qs.order_by("order", "id"))
    if form.subject_kind == SubjectKind.POST:
        context = f"{form.post.name} {form.post.duties}"
    elif form.subject_kind == SubjectKind.DEPARTMENT:
        context = form.department.name
    else:
        context = ""

    def matches(entry: LibraryEntry) -> bool:
        return any(word in context for word in entry.keyword_list())

    if not query and not show_all:
        entries = [e for e in entries if matches(e) or not e.keyword_list()]
    # Entries matching the post first, then the general ones, then the rest (stable sort).
    entries.sort(key=lambda e: 0 if matches(e) else (1 if not e.keyword_list() else 2))
    return entries[:limit]


def library_entry_for_form(form: RiskForm, pk: int) -> LibraryEntry | None:
    return (
        LibraryEntry.objects.filter(pk=pk, active=True, subject_kind=form.subject_kind)
        .prefetch_related("measures")
        .first()
    )


def rounds_for_user(user: User | AnonymousUser | None) -> QuerySet[Round]:
    """Rounds of the units the user coordinates as 廉防办, with form counts by state."""
    unit_ids = [u.pk for u in permissions.units_coordinated_by(user)]
    return (
        Round.objects.filter(unit_id__in=unit_ids)
        .select_related("unit")
        .annotate(
            n_forms=Count("forms", distinct=True),
            n_draft=Count("forms", filter=Q(forms__state=FormState.DRAFT), distinct=True),
        )
        .order_by("-year", "-id")
    )


def round_for_user(user: User | AnonymousUser | None, pk: int) -> Round:
    rnd = Round.objects.select_related("unit").filter(pk=pk).first()
    if rnd is None or not permissions.can_manage_round(user, rnd.unit):
        raise Http404("没有找到该排查轮次，或您无权查看。")
    return rnd


def round_forms(rnd: Round) -> QuerySet[RiskForm]:
    """The forms of a round, leadership first, then by department, ready for the round page."""
    return _list_rows(rnd.forms.all()).order_by(
        "subject_kind", "department__order", "department_id", "post__order", "id"
    )


def unit_people(unit: Unit) -> QuerySet[Person]:
    """Active people of a unit, as candidates for a filler."""
    return (
        Person.objects.filter(unit=unit, active=True)
        .select_related("department", "post")
        .order_by("department__order", "post__order", "employee_no")
    )
