"""Security middleware: the Content-Security-Policy header, the idle session's renewal and the
forced password change."""

import time

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from audit.services import SESSION_MUST_CHANGE, SESSION_RENEWED_AT


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

    ALLOWED_URL_NAMES = ("password_change", "password_change_done", "logout", "login")

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
