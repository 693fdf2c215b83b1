"""Who may do what — the one place. Every view, selector, queue, count, menu, report and admin
page asks here; nothing else decides access.

Each question comes twice, as a predicate over one object and as its queryset twin, and
tests/access/test_agreement.py checks that they agree:

| question | predicate | queryset twin |
|---|---|---|
| read a form | `can_view_form` | `forms_visible_to` |
| take a step of the chain on a form | `acting_role` | `forms_actionable` |
| run a unit's rounds (廉防办) | `can_manage_round` | `units_coordinated_by` |
| open a unit's progress board | `can_see_board` | `units_with_board` |
| read a unit's register (台账) | `can_read_register` | `units_with_register` |
| read a unit's quarterly summary | `can_read_quarterly` | `units_with_quarterly` |

Where roles come from, all computed on each request from the current database (nothing
derived is stored, so an org-chart edit, a roster import or a reassignment is in force on the
next page):

- the org chart: holding a post, heading or supervising a department, holding the unit's
  principal or a leader's post;
- RoleGrants (廉防办, 纪检监督, 系统管理员, 安全审计员) over a unit, with or without its
  sub-units — `covers` / `covers_q` is the one rule for "a grant covers sub-units";
- explicit per-object grants in django-guardian's tables (access.models): 委托 (the delegate
  holds the delegator's reviewing and signing roles, and acts "代 X") and 特别授权 (read one
  unit's or one form's records), each in force between its dates (riskreg.clock.today()).

The transition table (workflow.transitions) says WHICH role performs a step; this module says
WHO holds that role over a form (`form_roles`, `holds_role_q`). A person's holdings are loaded
once per request (a fixed number of queries) and cached on the Person object.

Views answer 404 when `can_view_form` says no and 403 when the person reads but may not act.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import CharField, F, IntegerField, Q, QuerySet, Value
from django.db.models.functions import Cast

from riskreg import clock
from risks.enums import SubjectKind
from risks.models import RiskForm
from units.enums import GrantedRole, PostTier, Role
from units.models import Department, Person, Post, RoleGrant, Unit
from workflow.enums import FormState

if TYPE_CHECKING:
    from workflow.transitions import Transition

AnyUser = User | AnonymousUser | None
NOTHING = Q(pk__in=[])

# --------------------------------------------------------------------------- the person


def person_for(user: AnyUser) -> Person | None:
    """The active Person of a logged-in, active user, or None."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    descriptor = User.person  # the reverse one-to-one: loaded once per user object
    if not descriptor.is_cached(user):
        # With its unit: nearly every page asks for the unit's roles or prints its name.
        person = Person.objects.select_related("unit").filter(user=user).first()
        descriptor.related.set_cached_value(user, person)
        if person is not None:
            Person.user.field.set_cached_value(person, user)
    person = descriptor.related.get_cached_value(user)
    return person if person is not None and person.active else None


@dataclass(frozen=True)
class Holdings:
    person_id: int
    unit_id: int
    department_id: int | None
    post_ids: frozenset[int]
    headed_department_ids: frozenset[int]
    supervised_department_ids: frozenset[int]
    principal_unit_ids: frozenset[int]
    leader_unit_ids: frozenset[int]
    # (role, unit path, include_subunits) for every RoleGrant
    grants: tuple[tuple[str, str, bool], ...]
    # 委托 in force today: the people this person acts for
    delegators: tuple[Person, ...]
    # 特别授权 in force today
    read_unit_ids: frozenset[int]
    read_form_ids: frozenset[int]


def holdings(person: Person) -> Holdings:
    cached = getattr(person, "_role_holdings", None)
    if cached is not None:
        return cached
    from access.models import Delegation, FormReadGrant, UnitReadGrant

    # One query, whatever the person holds: a UNION of one branch per kind of holding, each
    # row (kind, id, text, text, number). Then the delegators' Person rows if there are any.
    today = clock.today()
    in_force = Q(starts_on__lte=today, ends_on__gte=today)
    concurrent = Person.concurrent_posts.through.objects.filter(person_id=person.pk)
    branches = [
        _holding_rows(
            Post.objects.filter(Q(pk=person.post_id) | Q(pk__in=concurrent.values("post_id"))),
            "post", "id", text1="tier", number="unit_id",
        ),
        _holding_rows(Department.objects.filter(head=person), "head", "id"),
        _holding_rows(Department.objects.filter(supervisor=person), "supervise", "id"),
        _holding_rows(
            RoleGrant.objects.filter(person=person), "grant", "id",
            text1="role", text2="unit__path", number=Cast("include_subunits", IntegerField()),
        ),
        _holding_rows(
            Delegation.objects.filter(in_force, user_id=person.user_id),
            "delegator", "content_object_id",
        ),
        _holding_rows(
            UnitReadGrant.objects.filter(in_force, user_id=person.user_id),
            "read_unit", "content_object_id",
        ),
        _holding_rows(
            FormReadGrant.objects.filter(in_force, user_id=person.user_id),
            "read_form", "content_object_id",
        ),
    ]  # fmt: skip
    rows: dict[str, list[tuple]] = {}
    for kind, pk, text1, text2, number in branches[0].union(*branches[1:], all=True):
        rows.setdefault(kind, []).append((pk, text1, text2, number))
    tiers = {pk: (tier, unit_id) for pk, tier, _, unit_id in rows.get("post", [])}
    grants = tuple(
        (role, path, bool(sub))
        for _, role, path, sub in sorted(rows.get("grant", []), key=lambda r: r[0])
    )
    delegator_ids = {pk for pk, *_ in rows.get("delegator", [])}
    delegators = (
        tuple(Person.objects.filter(pk__in=delegator_ids, active=True)) if delegator_ids else ()
    )
    result = Holdings(
        person_id=person.pk,
        unit_id=person.unit_id,
        department_id=person.department_id,
        post_ids=frozenset(tiers),
        headed_department_ids=frozenset(pk for pk, *_ in rows.get("head", [])),
        supervised_department_ids=frozenset(pk for pk, *_ in rows.get("supervise", [])),
        principal_unit_ids=frozenset(u for t, u in tiers.values() if t == PostTier.PRINCIPAL),
        leader_unit_ids=frozenset(u for t, u in tiers.values() if t == PostTier.LEADER),
        grants=grants,
        delegators=delegators,
        read_unit_ids=frozenset(pk for pk, *_ in rows.get("read_unit", [])),
        read_form_ids=frozenset(pk for pk, *_ in rows.get("read_form", [])),
    )
    person._role_holdings = result
    return result


def _holding_rows(
    qs: QuerySet, kind: str, pk: str, text1: str = "", text2: str = "", number=None
) -> QuerySet:
    """One branch of holdings()' UNION: rows (kind, pk, text1, text2, number) of `qs`."""
    return (
        qs.order_by()
        .annotate(
            h_kind=Value(kind, CharField()),
            h_pk=F(pk),
            h_text1=F(text1) if text1 else Value("", CharField()),
            h_text2=F(text2) if text2 else Value("", CharField()),
            h_number=(F(number) if isinstance(number, str) else number)
            if number is not None
            else Value(0, IntegerField()),
        )
        .values_list("h_kind", "h_pk", "h_text1", "h_text2", "h_number")
    )


# --------------------------------------------------------------------------- grants over units
# The ONE rule for "a grant covers sub-units": a grant over unit U covers U, and U's descendants
# (their path starts with U's path) when it says include_subunits.


def covers(grant_path: str, include_subunits: bool, unit_path: str) -> bool:
    return unit_path == grant_path or (include_subunits and unit_path.startswith(grant_path))


def covers_q(grants: Iterable[tuple[str, bool]], field: str = "unit__path") -> Q:
    """Rows whose unit (at `field`, a path) one of the (path, include_subunits) grants covers."""
    q = NOTHING
    for path, include_subunits in grants:
        q |= Q(**{f"{field}__startswith": path}) if include_subunits else Q(**{field: path})
    return q


def _grant_paths(h: Holdings, role: Role | GrantedRole) -> list[tuple[str, bool]]:
    return [(path, sub) for r, path, sub in h.grants if r == role]


def _granted_over(h: Holdings, unit: Unit) -> set[Role]:
    return {Role(r) for r, path, sub in h.grants if covers(path, sub, unit.path)}


def grant_holders(role: GrantedRole, unit: Unit) -> QuerySet[Person]:
    """Active people holding `role` by a RoleGrant covering `unit`."""
    ids = [
        pid
        for pid, path, sub in RoleGrant.objects.filter(role=role).values_list(
            "person_id", "unit__path", "include_subunits"
        )
        if covers(path, sub, unit.path)
    ]
    return Person.objects.filter(id__in=ids, active=True)


def granted_units(user: AnyUser, role: GrantedRole) -> list[Unit]:
    """Units over which the user holds `role`, sub-units included where the grant says so."""
    person = person_for(user)
    if person is None:
        return []
    return list(_units_granted(person, frozenset({role})))


def _units_granted(person: Person, roles: frozenset[Role]) -> tuple[Unit, ...]:
    """Units covered by the person's grants of one of `roles`, loaded once per request and
    kept beside the holdings (the navigation, the view and its forms ask the same question)."""
    memo = person.__dict__.setdefault("_granted_units", {})
    if roles not in memo:
        paths = [(p, s) for r, p, s in holdings(person).grants if r in roles]
        memo[roles] = (
            tuple(Unit.objects.filter(covers_q(paths, "path")).order_by("path")) if paths else ()
        )
    return memo[roles]


def has_grant(user: AnyUser, role: GrantedRole) -> bool:
    person = person_for(user)
    return person is not None and bool(_grant_paths(holdings(person), role))


# --------------------------------------------------------------------------- roles over objects


def roles_over_unit(person: Person | None, unit: Unit) -> set[Role]:
    if person is None or not person.active:
        return set()
    h = holdings(person)
    roles = _granted_over(h, unit)
    if h.unit_id == unit.pk:
        roles.add(Role.MEMBER)
    if unit.pk in h.principal_unit_ids:
        roles.add(Role.PRINCIPAL)
    if unit.pk in h.leader_unit_ids:
        roles.add(Role.LEADER)
    return roles


def roles_over_department(person: Person | None, department: Department) -> set[Role]:
    if person is None or not person.active:
        return set()
    h = holdings(person)
    roles = roles_over_unit(person, department.unit)
    if h.department_id == department.pk:
        roles.add(Role.DEPT_MEMBER)
    if department.pk in h.headed_department_ids:
        roles.add(Role.DEPT_HEAD)
    if department.pk in h.supervised_department_ids:
        roles.add(Role.SUPERVISOR)
    return roles


def roles_over_post(person: Person | None, post: Post) -> set[Role]:
    """Roles over a post: its holder, its department's head and supervisor, the unit's
    principal (who also supervises the other leaders' posts), and grants over its unit."""
    if person is None or not person.active:
        return set()
    h = holdings(person)
    if post.department_id:
        roles = roles_over_department(person, post.department)
    else:
        roles = roles_over_unit(person, post.unit)
        if post.tier == PostTier.LEADER and post.unit_id in h.principal_unit_ids:
            roles.add(Role.SUPERVISOR)
    if post.pk in h.post_ids:
        roles.add(Role.POST_HOLDER)
    return roles


def org_roles(person: Person | None) -> list[tuple[Role, str]]:
    """Every role the person holds anywhere, with the object it applies to, for display."""
    if person is None:
        return []
    h = holdings(person)
    shown: list[tuple[Role, str]] = []
    for unit in Unit.objects.filter(id__in=h.principal_unit_ids):
        shown.append((Role.PRINCIPAL, unit.name))
    for unit in Unit.objects.filter(id__in=h.leader_unit_ids):
        shown.append((Role.LEADER, unit.name))
    for dept in Department.objects.filter(id__in=h.headed_department_ids):
        shown.append((Role.DEPT_HEAD, dept.name))
    if h.supervised_department_ids:
        names = Department.objects.filter(id__in=h.supervised_department_ids)
        shown.append((Role.SUPERVISOR, "、".join(names.values_list("name", flat=True))))
    for grant in RoleGrant.objects.filter(person=person).select_related("unit"):
        scope = grant.unit.name + ("及下级单位" if grant.include_subunits else "")
        shown.append((Role(grant.role), scope))
    return shown


# --------------------------------------------------------------------------- roles over a form

# Roles a delegate takes over from the delegator (委托): reviewing and signing, nothing else.
DELEGABLE_ROLES = frozenset({Role.DEPT_HEAD, Role.SUPERVISOR, Role.PRINCIPAL})


def form_roles(person: Person | None, form: RiskForm) -> set[Role]:
    """Roles of a person over one form, in their own name (org chart and RoleGrants)."""
    if person is None or not person.active:
        return set()
    h = holdings(person)
    result = roles_over_unit(person, form.unit)
    if form.filler_id == person.pk:
        result.add(Role.FILLER)
    if form.department_id in h.headed_department_ids:
        result.add(Role.DEPT_HEAD)
    if form.department_id in h.supervised_department_ids:
        result.add(Role.SUPERVISOR)
    # The principal supervises the other leaders' posts.
    if (
        form.subject_kind == SubjectKind.POST
        and form.post.tier == PostTier.LEADER
        and form.unit_id in h.principal_unit_ids
    ):
        result.add(Role.SUPERVISOR)
    return result


def delegated_roles(person: Person | None, form: RiskForm) -> list[tuple[Role, Person]]:
    """(role, delegator) for each role the person holds over the form by a 委托 in force."""
    if person is None or not person.active:
        return []
    return [
        (role, delegator)
        for delegator in holdings(person).delegators
        for role in sorted(form_roles(delegator, form) & DELEGABLE_ROLES)
    ]


def holds_role_q(person: Person, role: Role) -> Q:
    """The forms over which `person` holds `role` in their own name: form_roles as a filter."""
    h = holdings(person)
    leader_posts = Q(subject_kind=SubjectKind.POST, post__tier=PostTier.LEADER)
    by_role = {
        Role.FILLER: lambda: Q(filler_id=person.pk),
        Role.MEMBER: lambda: Q(unit_id=h.unit_id),
        Role.DEPT_HEAD: lambda: Q(department_id__in=h.headed_department_ids),
        Role.SUPERVISOR: lambda: (
            Q(department_id__in=h.supervised_department_ids)
            | (leader_posts & Q(unit_id__in=h.principal_unit_ids))
        ),
        Role.PRINCIPAL: lambda: Q(unit_id__in=h.principal_unit_ids),
        Role.LEADER: lambda: Q(unit_id__in=h.leader_unit_ids),
    }
    if role in by_role:
        return by_role[role]()
    return covers_q(_grant_paths(h, role))


# Roles that may read a form in any state (besides the unit members once it is published).
READER_ROLES = frozenset(
    {
        Role.FILLER,
        Role.DEPT_HEAD,
        Role.SUPERVISOR,
        Role.PRINCIPAL,
        Role.INTEGRITY_OFFICE,
        Role.INSPECTOR,
    }
)


def can_view_form(user: AnyUser, form: RiskForm) -> bool:
    person = person_for(user)
    if person is None:
        return False
    held = form_roles(person, form)
    if held & READER_ROLES or delegated_roles(person, form):
        return True
    if Role.LEADER in held and form.subject_kind == SubjectKind.LEADERSHIP:
        return True
    if Role.MEMBER in held and form.state in FormState.published():
        return True
    h = holdings(person)
    if form.pk in h.read_form_ids or form.unit_id in h.read_unit_ids:
        return True
    return in_rating_scope(person, form)


def _readable_q(person: Person) -> Q:
    q = NOTHING
    for role in READER_ROLES:
        q |= holds_role_q(person, role)
    return q


def forms_visible_to(user: AnyUser, qs: QuerySet[RiskForm] | None = None) -> QuerySet[RiskForm]:
    """The forms a user may read, as a queryset (the same rule as can_view_form)."""
    qs = RiskForm.objects.all() if qs is None else qs
    person = person_for(user)
    if person is None:
        return qs.none()
    h = holdings(person)
    q = (
        _readable_q(person)
        | (holds_role_q(person, Role.LEADER) & Q(subject_kind=SubjectKind.LEADERSHIP))
        | (holds_role_q(person, Role.MEMBER) & Q(state__in=FormState.published()))
        | Q(pk__in=h.read_form_ids)
        | Q(unit_id__in=h.read_unit_ids)
        | _rating_scope_q(person)
    )
    for delegator in h.delegators:
        for role in DELEGABLE_ROLES:
            q |= holds_role_q(delegator, role)
    return qs.filter(q)


def can_edit_form(user: AnyUser, form: RiskForm) -> bool:
    """Only the filler, only while the form is in 自查填报 and is the current version."""
    person = person_for(user)
    if person is None or form.filler_id != person.pk or form.state != FormState.DRAFT:
        return False
    return RiskForm.objects.filter(pk=form.pk).current().exists()


def reads_every_form_in(user: AnyUser, units: list[Unit]) -> bool:
    """True when forms_visible_to(user) holds every form of every one of these units: the
    user is their integrity office, inspector (by grant, sub-units included where granted) or
    principal. Reports over such units may then skip the per-form rule; it is the same rule."""
    person = person_for(user)
    if person is None or not units:
        return False
    whole_unit = {Role.INTEGRITY_OFFICE, Role.INSPECTOR, Role.PRINCIPAL}
    return all(roles_over_unit(person, unit) & whole_unit for unit in units)


# 群众评议: while a rating window is open, every active person in its scope (the department,
# or the whole unit) reads the forms in it, so they can rate them.


def _open_windows_for(person: Person) -> QuerySet:
    from workflow.models import RatingWindow

    return RatingWindow.objects.filter(closed_at__isnull=True, unit_id=person.unit_id).filter(
        Q(department__isnull=True) | Q(department_id=person.department_id)
    )


def in_rating_scope(person: Person | None, form: RiskForm) -> bool:
    if person is None or not person.active or form.state != FormState.MASS_REVIEW:
        return False
    return _open_windows_for(person).filter(forms=form).exists()


def _rating_scope_q(person: Person) -> Q:
    from workflow.models import RatingWindow

    in_window = RatingWindow.forms.through.objects.filter(
        ratingwindow__in=_open_windows_for(person)
    ).values("riskform_id")
    return Q(state=FormState.MASS_REVIEW, pk__in=in_window)


# --------------------------------------------------------------------------- acting in the chain


@dataclass(frozen=True)
class Acting:
    """How a person performs a transition: in `role`, in their own name or for `on_behalf_of`
    (a 委托 in force; the signature and the log say "代 <delegator>")."""

    role: Role
    on_behalf_of: Person | None = None

    @property
    def value(self) -> str:
        return self.role.value


def acting_role(
    transition: Transition, person: Person | None, form: RiskForm, held: set[Role] | None = None
) -> Acting | None:
    """The role in which `person` may perform `transition` on `form`, or None. Their own roles
    first; then the roles of the people they act for by a 委托 in force."""
    if person is None:
        return None
    if transition.not_by_filler and form.filler_id == person.pk:
        return None
    held = form_roles(person, form) if held is None else held
    wanted = transition.who(form)
    for role in wanted:
        if role in held:
            return Acting(role)
    for role, delegator in delegated_roles(person, form):
        if role in wanted and not (transition.not_by_filler and form.filler_id == delegator.pk):
            return Acting(role, delegator)
    return None


def _acts_q(transition: Transition, person: Person) -> Q:
    q = NOTHING
    for role in transition.who.roles:
        q |= transition.who.q(role) & holds_role_q(person, role)
    if transition.not_by_filler:
        q &= ~Q(filler_id=person.pk)
    return q


def forms_actionable(
    user: AnyUser, transitions: Iterable[Transition], qs: QuerySet[RiskForm] | None = None
) -> QuerySet[RiskForm]:
    """The forms on which the user may perform one of `transitions` (state and role; the
    gates are per form): acting_role as a queryset."""
    qs = RiskForm.objects.all() if qs is None else qs
    person = person_for(user)
    if person is None:
        return qs.none()
    q = NOTHING
    for t in transitions:
        acts = _acts_q(t, person)
        for delegator in holdings(person).delegators:
            delegated = NOTHING
            for role in transition_roles(t) & DELEGABLE_ROLES:
                delegated |= t.who.q(role) & holds_role_q(delegator, role)
            if t.not_by_filler:
                delegated &= ~Q(filler_id=delegator.pk) & ~Q(filler_id=person.pk)
            acts |= delegated
        q |= Q(state=t.source) & acts
    return qs.filter(q)


def transition_roles(transition: Transition) -> frozenset[Role]:
    return transition.who.roles


def people_who_may_act(form: RiskForm) -> list[Person]:
    """Everyone who may take a step of the chain on the form now (for notifications): its
    filler, its department's head and supervisor, the unit's principals, its 廉防办, and the
    delegates of any of them — each checked against the transition table."""
    from workflow import transitions

    open_transitions = [
        t for t in transitions.transitions_from(form.state) if not transitions.failed_gates(t, form)
    ]
    if not open_transitions:
        return []
    ids: set[int] = set()
    if form.filler_id:
        ids.add(form.filler_id)
    if form.department_id:
        ids.update(p for p in (form.department.head_id, form.department.supervisor_id) if p)
    principal = Q(post__unit_id=form.unit_id, post__tier=PostTier.PRINCIPAL) | Q(
        concurrent_posts__unit_id=form.unit_id, concurrent_posts__tier=PostTier.PRINCIPAL
    )
    ids.update(Person.objects.filter(principal).values_list("id", flat=True))
    ids.update(grant_holders(GrantedRole.INTEGRITY_OFFICE, form.unit).values_list("id", flat=True))
    ids.update(delegates_of(ids))
    people = Person.objects.filter(id__in=ids, active=True).select_related("user")
    return [p for p in people if any(acting_role(t, p, form) for t in open_transitions)]


def delegates_of(person_ids: Iterable[int]) -> set[int]:
    """Ids of the people acting today for one of these people by a 委托."""
    from access.models import Delegation

    today = clock.today()
    return set(
        Person.objects.filter(
            user__in=Delegation.objects.filter(
                content_object_id__in=list(person_ids), starts_on__lte=today, ends_on__gte=today
            ).values("user")
        ).values_list("id", flat=True)
    )


# --------------------------------------------------------------------------- navigation


def may_review(user: AnyUser) -> bool:
    """Whether 部室审核 can ever hold a form for the user: heads, supervisors, principals,
    廉防办 (the principal's and the leadership forms) and their delegates."""
    person = person_for(user)
    if person is None:
        return False
    h = holdings(person)
    return bool(
        h.headed_department_ids
        or h.supervised_department_ids
        or h.principal_unit_ids
        or _grant_paths(h, Role.INTEGRITY_OFFICE)
        or h.delegators
    )


def may_sign(user: AnyUser) -> bool:
    """Whether 待签字 can ever hold a form for the user: supervisors, principals, delegates."""
    person = person_for(user)
    if person is None:
        return False
    h = holdings(person)
    return bool(h.supervised_department_ids or h.principal_unit_ids or h.delegators)


def may_browse_forms(user: AnyUser) -> bool:
    """Whether the user reads other people's forms at all (for navigation only: the list itself
    is always filtered by forms_visible_to)."""
    person = person_for(user)
    if person is None:
        return False
    h = holdings(person)
    return bool(
        h.headed_department_ids
        or h.supervised_department_ids
        or h.principal_unit_ids
        or h.leader_unit_ids
        or _grant_paths(h, Role.INTEGRITY_OFFICE)
        or _grant_paths(h, Role.INSPECTOR)
        or h.delegators
        or h.read_unit_ids
        or h.read_form_ids
    )


# --------------------------------------------------------------------------- rounds, board


def units_coordinated_by(user: AnyUser) -> list[Unit]:
    """Units whose screening rounds the user runs as 廉防办."""
    return granted_units(user, GrantedRole.INTEGRITY_OFFICE)


def can_manage_round(user: AnyUser, unit: Unit) -> bool:
    """May open screening rounds for `unit`, see its round pages and (re)create their forms."""
    return Role.INTEGRITY_OFFICE in roles_over_unit(person_for(user), unit)


def can_reassign_filler(user: AnyUser, form: RiskForm) -> bool:
    """The integrity office reassigns the filler of a form while it is still in 自查填报."""
    return form.state == FormState.DRAFT and can_manage_round(user, form.unit)


BOARD_ROLES = frozenset({Role.INTEGRITY_OFFICE, Role.INSPECTOR})


def units_with_board(user: AnyUser) -> list[Unit]:
    """Units whose progress board (进度看板) the user opens: as their 廉防办 or their 纪检."""
    person = person_for(user)
    if person is None:
        return []
    return list(_units_granted(person, BOARD_ROLES))


def can_see_board(user: AnyUser, unit: Unit) -> bool:
    return bool(roles_over_unit(person_for(user), unit) & BOARD_ROLES)


def may_see_board(user: AnyUser) -> bool:
    return bool(units_with_board(user))


# --------------------------------------------------------------------------- unit reports
# Who may open a unit's report at all; which rows it shows is still forms_visible_to's answer.

# Members read their unit's published register; 廉防办 and 纪检 the units granted to them;
# a 特别授权 over the unit too.
REGISTER_READER_ROLES = frozenset(
    {Role.MEMBER, Role.PRINCIPAL, Role.LEADER, Role.INTEGRITY_OFFICE, Role.INSPECTOR}
)
# The quarterly summary is for discipline inspection, its office and the principal.
QUARTERLY_READER_ROLES = frozenset({Role.INSPECTOR, Role.INTEGRITY_OFFICE, Role.PRINCIPAL})


def can_read_register(user: AnyUser, unit: Unit) -> bool:
    """May open the unit's register (台账) and its bound volume (资料汇编)."""
    person = person_for(user)
    if person is None:
        return False
    if roles_over_unit(person, unit) & REGISTER_READER_ROLES:
        return True
    return unit.pk in holdings(person).read_unit_ids


def can_read_quarterly(user: AnyUser, unit: Unit) -> bool:
    """May open the unit's quarterly summary (季度汇总)."""
    return bool(roles_over_unit(person_for(user), unit) & QUARTERLY_READER_ROLES)


def _units_where(person: Person, roles: frozenset[Role]) -> Q:
    h = holdings(person)
    q = covers_q([(p, s) for r, p, s in h.grants if r in roles], "path")
    if Role.MEMBER in roles:
        q |= Q(pk=h.unit_id)
    if Role.PRINCIPAL in roles:
        q |= Q(pk__in=h.principal_unit_ids)
    if Role.LEADER in roles:
        q |= Q(pk__in=h.leader_unit_ids)
    return q


def units_where(user: AnyUser, roles: Iterable[Role]) -> QuerySet[Unit]:
    """The units over which the user holds one of `roles` (by grant, membership, principal's
    or leader's post): roles_over_unit as a queryset, for the rules of other apps."""
    person = person_for(user)
    if person is None:
        return Unit.objects.none()
    return Unit.objects.filter(_units_where(person, frozenset(roles)))


def units_with_register(user: AnyUser) -> QuerySet[Unit]:
    person = person_for(user)
    if person is None:
        return Unit.objects.none()
    q = _units_where(person, REGISTER_READER_ROLES) | Q(pk__in=holdings(person).read_unit_ids)
    return Unit.objects.filter(q)


def units_with_quarterly(user: AnyUser) -> QuerySet[Unit]:
    return units_where(user, QUARTERLY_READER_ROLES)


# --------------------------------------------------------------------------- the admin


def may_enter_admin(user: AnyUser) -> bool:
    """The admin is for system admins (org chart, accounts), audit admins (audit log) and the
    integrity office (the risk library only). Superusers exist only as break-glass accounts."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return (
        has_grant(user, GrantedRole.SYSTEM_ADMIN)
        or has_grant(user, GrantedRole.AUDIT_ADMIN)
        or may_manage_risk_library(user)
    )


def may_manage_risk_library(user: AnyUser) -> bool:
    """The integrity office (廉防办) keeps the risk library (风险点库) in the admin."""
    return has_grant(user, GrantedRole.INTEGRITY_OFFICE)


def may_manage_org(user: AnyUser) -> bool:
    """System admins manage units, departments, posts, people, accounts and role grants."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or has_grant(user, GrantedRole.SYSTEM_ADMIN)


def managed_unit_ids(user: AnyUser) -> set[int] | None:
    """Units whose org chart the user manages; None means all (break-glass superuser)."""
    if user is not None and user.is_authenticated and user.is_superuser:
        return None
    return {u.pk for u in granted_units(user, GrantedRole.SYSTEM_ADMIN)}


# --------------------------------------------------------------------------- explicit grants


def units_delegations_managed(user: AnyUser) -> list[Unit]:
    """委托 are granted and revoked by the 廉防办 of the delegator's unit."""
    return units_coordinated_by(user)


def can_manage_delegation(user: AnyUser, delegator: Person) -> bool:
    return Role.INTEGRITY_OFFICE in roles_over_unit(person_for(user), delegator.unit)


def units_read_grants_managed(user: AnyUser) -> list[Unit]:
    """特别授权 are granted and revoked by 纪检监督 over the unit."""
    return granted_units(user, GrantedRole.INSPECTOR)


def can_manage_read_grant(user: AnyUser, unit: Unit) -> bool:
    return Role.INSPECTOR in roles_over_unit(person_for(user), unit)


def may_manage_grants(user: AnyUser) -> bool:
    return bool(units_delegations_managed(user) or units_read_grants_managed(user))
