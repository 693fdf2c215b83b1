"""The second factor (等保 2.0 8.1.4.1: two authentication techniques, one cryptographic):
TOTP (RFC 6238) in an authenticator app, plus one-time recovery codes, with django-otp.

- Required for the roles named in settings.MFA_REQUIRED_ROLES (and for break-glass
  superusers); optional for everyone else, who may enrol from 账号安全.
- At login the receiver in audit/receivers.py puts in the session what is still owed: "verify"
  (the person has a device) or "enrol" (the person must have one and has none).
  `audit.middleware.SecondFactorMiddleware` sends every page to that step until it is done.
- A lost device is recovered through the two-person procedure (audit.services), never by the
  system admin alone.
"""

import base64
import re

import django_otp
import segno
from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.http import HttpRequest
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.enums import AuditAction, AuditOutcome
from units.enums import GrantedRole

SESSION_MFA_PENDING = "audit.mfa_pending"
PENDING_VERIFY = "verify"
PENDING_ENROL = "enrol"
RECOVERY_CODE_COUNT = 10
TOTP_DEVICE_NAME = "身份验证器"
RECOVERY_DEVICE_NAME = "恢复码"

# The demo accounts' shared TOTP secret (README): RFC 6238's own test key, so a trainer can add
# it to an authenticator app. load_demo gives it to the personas that must use a second factor.
DEMO_TOTP_KEY_HEX = "3132333435363738393031323334353637383930"
DEMO_MFA_USERNAMES = ("demo_admin", "demo_audit", "demo_inspector", "demo_office")


def required_role_values() -> set[str]:
    """MFA_REQUIRED_ROLES names roles by their Chinese label or their code."""
    wanted = {name.strip() for name in settings.MFA_REQUIRED_ROLES}
    return {role.value for role in GrantedRole if role.label in wanted or role.value in wanted}


def mfa_required(user: User | AnonymousUser | None) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    from units.models import RoleGrant

    return RoleGrant.objects.filter(person__user=user, role__in=required_role_values()).exists()


def totp_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def has_second_factor(user: User) -> bool:
    return django_otp.user_has_device(user, confirmed=True)


def pending_step(user: User) -> str | None:
    """What a fresh login still owes: verification, enrolment, or nothing."""
    if has_second_factor(user):
        return PENDING_VERIFY
    if mfa_required(user):
        return PENDING_ENROL
    return None


def secret_base32(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def qr_data_uri(device: TOTPDevice) -> str:
    """The provisioning URI as a QR code (SVG, drawn on the server; no outside service)."""
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)


# --- Writes -----------------------------------------------------------------------------------


def enrolment_key() -> str:
    """A fresh secret for the enrolment page (kept in the session until confirmed)."""
    from django_otp.plugins.otp_totp.models import default_key

    return default_key()


def enrolment_device(*, user: User, key: str) -> TOTPDevice:
    """The unconfirmed device being enrolled (unsaved until a code is entered)."""
    return TOTPDevice(user=user, name=TOTP_DEVICE_NAME, key=key, confirmed=False)


def _normalised(token: str) -> str:
    return re.sub(r"[\s-]", "", token or "").lower()


@transaction.atomic
def enrolment_confirm(*, request: HttpRequest, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm the device with a code from the app; returns fresh recovery codes, or None
    when the code is wrong. The session counts as verified from here."""
    from audit.services import audit_record

    token = _normalised(token)
    TOTPDevice.objects.filter(user=device.user, confirmed=False).delete()
    device.full_clean()
    device.save()  # throttling of wrong codes is kept on the row
    if not (token.isdigit() and device.verify_token(token)):
        audit_record(
            request=request,
            action=AuditAction.MFA_ENROL,
            obj=request.user,
            outcome=AuditOutcome.FAILURE,
        )
        return None
    TOTPDevice.objects.filter(user=device.user, confirmed=True).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save()
    codes = recovery_codes_issue(user=device.user)
    session_verified(request=request, device=device)
    audit_record(request=request, action=AuditAction.MFA_ENROL, obj=request.user)
    return codes


def recovery_codes_issue(*, user: User) -> list[str]:
    """A new set of one-time recovery codes; the previous set stops working."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, defaults={"name": RECOVERY_DEVICE_NAME, "confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user).count()


def session_verified(*, request: HttpRequest, device) -> None:
    django_otp.login(request, device)
    request.session.pop(SESSION_MFA_PENDING, None)


def second_factor_verify(*, request: HttpRequest, token: str) -> bool:
    """Check a code (six digits from the app, or a recovery code, used up by this) against
    the user's devices; each device throttles repeated failures. Audited either way."""
    from audit.services import audit_record

    user = request.user
    token = _normalised(token)
    device_class = TOTPDevice if token.isdigit() and len(token) == 6 else StaticDevice
    matched = None
    for device in device_class.objects.filter(user=user, confirmed=True):
        matched = django_otp.verify_token(user, device.persistent_id, token)
        if matched is not None:
            break
    if matched is None:
        audit_record(
            request=request,
            action=AuditAction.MFA_VERIFY,
            obj=user,
            outcome=AuditOutcome.FAILURE,
        )
        return False
    session_verified(request=request, device=matched)
    audit_record(
        request=request,
        action=AuditAction.MFA_VERIFY,
        obj=user,
        details={"method": "recovery_code" if device_class is StaticDevice else "totp"},
    )
    return True


def devices_remove(*, user: User) -> int:
    """Forget every second factor of the account (recovery of a lost device): at the next
    login the person enrols again. Only through the two-person procedure or for oneself."""
    deleted = 0
    for model in (TOTPDevice, StaticDevice):
        count, _ = model.objects.filter(user=user).delete()
        deleted += count
    return deleted


def demo_devices_load() -> int:
    """The demo personas that must use a second factor get a TOTP device with the README's
    secret (idempotent)."""
    created = 0
    for user in User.objects.filter(username__in=DEMO_MFA_USERNAMES):
        device, made = TOTPDevice.objects.get_or_create(
            user=user,
            name=TOTP_DEVICE_NAME,
            defaults={"key": DEMO_TOTP_KEY_HEX, "confirmed": True},
        )
        if not made and (device.key != DEMO_TOTP_KEY_HEX or not device.confirmed):
            device.key, device.confirmed = DEMO_TOTP_KEY_HEX, True
            device.save()
            made = True
        created += int(made)
    return created
