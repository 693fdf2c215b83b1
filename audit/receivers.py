"""Turn the authentication signals of django.contrib.auth and django-axes into audit rows.

These are the only signals in riskreg: logins, logouts and lockouts are announced by the
framework, not by our code, so there is no service to call instead. The same goes for a new
database connection, on which SQLite needs the function its audit DELETE trigger asks.
"""

import time

from axes.signals import user_locked_out
from django.contrib.auth.models import User
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.backends.signals import connection_created
from django.dispatch import receiver

from audit.chain import sqlite_delete_allowed
from audit.enums import AuditAction, AuditOutcome
from audit.mfa import SESSION_MFA_PENDING, pending_step
from audit.selectors import password_change_required
from audit.services import SESSION_MUST_CHANGE, SESSION_RENEWED_AT, audit_record


def _account(username: str) -> User | None:
    if not username:
        return None
    return User.objects.filter(username=username).first()


@receiver(user_logged_in, dispatch_uid="audit_user_logged_in")
def record_login(sender, request, user, **kwargs):
    audit_record(request=request, actor=user, action=AuditAction.LOGIN, obj=user)
    if request is not None and hasattr(request, "session"):
        # Logging in saves the session with a fresh expiry: the next page need not renew it.
        request.session[SESSION_RENEWED_AT] = int(time.time())
        # What the login still owes before any page opens (audit/mfa.py).
        step = pending_step(user)
        if step:
            request.session[SESSION_MFA_PENDING] = step
        else:
            request.session.pop(SESSION_MFA_PENDING, None)
        if password_change_required(user):
            request.session[SESSION_MUST_CHANGE] = True
        else:
            request.session.pop(SESSION_MUST_CHANGE, None)


@receiver(user_logged_out, dispatch_uid="audit_user_logged_out")
def record_logout(sender, request, user, **kwargs):
    if user is None:
        return
    audit_record(request=request, actor=user, action=AuditAction.LOGOUT, obj=user)


@receiver(user_login_failed, dispatch_uid="audit_user_login_failed")
def record_login_failed(sender, credentials, request=None, **kwargs):
    # Django has already replaced the password in `credentials` by asterisks.
    username = str(credentials.get("username", ""))[:150]
    account = _account(username)
    audit_record(
        request=request,
        actor=None,
        action=AuditAction.LOGIN_FAILED,
        obj=account,
        outcome=AuditOutcome.FAILURE,
        details={
            "username": username,
            "known_account": account is not None,
            "locked_out": bool(getattr(request, "axes_locked_out", False)),
        },
    )


@receiver(user_locked_out, dispatch_uid="audit_user_locked_out")
def record_lockout(sender, request, username, ip_address, **kwargs):
    account = _account(username or "")
    audit_record(
        request=request,
        actor=None,
        action=AuditAction.LOCKOUT,
        obj=account,
        outcome=AuditOutcome.FAILURE,
        details={"username": username or "", "ip_address": ip_address or ""},
    )


@receiver(connection_created, dispatch_uid="audit_sqlite_delete_guard")
def register_sqlite_delete_guard(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "riskreg_audit_delete_allowed", 0, sqlite_delete_allowed
        )
