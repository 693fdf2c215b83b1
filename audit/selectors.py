"""Reads of the audit log, always scoped to the reader: only audit admins read it (三员分立)."""

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q, QuerySet

from access import rules as access
from access import rules as roles
from audit.models import AuditEvent, DualControlRequest, PasswordPolicyState
from units.enums import GrantedRole


def may_read_audit(user: User | AnonymousUser | None) -> bool:
    """Only a holder of the 安全审计员 grant; neither system admins nor superusers."""
    return access.has_grant(user, GrantedRole.AUDIT_ADMIN)


def audit_events_for(user: User | AnonymousUser | None) -> QuerySet[AuditEvent]:
    """Events of the units the audit admin's grant covers, plus events tied to no unit
    (failed logins with an unknown user name, break-glass accounts)."""
    if not may_read_audit(user):
        return AuditEvent.objects.none()
    paths = [unit.path for unit in access.granted_units(user, GrantedRole.AUDIT_ADMIN)]
    return AuditEvent.objects.filter(Q(unit_path__in=paths) | Q(unit_path=""))


def password_change_required(user: User | AnonymousUser | None) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return PasswordPolicyState.objects.filter(user=user, must_change=True).exists()


def dual_requests_for(user: User | AnonymousUser | None) -> QuerySet[DualControlRequest]:
    """Requests of the units where this person may ask or approve (system admin, principal,
    audit admin), and those they asked for themselves."""
    person = roles.person_for(user)
    if person is None:
        return DualControlRequest.objects.none()
    units = dual_control_units(user)
    qs = DualControlRequest.objects.select_related(
        "target__unit", "target__user", "unit", "requested_by__person", "decided_by__person"
    )
    return qs.filter(Q(target__unit__in=units) | Q(requested_by=user)).distinct()


def dual_control_units(user: User | AnonymousUser | None) -> QuerySet:
    """Units over which the user takes part in the two-person procedure: those of their system
    admin or audit admin grants, and the unit they lead as principal."""
    from units.models import Unit

    person = roles.person_for(user)
    if person is None:
        return Unit.objects.none()
    ids = {u.pk for u in roles.granted_units(user, GrantedRole.SYSTEM_ADMIN)}
    ids |= {u.pk for u in roles.granted_units(user, GrantedRole.AUDIT_ADMIN)}
    ids |= set(roles.holdings(person).principal_unit_ids)
    return Unit.objects.filter(pk__in=ids)
