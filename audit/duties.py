"""三员分立 held against the admins themselves: who may grant which role to whom, and whose
account a system admin may touch. Reads only; the admin and the two-person procedure ask here.

- Nobody grants a role to themselves.
- The protected roles (安全审计员, 纪检监督) watch the system admin; he can neither grant nor
  revoke them, nor change the person record, login, password or second factor of anyone who
  holds one. Those go through the two-person procedure (audit.services.dual_request_*).
- A system admin never holds a protected role, nor the other way round.
- The break-glass superuser stays able to do all of it (its every request is audited).
"""

from django.contrib.auth.models import AnonymousUser, User

from access import rules as roles
from units.enums import GrantedRole, Role
from units.models import Person, Unit

PROTECTED_ROLES = frozenset({GrantedRole.AUDIT_ADMIN.value, GrantedRole.INSPECTOR.value})
# Roles one person may not hold together with a protected role.
INCOMPATIBLE = {
    GrantedRole.SYSTEM_ADMIN.value: PROTECTED_ROLES,
    GrantedRole.AUDIT_ADMIN.value: frozenset({GrantedRole.SYSTEM_ADMIN.value}),
    GrantedRole.INSPECTOR.value: frozenset({GrantedRole.SYSTEM_ADMIN.value}),
}


def _is_breakglass(user: User | AnonymousUser | None) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_superuser)


def held_roles(person: Person | None) -> set[str]:
    if person is None or not person.pk:
        return set()
    return set(person.role_grants.values_list("role", flat=True))


def is_protected(person: Person | None) -> bool:
    """Whether the person holds a role that watches the system admin."""
    return bool(held_roles(person) & PROTECTED_ROLES)


def incompatible_role_refusal(*, person: Person, role: str) -> str | None:
    clash = held_roles(person) & INCOMPATIBLE.get(role, frozenset())
    if clash:
        labels = "、".join(sorted(GrantedRole(r).label for r in clash))
        return f"{person.name}已担任{labels}，不能再兼任{GrantedRole(role).label}（三员分立）。"
    return None


def grant_refusal(
    *, user: User | AnonymousUser | None, person: Person | None, role: str
) -> str | None:
    """Why `user` may not give (or take) `role` to (or from) `person` in the admin; None if
    they may."""
    if person is None:
        return None
    if user is not None and user.is_authenticated and person.user_id == user.pk:
        return "不能给自己授予或变更角色，请由其他管理员办理。"
    if _is_breakglass(user):
        return incompatible_role_refusal(person=person, role=role)
    if role in PROTECTED_ROLES:
        return (
            f"系统管理员不能授予或撤销“{GrantedRole(role).label}”角色，"
            "请通过“双人审批”提出申请，由主要领导（纪检监督也可由安全审计员）批准。"
        )
    if is_protected(person):
        return (
            f"{person.name}担任安全审计员或纪检监督，系统管理员不能变更其角色，"
            "请通过“双人审批”办理。"
        )
    return incompatible_role_refusal(person=person, role=role)


def may_change_person(user: User | AnonymousUser | None, person: Person | None) -> bool:
    """The system admin may not change the record, login, password or second factor of a
    protected person (nor of a superuser); the break-glass superuser may."""
    if _is_breakglass(user):
        return True
    if person is None:
        return True
    return not (is_protected(person) or person.user.is_superuser)


def may_change_account(user: User | AnonymousUser | None, account: User) -> bool:
    if _is_breakglass(user):
        return True
    if account.is_superuser:
        return False
    person = Person.objects.filter(user=account).first()
    return may_change_person(user, person)


# --- The two-person procedure: who may ask, who may approve -------------------------------------


def approver_roles_for(*, role: str | None, target: Person) -> set[Role]:
    """Who approves: the unit's principal always; for 纪检监督 (role or holder) also the audit
    admin. Recovery of an audit admin's account: the principal only."""
    watched = {role} if role else held_roles(target) & PROTECTED_ROLES
    approvers = {Role.PRINCIPAL}
    if watched and watched <= {GrantedRole.INSPECTOR.value}:
        approvers.add(Role.AUDIT_ADMIN)
    return approvers


def may_request_over(user: User | AnonymousUser | None, unit: Unit) -> bool:
    """Requesters: the unit's system admin, principal or audit admin."""
    person = roles.person_for(user)
    held = roles.roles_over_unit(person, unit)
    return bool(held & {Role.SYSTEM_ADMIN, Role.PRINCIPAL, Role.AUDIT_ADMIN})


def may_approve(user: User | AnonymousUser | None, request) -> bool:
    """A different person from the requester and the target, holding an approving role over
    the target's unit."""
    person = roles.person_for(user)
    if person is None:
        return False
    if person.pk == request.target_id or user.pk == request.requested_by_id:
        return False
    wanted = approver_roles_for(role=request.role or None, target=request.target)
    return bool(roles.roles_over_unit(person, request.target.unit) & wanted)
