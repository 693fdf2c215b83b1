"""Every change made in the admin also goes to the audit log.

`RiskregAdminSite.register` wraps each ModelAdmin with `AuditedAdminMixin`, so admins added by
later features are covered without doing anything. Role grants are recorded as grants,
changes and revocations; a password set in the account admin as a reset (which also forces
the holder to choose a new one).
"""

import json

from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import User
from django.http import HttpRequest

from audit.enums import AuditAction
from audit.services import audit_record, password_reset_by_admin

ADMIN_PASSWORD_URL_NAME = "auth_user_password_change"


def _message_text(message) -> str:
    if isinstance(message, list):
        message = json.dumps(message)
    return LogEntry(change_message=message or "").get_change_message()


def _role_grant_action(obj, flag: str) -> AuditAction | None:
    from units.models import RoleGrant

    if not isinstance(obj, RoleGrant):
        return None
    return {
        "add": AuditAction.ROLE_GRANT,
        "change": AuditAction.ROLE_CHANGE,
        "delete": AuditAction.ROLE_REVOKE,
    }[flag]


def _grant_details(obj) -> dict:
    return {
        "person": str(obj.person),
        "role": obj.role,
        "unit": str(obj.unit),
        "include_subunits": obj.include_subunits,
    }


def record_admin_change(*, request: HttpRequest, obj, flag: str, message="") -> None:
    resolver_match = getattr(request, "resolver_match", None)
    if (
        flag == "change"
        and isinstance(obj, User)
        and resolver_match is not None
        and resolver_match.url_name == ADMIN_PASSWORD_URL_NAME
    ):
        password_reset_by_admin(request=request, user=obj)
        return
    role_action = _role_grant_action(obj, flag)
    if role_action is not None:
        audit_record(request=request, action=role_action, obj=obj, details=_grant_details(obj))
        return
    action = {
        "add": AuditAction.ADMIN_ADD,
        "change": AuditAction.ADMIN_CHANGE,
        "delete": AuditAction.ADMIN_DELETE,
    }[flag]
    audit_record(
        request=request, action=action, obj=obj, details={"message": _message_text(message)}
    )


def record_inline_role_grants(*, request: HttpRequest, formset) -> None:
    """Role grants added, changed or removed through an inline (call before the deletions)."""
    for obj in formset.new_objects:
        record_admin_change(request=request, obj=obj, flag="add")
    for obj, _fields in formset.changed_objects:
        record_admin_change(request=request, obj=obj, flag="change")
    for obj in formset.deleted_objects:
        record_admin_change(request=request, obj=obj, flag="delete")


class AuditedAdminMixin:
    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        record_admin_change(request=request, obj=obj, flag="add", message=message)
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        record_admin_change(request=request, obj=obj, flag="change", message=message)
        return entry

    def log_deletions(self, request, queryset):
        entries = super().log_deletions(request, queryset)
        for obj in queryset:
            record_admin_change(request=request, obj=obj, flag="delete")
        return entries


def with_audit_logging(admin_class: type[admin.ModelAdmin]) -> type[admin.ModelAdmin]:
    if issubclass(admin_class, AuditedAdminMixin):
        return admin_class
    return type(admin_class.__name__, (AuditedAdminMixin, admin_class), {})
