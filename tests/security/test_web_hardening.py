"""Web hardening: CSP without inline code, no framing, CSRF on every POST, secure cookies."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from units.models import Unit

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=\"", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+=\"", re.IGNORECASE)


def _pages(demo) -> list[tuple[str, object]]:
    unit = Unit.objects.get(code="GYRC")
    return [
        (reverse("login"), None),
        (reverse("home"), demo["staff"]),
        (reverse("password_change"), demo["staff"]),
        (reverse("admin:index"), demo["admin"]),
        (reverse("admin:units_person_changelist"), demo["admin"]),
        (reverse("admin:units_person_add"), demo["admin"]),
        (reverse("admin:units_unit_change", args=[unit.pk]), demo["admin"]),
        (reverse("admin:auth_user_password_change", args=[demo["staff"].pk]), demo["admin"]),
        (reverse("admin:audit_auditevent_changelist"), demo["auditor"]),
    ]


def test_every_page_sends_a_strict_content_security_policy(client, demo):
    for url, user in _pages(demo):
        c = Client()
        if user:
            c.force_login(user)
        response = c.get(url)
        assert response.status_code == 200, url
        policy = response["Content-Security-Policy"]
        assert "default-src 'self'" in policy
        assert "script-src 'self'" in policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert "frame-ancestors 'none'" in policy
        assert response["X-Frame-Options"] == "DENY"


def test_pages_carry_no_inline_script_style_or_event_handler(demo):
    """Under the policy above inline code would not run; it must not be needed anywhere."""
    for url, user in _pages(demo):
        c = Client()
        if user:
            c.force_login(user)
        body = c.get(url).content.decode()
        assert not INLINE_SCRIPT.search(body), (url, INLINE_SCRIPT.search(body).group(0))
        assert not INLINE_STYLE.search(body), url
        assert not INLINE_HANDLER.search(body), url


def test_admin_static_javascript_is_served_from_our_origin(demo):
    c = Client()
    c.force_login(demo["admin"])
    body = c.get(reverse("admin:units_person_add")).content.decode()
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', body)
    assert scripts and all(src.startswith("/") and not src.startswith("//") for src in scripts)


@pytest.mark.parametrize(
    "url_name,data",
    [
        ("login", {"username": "demo_staff", "password": "demo-pass-2026"}),
        ("logout", {}),
        ("password_change", {"old_password": "x", "new_password1": "y", "new_password2": "y"}),
        ("admin:units_unit_add", {"name": "新单位", "code": "NEW"}),
    ],
)
def test_post_without_csrf_token_is_refused(demo, url_name, data):
    c = Client(enforce_csrf_checks=True)
    if url_name != "login":
        c.force_login(demo["admin"])

    response = c.post(reverse(url_name), data)

    assert response.status_code == 403
    assert not Unit.objects.filter(code="NEW").exists()


def test_get_on_logout_does_not_log_out(client, demo):
    client.force_login(demo["staff"])

    client.get(reverse("logout"))

    assert client.get(reverse("home")).status_code == 200


def test_production_cookies_are_secure_httponly_and_samesite():
    env = {
        k: v for k, v in os.environ.items() if k not in {"DEBUG", "HTTPS", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="riskreg.settings",
        DEBUG="0",
        SECRET_KEY="a-production-like-secret-key-with-enough-entropy-7f3a9c1e5b2d8f4a6c0e",
        ALLOWED_HOSTS="riskreg.example.gov.cn",
    )
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SESSION_COOKIE_SAMESITE, "
        "s.CSRF_COOKIE_SECURE, s.CSRF_COOKIE_HTTPONLY, s.CSRF_COOKIE_SAMESITE, "
        "s.SECURE_SSL_REDIRECT, s.X_FRAME_OPTIONS)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=60, check=True,
    )  # fmt: skip
    assert result.stdout.split() == ["True", "True", "Lax", "True", "True", "Lax", "True", "DENY"]


def test_session_cookie_is_httponly_and_samesite_on_login(client, demo, demo_password):
    response = client.post(reverse("login"), {"username": "demo_staff", "password": demo_password})
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


def test_request_bodies_are_limited(settings):
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= 10 * 1024 * 1024
    assert settings.UPLOAD_MAX_BYTES == 10 * 1024 * 1024


def test_user_content_is_escaped_in_pages(client, demo):
    from units.models import Person

    person = Person.objects.get(user=demo["staff"])
    Person.objects.filter(pk=person.pk).update(job_title='<script>alert("x")</script>')
    client.force_login(demo["staff"])

    body = client.get(reverse("home")).content.decode()

    assert '<script>alert("x")</script>' not in body
    assert "&lt;script&gt;" in body
