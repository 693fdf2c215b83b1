"""The one place that answers "which roles does this person hold over this unit, department, post".

Roles come from the org chart (holding a post, heading or supervising a department, holding the
principal's or a leader's post of a unit) and from explicit RoleGrants (integrity office,
discipline inspector, system admin, audit admin) scoped to a unit and optionally its sub-units.

A person's holdings are loaded once (a fixed number of queries) and cached on the Person object,
so asking about many objects in one request costs nothing more.
"""

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, User

from units.enums import GrantedRole, PostTier, Role
from units.models import Department, Person, Post, RoleGrant, Unit


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
    # (role, unit path, include_subunits) for every grant
    grants: tuple[tuple[str, str, bool], ...]


def person_for(user: User | AnonymousUser | None) -> Person | None:
    """The active Person of a logged-in, active user, or None."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    try:
        person = user.person
    except Person.DoesNotExist:
        return None
    return person if person.active else None


def holdings(person: Person) -> Holdings:
    cached = getattr(person, "_role_holdings", None)
    if cached is not None:
        return cached
    post_ids = set(person.concurrent_posts.values_list("id", flat=True))
    if person.post_id:
        post_ids.add(person.post_id)
    posts = Post.objects.filter(id__in=post_ids).values_list("id", "tier", "unit_id")
    tiers, post_units = {}, {}
    for pid, tier, unit_id in posts if post_ids else ():
        tiers[pid], post_units[pid] = tier, unit_id
    grants = tuple(
        RoleGrant.objects.filter(person=person).values_list(
            "role", "unit__path", "include_subunits"
        )
    )
    result = Holdings(
        person_id=person.pk,
        unit_id=person.unit_id,
        department_id=person.department_id,
        post_ids=frozenset(post_ids),
        headed_department_ids=frozenset(
            Department.objects.filter(head=person).values_list("id", flat=True)
        ),
        supervised_department_ids=frozenset(
            Department.objects.filter(supervisor=person).values_list("id", flat=True)
        ),
        principal_unit_ids=frozenset(
            post_units[pid] for pid, tier in tiers.items() if tier == PostTier.PRINCIPAL
        ),
        leader_unit_ids=frozenset(
            post_units[pid] for pid, tier in tiers.items() if tier == PostTier.LEADER
        ),
        grants=grants,
    )
    person._role_holdings = result
    return result


def _granted_over(h: Holdings, unit: Unit) -> set[Role]:
    roles = set()
    for role, grant_path, include_subunits in h.grants:
        if grant_path == unit.path or (include_subunits and unit.path.startswith(grant_path)):
            roles.add(Role(role))
    return roles


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
    if h.principal_unit_ids:
        for unit in Unit.objects.filter(id__in=h.principal_unit_ids):
            shown.append((Role.PRINCIPAL, unit.name))
    if h.leader_unit_ids:
        for unit in Unit.objects.filter(id__in=h.leader_unit_ids):
            shown.append((Role.LEADER, unit.name))
    if h.headed_department_ids:
        for dept in Department.objects.filter(id__in=h.headed_department_ids):
            shown.append((Role.DEPT_HEAD, dept.name))
    if h.supervised_department_ids:
        names = "、".join(
            Department.objects.filter(id__in=h.supervised_department_ids).values_list(
                "name", flat=True
            )
        )
        shown.append((Role.SUPERVISOR, names))
    for grant in RoleGrant.objects.filter(person=person).select_related("unit"):
        scope = grant.unit.name + ("及下级单位" if grant.include_subunits else "")
        shown.append((Role(grant.role), scope))
    return shown


def has_grant(user: User | AnonymousUser | None, role: GrantedRole) -> bool:
    person = person_for(user)
    if person is None:
        return False
    return any(r == role for r, _path, _sub in holdings(person).grants)


def granted_units(user: User | AnonymousUser | None, role: GrantedRole) -> list[Unit]:
    """Units over which the user holds `role`, sub-units included where the grant says so."""
    person = person_for(user)
    if person is None:
        return []
    paths = [(p, sub) for r, p, sub in holdings(person).grants if r == role]
    if not paths:
        return []
    units = Unit.objects.none()
    for path, include_subunits in paths:
        units |= (
            Unit.objects.filter(path__startswith=path)
            if include_subunits
            else Unit.objects.filter(path=path)
        )
    return list(units.distinct())


def may_enter_admin(user: User | AnonymousUser | None) -> bool:
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


def may_manage_risk_library(user: User | AnonymousUser | None) -> bool:
    """The integrity office (廉防办) keeps the risk library (风险点库) in the admin."""
    return has_grant(user, GrantedRole.INTEGRITY_OFFICE)


def may_manage_org(user: User | AnonymousUser | None) -> bool:
    """System admins manage units, departments, posts, people, accounts and role grants."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or has_grant(user, GrantedRole.SYSTEM_ADMIN)


def managed_unit_ids(user: User | AnonymousUser | None) -> set[int] | None:
    """Units whose org chart the user manages; None means all (break-glass superuser)."""
    if user is not None and user.is_authenticated and user.is_superuser:
        return None
    return {u.pk for u in granted_units(user, GrantedRole.SYSTEM_ADMIN)}
