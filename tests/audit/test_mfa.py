"""The second factor: TOTP (RFC 6238) and recovery codes, after the password and before any
other page; required for MFA_REQUIRED_ROLES, optional for everyone else."""

import base64
import re

import pytest
from django.contrib.auth.models import User
from django.test import Client, override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.enums import AuditAction
from audit.mfa import DEMO_TOTP_KEY_HEX
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def _password_login(username: str, password: str) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": password})
    assert response.status_code == 302, f"{username} could not log in"
    return client


def _code(key_hex: str = DEMO_TOTP_KEY_HEX) -> str:
    return f"{totp(bytes.fromhex(key_hex)):06d}"


def test_demo_secret_is_rfc_6238s_test_key():
    from django_otp.oath import TOTP

    clock = TOTP(bytes.fromhex(DEMO_TOTP_KEY_HEX), step=30, t0=0, digits=8)
    clock.time = 59

    assert clock.token() == 94287082  # RFC 6238, appendix B, SHA-1 at T = 59


@pytest.mark.parametrize("username", ["demo_admin", "demo_audit", "demo_inspector", "demo_office"])
def test_required_roles_verify_a_code_before_any_page(demo, demo_password, username):
    client = _password_login(username, demo_password)

    for url in (reverse("home"), reverse("admin:index"), reverse("password_change")):
        response = client.get(url)
        assert response.status_code == 302 and response.url == reverse("mfa_verify"), url

    response = client.post(reverse("mfa_verify"), {"token": _code()})

    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200
    event = AuditEvent.objects.get(action=AuditAction.MFA_VERIFY, actor__username=username)
    assert event.outcome == "success" and event.details["method"] == "totp"


def test_a_wrong_code_is_refused_in_chinese_and_audited(demo, demo_password):
    client = _password_login("demo_admin", demo_password)

    response = client.post(reverse("mfa_verify"), {"token": "000000"})

    assert response.status_code == 200
    assert "验证码不正确" in response.content.decode()
    assert client.get(reverse("home")).url == reverse("mfa_verify")
    assert AuditEvent.objects.filter(action=AuditAction.MFA_VERIFY, outcome="failure").exists()


def test_other_roles_log_in_with_the_password_alone(demo, demo_password):
    client = _password_login("demo_staff", demo_password)

    assert client.get(reverse("home")).status_code == 200


def test_a_person_who_must_enrol_is_led_to_enrolment_and_gets_recovery_codes(demo, demo_password):
    TOTPDevice.objects.filter(user=demo["office"]).delete()
    client = _password_login("demo_office", demo_password)

    assert client.get(reverse("home")).url == reverse("mfa_enrol")
    page = client.get(reverse("mfa_enrol")).content.decode()
    assert 'src="data:image/svg+xml' in page  # the QR code, drawn on the server
    secret = re.search(r"<code>([A-Z2-7]+)</code>", page).group(1)
    key_hex = base64.b32decode(secret + "=" * (-len(secret) % 8)).hex()

    wrong = client.post(reverse("mfa_enrol"), {"token": "123456"})
    assert "验证码不正确" in wrong.content.decode()
    response = client.post(reverse("mfa_enrol"), {"token": _code(key_hex)})

    body = response.content.decode()
    assert "绑定成功" in body
    codes = re.findall(r"<li>([a-z2-7]{8})</li>", body)
    assert len(codes) == 10
    assert client.get(reverse("home")).status_code == 200
    assert TOTPDevice.objects.get(user=demo["office"], confirmed=True).key == key_hex
    assert AuditEvent.objects.filter(action=AuditAction.MFA_ENROL, outcome="success").exists()


def test_a_recovery_code_works_once(demo, demo_password):
    enrolled = Client()
    enrolled.force_login(demo["admin"])
    codes = enrolled.post(reverse("account_security"), {"action": "codes"}).content.decode()
    code = re.findall(r"<li>([a-z2-7]{8})</li>", codes)[0]

    first = _password_login("demo_admin", demo_password)
    assert first.post(reverse("mfa_verify"), {"token": code}).status_code == 302
    assert first.get(reverse("home")).status_code == 200
    second = _password_login("demo_admin", demo_password)
    assert second.post(reverse("mfa_verify"), {"token": code}).status_code == 200
    assert StaticToken.objects.filter(device__user=demo["admin"]).count() == 9


def test_someone_owing_a_code_cannot_enrol_a_new_device_instead(demo, demo_password):
    client = _password_login("demo_audit", demo_password)

    response = client.post(reverse("mfa_enrol"), {"token": "123456"})

    assert response.url == reverse("mfa_verify")
    assert TOTPDevice.objects.filter(user=demo["auditor"]).count() == 1


def test_others_may_enrol_and_then_need_the_code_too(demo, demo_password):
    client = _password_login("demo_staff", demo_password)
    page = client.get(reverse("mfa_enrol")).content.decode()
    secret = re.search(r"<code>([A-Z2-7]+)</code>", page).group(1)
    key_hex = base64.b32decode(secret + "=" * (-len(secret) % 8)).hex()
    client.post(reverse("mfa_enrol"), {"token": _code(key_hex)})

    again = _password_login("demo_staff", demo_password)

    assert again.get(reverse("home")).url == reverse("mfa_verify")
    # Optional: they may also remove it (those who must have it may not).
    client.post(reverse("account_security"), {"action": "remove"})
    assert not TOTPDevice.objects.filter(user=demo["staff"]).exists()
    office = Client()
    office.force_login(demo["office"])
    office.post(reverse("account_security"), {"action": "remove"})
    assert TOTPDevice.objects.filter(user=demo["office"]).exists()


@override_settings(MFA_REQUIRED_ROLES=["系统管理员"])
def test_the_required_roles_come_from_the_setting(demo, demo_password):
    TOTPDevice.objects.filter(user__in=[demo["office"], demo["admin"]]).delete()

    office = _password_login("demo_office", demo_password)
    admin = _password_login("demo_admin", demo_password)

    assert office.get(reverse("home")).status_code == 200
    assert admin.get(reverse("home")).url == reverse("mfa_enrol")


def test_the_break_glass_superuser_must_enrol_too(db):
    User.objects.create_superuser("breakglass", password="Break#Glass2026")

    client = _password_login("breakglass", "Break#Glass2026")

    assert client.get(reverse("admin:index")).url == reverse("mfa_enrol")
