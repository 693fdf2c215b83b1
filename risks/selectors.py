"""Reads of the risk register, always scoped to a user through access.rules.

Every list here costs a fixed number of queries whatever the number of rows (prefetching and
annotations); the query-count tests in tests/risks say so.
"""

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import (
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Concat
from django.http import Http404

from access import rules as access
from riskreg.db import SubqueryCount
from risks.enums import SubjectKind
from risks.models import LibraryEntry, RiskForm, RiskPoint, Round
from units.enums import PostTier
from units.models import Department, Person, Post, Unit
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
    form = form_with_points(access.forms_visible_to(user)).filter(pk=pk).first()
    if form is None:
        raise Http404("没有找到这张一览表，或您无权查看。")
    return form


# What a row of risks/_form_rows.html and of the home page's 待填报 reads: loading every
# column of the form and its five related rows was most of a 50-row page's time.
LIST_ROW_FIELDS = (
    "state",
    "subject_kind",
    "revision",
    "last_saved_at",
    "updated_at",
    "unit__name",
    "round__title",
    "round__year",
    "round__unit_id",
    "round__self_check_deadline",
    "post__name",
    "post__is_key",
    "post__department__name",
    "department__name",
    "filler__name",
)


def _list_rows(qs: QuerySet[RiskForm]) -> QuerySet[RiskForm]:
    return (
        qs.select_related("round", "unit", "post__department", "department", "filler")
        .only(*LIST_ROW_FIELDS)
        .annotate(
            n_points=SubqueryCount(RiskPoint.objects.filter(form=OuterRef("pk")).values("pk"))
        )
    )


def forms_filled_by(user: User | AnonymousUser | None) -> QuerySet[RiskForm]:
    """我的一览表: the forms the user fills, newest round first."""
    person = access.person_for(user)
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
    return [form for form in forms_filled_by(user).filter(state=FormState.DRAFT).current()]


@dataclass(frozen=True)
class FormFilters:
    round_id: int | None = None
    department_id: int | None = None
    state: str = ""


def forms_for_user(
    user: User | AnonymousUser | None, filters: FormFilters | None = None
) -> QuerySet[RiskForm]:
    """The forms a user may read, filtered; rows ready for the list page."""
    qs = access.forms_visible_to(user)
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
    visible = access.forms_visible_to(user).values("pk")
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
    unit_ids = [u.pk for u in access.units_coordinated_by(user)]
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
    if rnd is None or not access.can_manage_round(user, rnd.unit):
        raise Http404("没有找到该排查轮次，或您无权查看。")
    return rnd


LEADERSHIP_GROUP = "leadership"


def round_forms(rnd: Round, *, group: str = "", state: str = "") -> QuerySet[RiskForm]:
    """The forms of a round by department (its own form first, then its posts), the
    leadership's last, ready for the round page: a row reads the subject, the filler, the
    state and the number of points, nothing else. `group`: a department's id, or
    LEADERSHIP_GROUP for the forms of no department."""
    qs = rnd.forms.all()
    if group == LEADERSHIP_GROUP:
        qs = qs.filter(department__isnull=True)
    elif group:
        qs = qs.filter(department_id=int(group))
    if state:
        qs = qs.filter(state=state)
    return (
        qs.select_related("post", "department", "filler")
        .only(
            "pk",
            "round_id",  # the related manager sets form.round from it
            "state",
            "subject_kind",
            "department_id",
            "post__name",
            "department__name",
            "filler__name",
        )
        .annotate(
            n_points=SubqueryCount(RiskPoint.objects.filter(form=OuterRef("pk")).values("pk"))
        )
        .order_by(
            F("department__order").asc(nulls_last=True),
            F("department_id").asc(nulls_last=True),
            "subject_kind",
            "post__order",
            "id",
        )
    )


def round_departments(rnd: Round) -> list[Department]:
    return list(Department.objects.filter(unit_id=rnd.unit_id).order_by("order", "id"))


def round_tally(rnd: Round) -> dict[tuple[int | None, str], int]:
    """How many forms of the round each department (None: the leadership) has in each state.
    One query."""
    rows = rnd.forms.values_list("department_id", "state").annotate(n=Count("id")).order_by()
    return {(department_id, state): n for department_id, state, n in rows}


def unit_people(unit: Unit) -> QuerySet[Person]:
    """Active people of a unit, as candidates for a filler."""
    return (
        Person.objects.filter(unit=unit, active=True)
        .select_related("department", "post")
        .order_by("department__order", "post__order", "employee_no")
    )


def missing_forms(rnd: Round) -> list[RiskForm]:
    """The forms a round still lacks, unsaved: one per (active post, active holder) —
    concurrent posts included —, one per department (filled by its head) and one for the
    leadership (filled by the principal). Subjects that already have a form in the round, in
    any version, are left out. A round not saved yet (the opening preview) lacks them all."""
    unit = rnd.unit
    existing = set(rnd.forms.values_list("subject_key", flat=True)) if rnd.pk else set()
    posts = {p.pk: p for p in Post.objects.filter(unit=unit, active=True).select_related()}
    people = list(
        Person.objects.filter(unit=unit, active=True)
        .prefetch_related("concurrent_posts")
        .order_by("employee_no")
    )
    candidates: list[RiskForm] = []
    principal: Person | None = None
    for person in people:
        held = ([person.post_id] if person.post_id else []) + [
            p.pk for p in person.concurrent_posts.all()
        ]
        for post_id in dict.fromkeys(held):
            post = posts.get(post_id)
            if post is None:
                continue
            if post.tier == PostTier.PRINCIPAL and principal is None:
                principal = person
            candidates.append(
                RiskForm(
                    round=rnd,
                    unit=unit,
                    subject_kind=SubjectKind.POST,
                    post=post,
                    department_id=post.department_id,
                    filler=person,
                )
            )
    for dept in Department.objects.filter(unit=unit).select_related("head"):
        head = dept.head if dept.head_id and dept.head.active else None
        candidates.append(
            RiskForm(
                round=rnd,
                unit=unit,
                subject_kind=SubjectKind.DEPARTMENT,
                department=dept,
                filler=head,
            )
        )
    candidates.append(
        RiskForm(round=rnd, unit=unit, subject_kind=SubjectKind.LEADERSHIP, filler=principal)
    )
    missing = []
    for form in candidates:
        key = form.compute_subject_key()
        if key in existing:
            continue
        form.subject_key = key
        existing.add(key)
        missing.append(form)
    return missing


@dataclass
class FormsPlan:
    """What opening a round (or 补建) would create, by kind."""

    post_forms: int
    people: int
    posts: int
    department_forms: int
    leadership_forms: int

    @property
    def total(self) -> int:
        return self.post_forms + self.department_forms + self.leadership_forms

    @property
    def lines(self) -> list[str]:
        lines = []
        if self.post_forms:
            lines.append(
                f"岗位一览表 {self.post_forms} 张（{self.people} 人，{self.posts} 个岗位）"
            )
        if self.department_forms:
            lines.append(f"部室一览表 {self.department_forms} 张（由部室负责人填写）")
        if self.leadership_forms:
            lines.append(f"领导班子一览表 {self.leadership_forms} 张（由主要领导填写）")
        return lines


def forms_plan(forms: list[RiskForm]) -> FormsPlan:
    post_forms = [f for f in forms if f.subject_kind == SubjectKind.POST]
    return FormsPlan(
        post_forms=len(post_forms),
        people=len({f.filler_id for f in post_forms}),
        posts=len({f.post_id for f in post_forms}),
        department_forms=sum(1 for f in forms if f.subject_kind == SubjectKind.DEPARTMENT),
        leadership_forms=sum(1 for f in forms if f.subject_kind == SubjectKind.LEADERSHIP),
    )


@dataclass
class RoundGap:
    round: Round
    plan: FormsPlan


def _post_key(person: str, post: str) -> Concat:
    """RiskForm.compute_subject_key of a post form, in SQL."""
    return Concat(Value("post:"), F(post), Value(":"), F(person), output_field=CharField())


def missing_post_subjects(rnd: Round) -> set[tuple[int, int]]:
    """(person id, post id) of the post forms `missing_forms` finds for a saved round, found by
    the database: a round usually lacks none, so no person, post or form is loaded for it.
    One query."""
    has_form = RiskForm.objects.filter(round=rnd, subject_key=OuterRef("key"))
    in_unit = {"unit_id": rnd.unit_id, "active": True}
    primary = (
        Person.objects.filter(**in_unit, post__unit_id=rnd.unit_id, post__active=True)
        .annotate(key=_post_key("pk", "post_id"))
        .filter(~Exists(has_form))
        .values_list("pk", "post_id")
        .order_by()
    )
    concurrent = (
        Person.concurrent_posts.through.objects.filter(
            person__unit_id=rnd.unit_id,
            person__active=True,
            post__unit_id=rnd.unit_id,
            post__active=True,
        )
        .annotate(key=_post_key("person_id", "post_id"))
        .filter(~Exists(has_form))
        .values_list("person_id", "post_id")
        .order_by()
    )
    # UNION drops a concurrent post that is also the person's main post, as missing_forms does.
    return set(primary.union(concurrent))


def rounds_missing_forms(user: User | AnonymousUser | None) -> list[RoundGap]:
    """For the office's home page: every running round of the units the user coordinates that
    lacks post forms (people or posts added since it opened, e.g. by a roster import). Counted
    by the database (missing_post_subjects), one query per running round."""
    units = access.units_coordinated_by(user)
    if not units:
        return []
    gaps = []
    running = Round.objects.filter(unit__in=units).filter(
        Exists(
            RiskForm.objects.filter(round=OuterRef("pk"), next_version__isnull=True).exclude(
                state=FormState.FILED
            )
        )
    )
    for rnd in running.select_related("unit"):
        subjects = missing_post_subjects(rnd)
        if subjects:
            plan = FormsPlan(
                post_forms=len(subjects),
                people=len({person for person, _ in subjects}),
                posts=len({post for _, post in subjects}),
                department_forms=0,
                leadership_forms=0,
            )
            gaps.append(RoundGap(rnd, plan))
    return gaps
