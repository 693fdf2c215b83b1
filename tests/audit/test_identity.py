"""Identity controls: lockout, idle timeout, logout everywhere, forced password change."""

import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.enums import AuditAction
from audit.models import AuditEvent, PasswordPolicyState

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
NEW_PASSWORD = "Lianzheng#2026qx"


def _login(client: Client, username: str, password: str, address: str = "10.1.1.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def _logged_in(client: Client) -> bool:
    return client.get(reverse("home")).status_code == 200


# --- Lockout ---------------------------------------------------------------------------------


def test_lockout_refuses_the_sixth_attempt_even_with_the_right_password(
    client, demo, demo_password
):
    for _ in range(4):
        response = _login(client, "demo_staff", "wrong-password")
        assert response.status_code == 200
        assert "用户名或密码不正确" in response.content.decode()
    # The fifth failure locks the account at once.
    assert _login(client, "demo_staff", "wrong-password").status_code == 429

    response = _login(client, "demo_staff", demo_password)

    assert response.status_code == 429
    body = response.content.decode()
    assert "登录已被暂时锁定" in body and "15 分钟" in body
    assert not _logged_in(client)


def test_lockout_is_per_account_across_addresses(client, demo, demo_password):
    for n in range(5):
        _login(client, "demo_staff", "wrong-password", address=f"10.2.0.{n + 1}")

    response = _login(Client(), "demo_staff", demo_password, address="10.2.9.9")

    assert response.status_code == 429


def test_lockout_is_per_address_across_accounts(client, demo, demo_password):
    for n in range(5):
        _login(client, f"nobody-{n}", "wrong-password", address="10.3.3.3")

    refused = _login(Client(), "demo_head", demo_password, address="10.3.3.3")
    elsewhere = _login(Client(), "demo_head", demo_password, address="10.3.3.4")

    assert refused.status_code == 429
    assert elsewhere.status_code == 302


def test_four_failures_do_not_lock(client, demo, demo_password):
    for _ in range(4):
        _login(client, "demo_staff", "wrong-password")

    assert _login(client, "demo_staff", demo_password).status_code == 302


def test_lockout_ends_after_fifteen_minutes(client, demo, demo_password):
    from axes.models import AccessAttempt

    for _ in range(5):
        _login(client, "demo_staff", "wrong-password")
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=16))

    assert _login(client, "demo_staff", demo_password).status_code == 302


def test_lockout_and_failed_logins_are_audited(client, demo):
    for _ in range(5):
        _login(client, "demo_staff", "wrong-password", address="10.4.4.4")

    failed = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED)
    assert failed.count() == 5
    event = failed.first()
    assert event.outcome == "failure"
    assert event.client_address == "10.4.4.4"
    assert event.details["username"] == "demo_staff"
    assert event.object_id == str(demo["staff"].pk)
    assert "wrong-password" not in str(event.details)
    lockout = AuditEvent.objects.get(action=AuditAction.LOCKOUT)
    assert lockout.details["username"] == "demo_staff"


def test_admin_password_reset_unlocks_and_forces_a_change(client, demo, demo_password):
    for _ in range(5):
        _login(Client(), "demo_staff", "wrong-password")
    admin = Client()
    admin.force_login(demo["admin"])

    response = admin.post(
        reverse("admin:auth_user_password_change", args=[demo["staff"].pk]),
        {"password1": "Reset#Pass2026x", "password2": "Reset#Pass2026x", "usable_password": "true"},
    )

    assert response.status_code == 302
    assert PasswordPolicyState.objects.get(user=demo["staff"]).must_change
    assert AuditEvent.objects.filter(
        action=AuditAction.PASSWORD_RESET, object_id=str(demo["staff"].pk)
    ).exists()
    staff = Client()
    assert _login(staff, "demo_staff", "Reset#Pass2026x").status_code == 302
    assert staff.get(reverse("home")).url == reverse("password_change")


# --- Forced password change ------------------------------------------------------------------


def _force_change(user: User) -> None:
    PasswordPolicyState.objects.create(user=user, must_change=True, reason="admin_reset")


def test_forced_change_redirects_every_page_to_the_password_change(client, demo, demo_password):
    _force_change(demo["staff"])
    _login(client, "demo_staff", demo_password)

    for url in (reverse("home"), reverse("admin:index")):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url == reverse("password_change")
    page = client.get(reverse("password_change"))
    assert page.status_code == 200
    assert "请先修改" in page.content.decode()


def test_forced_change_is_lifted_by_changing_the_password(client, demo, demo_password):
    _force_change(demo["staff"])
    _login(client, "demo_staff", demo_password)

    response = client.post(
        reverse("password_change"),
        {
            "old_password": demo_password,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )

    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200
    assert not PasswordPolicyState.objects.get(user=demo["staff"]).must_change
    assert AuditEvent.objects.filter(
        action=AuditAction.PASSWORD_CHANGE, outcome="success", actor=demo["staff"]
    ).exists()


def test_forced_change_refuses_a_weak_new_password_with_a_chinese_message(
    client, demo, demo_password
):
    _force_change(demo["staff"])
    _login(client, "demo_staff", demo_password)

    response = client.post(
        reverse("password_change"),
        {"old_password": demo_password, "new_password1": "abc", "new_password2": "abc"},
    )

    assert response.status_code == 200
    assert "至少需要 10 个字符" in response.content.decode()
    assert client.get(reverse("home")).status_code == 302
    assert AuditEvent.objects.filter(action=AuditAction.PASSWORD_CHANGE, outcome="failure").exists()


def test_demo_accounts_are_not_forced_to_change(client, demo, demo_password):
    assert _login(client, "demo_staff", demo_password).url == reverse("home")
    assert client.get(reverse("home")).status_code == 200


# --- Sessions --------------------------------------------------------------------------------


def test_idle_session_expires_after_thirty_minutes_and_a_request_renews_it(
    client, demo, monkeypatch
):
    import time

    client.force_login(demo["staff"])
    key = client.session.session_key
    Session.objects.filter(pk=key).update(
        expire_date=timezone.now() + datetime.timedelta(minutes=1)
    )
    later = time.time() + 61  # the session was last renewed (at login) a minute ago
    monkeypatch.setattr("audit.middleware.time.time", lambda: later)

    assert client.get(reverse("home")).status_code == 200

    expiry = Session.objects.get(pk=key).expire_date - timezone.now()
    assert datetime.timedelta(minutes=29) < expiry <= datetime.timedelta(minutes=30)


def test_a_session_is_renewed_at_most_once_a_minute(client, demo, monkeypatch):
    """Pages within a minute do not write the session; the first one after it renews it."""
    import time

    client.force_login(demo["staff"])  # logging in saves the session: renewed now
    key = client.session.session_key
    soon = timezone.now() + datetime.timedelta(minutes=5)
    Session.objects.filter(pk=key).update(expire_date=soon)

    assert client.get(reverse("home")).status_code == 200
    assert Session.objects.get(pk=key).expire_date == soon

    later = time.time() + 61
    monkeypatch.setattr("audit.middleware.time.time", lambda: later)
    assert client.get(reverse("home")).status_code == 200
    expiry = Session.objects.get(pk=key).expire_date - timezone.now()
    assert datetime.timedelta(minutes=29) < expiry <= datetime.timedelta(minutes=30)


def test_idle_session_past_its_expiry_is_logged_out(client, demo):
    client.force_login(demo["staff"])
    Session.objects.filter(pk=client.session.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )

    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_idle_timeout_is_configurable_from_the_environment():
    env = {
        **os.environ,
        "SESSION_IDLE_MINUTES": "45",
        "DJANGO_SETTINGS_MODULE": "riskreg.settings_test",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings; "
         "print(settings.SESSION_COOKIE_AGE, settings.SESSION_SAVE_EVERY_REQUEST)"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert result.stdout.split() == ["2700", "False"]


def test_password_change_logs_out_every_other_session(demo, demo_password):
    laptop, phone = Client(), Client()
    _login(laptop, "demo_staff", demo_password)
    _login(phone, "demo_staff", demo_password, address="10.9.9.9")

    laptop.post(
        reverse("password_change"),
        {
            "old_password": demo_password,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )

    assert _logged_in(laptop)
    assert not _logged_in(phone)


def test_logout_is_post_only_and_audited(client, demo):
    client.force_login(demo["staff"])

    assert client.get(reverse("logout")).status_code == 405
    assert _logged_in(client)
    client.post(reverse("logout"))

    assert not _logged_in(client)
    assert AuditEvent.objects.filter(action=AuditAction.LOGOUT, actor=demo["staff"]).exists()


def test_successful_login_is_audited_with_address(client, demo, demo_password):
    _login(client, "demo_head", demo_password, address="10.8.8.8")

    event = AuditEvent.objects.get(action=AuditAction.LOGIN)
    assert event.actor == demo["head"]
    assert event.actor_username == "demo_head"
    assert event.actor_name == "赵明远"
    assert event.client_address == "10.8.8.8"
    assert event.unit_name == "广元市红十字会"
