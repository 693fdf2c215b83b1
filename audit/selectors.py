"""Reads of the audit log, always scoped to the reader: only audit admins read it (三员分立)."""

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q, QuerySet

from access import rules as access
from audit.models import AuditEvent, PasswordPolicyState
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
