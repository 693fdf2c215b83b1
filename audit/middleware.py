"""Security middleware: the Content-Security-Policy header, the idle session's renewal, the
second factor after the password, the forced password change, and the break-glass audit."""

import logging
import time

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import SuspiciousOperation
from django.db import DataError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import get_resolver, reverse

from audit.enums import AuditAction
from audit.mfa import PENDING_ENROL, SESSION_MFA_PENDING
from audit.services import SESSION_MUST_CHANGE, SESSION_RENEWED_AT, audit_record

log = logging.getLogger(__name__)


class ContentSecurityPolicyMiddleware:
    """Adds settings.CONTENT_SECURITY_POLICY to every response that has none yet.

    The policy allows scripts and styles from our own origin only (no inline code, no eval),
    which is also why templates never carry inline <script> or style attributes."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = "; ".join(
            f"{directive} {' '.join(sources)}".strip()
            for directive, sources in settings.CONTENT_SECURITY_POLICY.items()
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy
        return response


class IdleSessionRenewalMiddleware:
    """Keeps an active session alive: the session ends SESSION_COOKIE_AGE after it was last
    saved, and a request renews it when the last renewal is more than SESSION_RENEW_SECONDS
    old. Saving on every request (SESSION_SAVE_EVERY_REQUEST) would cost a database write and
    commit per page for a timeout that a minute's precision serves as well."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and session.session_key:
            now = int(time.time())
            if now - session.get(SESSION_RENEWED_AT, 0) >= settings.SESSION_RENEW_SECONDS:
                session[SESSION_RENEWED_AT] = now
        return self.get_response(request)


class PasswordChangeRequiredMiddleware:
    """Sends a person whose password was set by someone else to the password change page
    until they have chosen their own. The flag is put in the session at login, so ordinary
    requests cost no query."""

    # The second factor comes first (SecondFactorMiddleware), then the password change.
    ALLOWED_URL_NAMES = (
        "password_change",
        "password_change_done",
        "logout",
        "login",
        "mfa_verify",
        "mfa_enrol",
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and request.session.get(SESSION_MUST_CHANGE)
            and not self._allowed(request.path)
        ):
            messages.warning(request, "您的密码由管理员设置，请先修改为只有您本人知道的新密码。")
            return redirect("password_change")
        return self.get_response(request)

    def _allowed(self, path: str) -> bool:
        if path.startswith((settings.STATIC_URL, settings.MEDIA_URL)):
            return True
        return any(path == reverse(name) for name in self.ALLOWED_URL_NAMES)


class SecondFactorMiddleware:
    """After the password, before any other page: the second factor. A person with a device
    is sent to enter a code; one who must have a device and has none, to enrol (audit/mfa.py).
    What is owed is put in the session at login, so ordinary requests cost no query."""

    ALLOWED_URL_NAMES = ("mfa_verify", "mfa_enrol", "logout")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        step = session.get(SESSION_MFA_PENDING) if session is not None else None
        if (
            step
            and user is not None
            and user.is_authenticated
            and not request.path.startswith(settings.STATIC_URL)
            and not any(request.path == reverse(name) for name in self.ALLOWED_URL_NAMES)
        ):
            return redirect("mfa_enrol" if step == PENDING_ENROL else "mfa_verify")
        return self.get_response(request)


class BreakGlassAuditMiddleware:
    """Every request of a break-glass superuser goes to the audit log: it stays outside daily
    work, and each use of it is visible to the audit admin."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_superuser:
            audit_record(
                request=request,
                actor=user,
                action=AuditAction.BREAK_GLASS,
                details={
                    "method": request.method,
                    "path": request.path[:300],
                    "status": response.status_code,
                },
            )
        return response


class BadInputMiddleware:
    """The last guard of "bad input is never a 500": a number no database column can hold
    (a 40-digit id) reaches the database as OverflowError (SQLite) or DataError (PostgreSQL);
    either is the client's mistake and answers 400 with the project's Chinese page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if isinstance(exception, OverflowError | DataError):
            log.info(
                "bad input refused with 400: %s %s: %s", request.method, request.path, exception
            )
            handler = get_resolver().resolve_error_handler(400)
            return handler(request, exception=SuspiciousOperation(str(exception)))
        return None
