"""三员分立 against the admins themselves: the refusals of url_access_table.REFUSALS, the
two-person procedure (双人审批) and the audited break-glass account."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.enums import AuditAction
from audit.mfa import DEMO_TOTP_KEY_HEX
from audit.models import AuditEvent, DualControlKind, DualControlRequest
from tests.security.url_access_table import REFUSALS
from units.models import Person, RoleGrant, Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def objects(demo):
    return {
        "unit": Unit.objects.get(code="GYRC"),
        "rolegrant": RoleGrant.objects.get(person__user__username="demo_audit"),
        "dual": DualControlRequest.objects.create(
            kind=DualControlKind.RESET_MFA,
            target=Person.objects.get(user__username="demo_inspector"),
            reason="手机丢失",
            requested_by=demo["admin"],
        ),
    }


@pytest.mark.parametrize("name", REFUSALS)
def test_system_admin_is_refused(client, demo, objects, name):
    refusal = REFUSALS[name]
    client.force_login(demo[refusal.persona])

    response = client.post(refusal.url(objects), refusal.data(objects))

    assert response.status_code == refusal.status, name
    assert refusal.unchanged(objects), f"{name}: something changed"
    if refusal.says:
        assert refusal.says in response.content.decode()


def test_self_grant_leaves_the_audit_log_and_forms_closed(client, demo):
    """The penetration test's route: after the refused self-grant the admin still cannot read
    a colleague's draft or the audit log."""
    client.force_login(demo["admin"])
    admin_person = Person.objects.get(user=demo["admin"])
    gyrc = Unit.objects.get(code="GYRC")
    for role in ("inspector", "audit_admin"):
        client.post(
            reverse("admin:units_rolegrant_add"),
            {"person": admin_person.pk, "role": role, "unit": gyrc.pk, "note": ""},
        )

    assert client.get(reverse("admin:audit_auditevent_changelist")).status_code == 403
    assert client.get(reverse("reports:quarterly", args=["GYRC"])).status_code == 404


def test_system_admin_still_grants_ordinary_roles_to_others(client, demo):
    client.force_login(demo["admin"])
    staff = Person.objects.get(user=demo["staff"])
    gyrc = Unit.objects.get(code="GYRC")

    response = client.post(
        reverse("admin:units_rolegrant_add"),
        {"person": staff.pk, "role": "integrity_office", "unit": gyrc.pk, "note": ""},
    )

    assert response.status_code == 302
    assert RoleGrant.objects.filter(person=staff, role="integrity_office").exists()


def _request(client, **data):
    payload = {"include_subunits": "", "role": "", "unit": "", "reason": "工作需要", **data}
    return client.post(reverse("dual_list"), payload)


def _decide(client, dual, decision="approve"):
    return client.post(
        reverse("dual_detail", args=[dual.pk]), {"decision": decision, "note": "同意"}
    )


def test_two_person_grant_of_inspector_needs_another_approver(demo):
    admin, principal = Client(), Client()
    admin.force_login(demo["admin"])
    principal.force_login(demo["principal"])
    gyrc = Unit.objects.get(code="GYRC")

    response = _request(admin, kind="grant", username="demo_staff", role="inspector", unit=gyrc.pk)
    dual = DualControlRequest.objects.get()
    assert response.status_code == 302
    assert not RoleGrant.objects.filter(person__user=demo["staff"], role="inspector").exists()

    assert _decide(admin, dual).status_code == 403  # not by the requester
    response = _decide(principal, dual)

    assert response.status_code == 200
    assert "已批准并执行" in response.content.decode()
    grant = RoleGrant.objects.get(person__user=demo["staff"], role="inspector")
    assert grant.granted_by == demo["admin"]
    actions = list(
        AuditEvent.objects.filter(action__startswith="dual.").values_list("action", flat=True)
    )
    assert sorted(actions) == [AuditAction.DUAL_APPROVE, AuditAction.DUAL_REQUEST]
    granted = AuditEvent.objects.get(action=AuditAction.ROLE_GRANT)
    assert granted.actor == demo["principal"] and granted.details["dual_request"] == dual.pk


def test_audit_admin_approves_inspector_matters_but_not_audit_admin_ones(demo):
    admin, auditor = Client(), Client()
    admin.force_login(demo["admin"])
    auditor.force_login(demo["auditor"])
    gyrc = Unit.objects.get(code="GYRC")
    _request(admin, kind="grant", username="demo_staff", role="inspector", unit=gyrc.pk)
    _request(admin, kind="grant", username="demo_staff2", role="audit_admin", unit=gyrc.pk)
    inspector_grant = DualControlRequest.objects.get(role="inspector")
    audit_grant = DualControlRequest.objects.get(role="audit_admin")

    assert _decide(auditor, audit_grant).status_code == 403
    assert _decide(auditor, inspector_grant).status_code == 200

    assert RoleGrant.objects.filter(person__user=demo["staff"], role="inspector").exists()
    assert not RoleGrant.objects.filter(person__user=demo["staff2"], role="audit_admin").exists()


def test_recovering_the_audit_admins_password_takes_the_principal(demo, demo_password):
    admin, principal = Client(), Client()
    admin.force_login(demo["admin"])
    principal.force_login(demo["principal"])
    _request(admin, kind="reset_password", username="demo_audit")
    dual = DualControlRequest.objects.get()

    response = _decide(principal, dual)

    body = response.content.decode()
    assert "临时密码" in body
    audit_user = User.objects.get(username="demo_audit")
    assert not audit_user.check_password(demo_password)
    temporary = body.split('<code class="fs-5">')[1].split("</code>")[0]
    assert audit_user.check_password(temporary)
    assert AuditEvent.objects.filter(
        action=AuditAction.PASSWORD_RESET, object_id=str(audit_user.pk)
    ).exists()
    # The holder must choose a new password after logging in (and the second factor).
    holder = Client()
    holder.post(reverse("login"), {"username": "demo_audit", "password": temporary})
    code = totp(bytes.fromhex(DEMO_TOTP_KEY_HEX))
    holder.post(reverse("mfa_verify"), {"token": f"{code:06d}"})
    assert holder.get(reverse("home")).url == reverse("password_change")


def test_a_lost_device_is_recovered_by_two_people_and_the_holder_enrols_again(demo, demo_password):
    admin, auditor = Client(), Client()
    admin.force_login(demo["admin"])
    auditor.force_login(demo["auditor"])
    _request(admin, kind="reset_mfa", username="demo_inspector")
    dual = DualControlRequest.objects.get()

    _decide(auditor, dual)

    assert not TOTPDevice.objects.filter(user=demo["inspector"]).exists()
    inspector = Client()
    inspector.post(reverse("login"), {"username": "demo_inspector", "password": demo_password})
    assert inspector.get(reverse("home")).url == reverse("mfa_enrol")


def test_requests_that_break_the_rules_are_refused_in_chinese(demo):
    admin, principal = Client(), Client()
    admin.force_login(demo["admin"])
    principal.force_login(demo["principal"])

    own = _request(admin, kind="reset_password", username="demo_admin")
    ordinary = _request(admin, kind="reset_password", username="demo_staff")
    clash = _request(
        admin,
        kind="grant",
        username="demo_admin",
        role="audit_admin",
        unit=Unit.objects.get(code="GYRC").pk,
    )

    assert "不能为自己提出申请" in own.content.decode()
    assert "由系统管理员直接重置" in ordinary.content.decode()
    assert "不能为自己提出申请" in clash.content.decode()
    assert not DualControlRequest.objects.exists()
    # Nor may anyone grant the audit admin role to the system admin through the procedure.
    response = _request(
        principal,
        kind="grant",
        username="demo_admin",
        role="audit_admin",
        unit=Unit.objects.get(code="GYRC").pk,
    )
    assert "三员分立" in response.content.decode()


def test_a_rejection_changes_nothing_and_is_audited(demo):
    admin, principal = Client(), Client()
    admin.force_login(demo["admin"])
    principal.force_login(demo["principal"])
    _request(admin, kind="reset_mfa", username="demo_audit")
    dual = DualControlRequest.objects.get()

    _decide(principal, dual, decision="reject")

    assert TOTPDevice.objects.filter(user=demo["auditor"]).exists()
    assert AuditEvent.objects.filter(action=AuditAction.DUAL_REJECT).exists()


def test_people_outside_the_procedure_do_not_see_it(client, demo):
    client.force_login(demo["staff"])

    assert client.get(reverse("dual_list")).status_code == 404


def test_every_request_of_the_break_glass_account_is_audited(client, demo):
    root = User.objects.create_superuser("breakglass", password="Break#Glass2026")
    client.force_login(root)

    client.get(reverse("admin:index"))
    client.get(reverse("admin:units_unit_changelist"))

    rows = AuditEvent.objects.filter(action=AuditAction.BREAK_GLASS, actor=root)
    assert sorted(row.details["path"] for row in rows) == ["/admin/", "/admin/units/unit/"]
