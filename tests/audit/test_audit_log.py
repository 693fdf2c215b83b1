"""The audit log: what it records, who reads it, and that nothing edits or deletes it."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from audit.enums import AuditAction
from audit.models import AuditEvent, AuditLogIsAppendOnly
from audit.services import audit_record
from units.enums import GrantedRole
from units.models import Person, RoleGrant, Unit

pytestmark = pytest.mark.django_db


def _event(**kwargs) -> AuditEvent:
    return audit_record(action=kwargs.pop("action", AuditAction.EXPORT), **kwargs)


# --- Recording -------------------------------------------------------------------------------


def test_audit_record_keeps_actor_object_and_address(rf, demo):
    request = rf.get("/", REMOTE_ADDR="192.168.10.7")
    request.user = demo["office"]
    person = Person.objects.get(user=demo["staff"])

    event = audit_record(
        request=request, action=AuditAction.EXPORT, obj=person, details={"format": "xlsx"}
    )

    event.refresh_from_db()
    assert event.actor_username == "demo_office"
    assert event.actor_name == "杨帆"
    assert "廉防办" in event.actor_roles
    assert event.client_address == "192.168.10.7"
    assert event.action_label == "导出"
    assert (event.object_type, event.object_id, event.object_repr) == (
        "units.person",
        str(person.pk),
        "李晓燕",
    )
    assert event.details == {"format": "xlsx"}
    assert event.unit_path == Unit.objects.get(code="GYRC").path


def test_audit_record_refuses_unknown_action_codes(db):
    with pytest.raises(ValueError):
        audit_record(action="something.made_up")


def test_client_address_comes_from_trusted_proxy_only(rf, settings):
    from audit.net import client_address

    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 172.16.0.9")
    assert client_address(request) == "10.0.0.1"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_address(request) == "172.16.0.9"


def test_role_grant_through_the_admin_is_audited(client, demo):
    client.force_login(demo["admin"])
    person = Person.objects.get(user=demo["staff"])
    gyrc = Unit.objects.get(code="GYRC")

    response = client.post(
        reverse("admin:units_rolegrant_add"),
        {"person": person.pk, "role": GrantedRole.INTEGRITY_OFFICE, "unit": gyrc.pk, "note": ""},
    )
    assert response.status_code == 302
    grant = RoleGrant.objects.get(person=person, role=GrantedRole.INTEGRITY_OFFICE)
    client.post(reverse("admin:units_rolegrant_delete", args=[grant.pk]), {"post": "yes"})

    granted = AuditEvent.objects.get(action=AuditAction.ROLE_GRANT)
    revoked = AuditEvent.objects.get(action=AuditAction.ROLE_REVOKE)
    assert granted.actor == demo["admin"] and granted.details["person"] == "李晓燕"
    assert revoked.object_id == str(grant.pk)
    assert not RoleGrant.objects.filter(pk=grant.pk).exists()


def test_role_grant_through_the_person_inline_is_audited(client, demo):
    from django.contrib.auth.models import User

    # The inline is editable with model permissions, i.e. by the break-glass account.
    root = User.objects.create_superuser("breakglass", password="Break#Glass2026")
    client.force_login(root)
    person = Person.objects.get(user=demo["staff"])
    gyrc = Unit.objects.get(code="GYRC")
    data = {
        "unit": gyrc.pk, "employee_no": person.employee_no, "name": person.name,
        "department": person.department_id, "post": person.post_id, "job_title": person.job_title,
        "phone": person.phone, "email": "", "active": "on",
        "role_grants-TOTAL_FORMS": "1", "role_grants-INITIAL_FORMS": "0",
        "role_grants-0-role": GrantedRole.INTEGRITY_OFFICE, "role_grants-0-unit": gyrc.pk,
        "role_grants-0-note": "",
    }  # fmt: skip

    response = client.post(reverse("admin:units_person_change", args=[person.pk]), data)

    assert response.status_code == 302, response.content.decode()[:3000]
    event = AuditEvent.objects.get(action=AuditAction.ROLE_GRANT)
    assert event.details["role"] == GrantedRole.INTEGRITY_OFFICE
    assert event.actor_username == "breakglass"
    assert AuditEvent.objects.filter(action=AuditAction.ADMIN_CHANGE, object_id=str(person.pk))


def test_admin_changes_are_audited(client, demo):
    client.force_login(demo["admin"])
    unit = Unit.objects.get(code="GYRC")

    response = client.post(
        reverse("admin:units_unit_change", args=[unit.pk]),
        {"name": unit.name, "short_name": "市红会（测试）", "code": unit.code, "parent": "",
         "level_labels": unit.level_labels, "form_layout": unit.form_layout, "order": unit.order},
    )  # fmt: skip

    assert response.status_code == 302  # saved (a form error would answer 200 and audit nothing)
    event = AuditEvent.objects.get(action=AuditAction.ADMIN_CHANGE, object_type="units.unit")
    assert event.object_id == str(unit.pk)
    assert "简称" in event.details["message"]


# --- Append-only -----------------------------------------------------------------------------


def test_audit_event_cannot_be_changed_or_deleted_through_the_model(db):
    event = _event()
    event.object_repr = "tampered"

    with pytest.raises(AuditLogIsAppendOnly):
        event.save()
    with pytest.raises(AuditLogIsAppendOnly):
        event.delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(object_repr="tampered")
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).object_repr == ""


def test_audit_event_update_is_refused_by_the_database(db):
    event = _event()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET object_repr = 'tampered' WHERE id = %s", [event.pk]
        )
    assert AuditEvent.objects.get(pk=event.pk).object_repr == ""


def test_audit_admin_has_no_add_change_or_delete_path(client, demo):
    event = _event(actor=demo["staff"])
    client.force_login(demo["auditor"])

    assert client.get(reverse("admin:audit_auditevent_add")).status_code == 403
    delete_url = reverse("admin:audit_auditevent_delete", args=[event.pk])
    assert client.get(delete_url).status_code == 403
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    change_url = reverse("admin:audit_auditevent_change", args=[event.pk])
    page = client.get(change_url)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    client.post(change_url, {"object_repr": "tampered"})
    changelist = client.get(reverse("admin:audit_auditevent_changelist"))
    assert "delete_selected" not in changelist.content.decode()
    client.post(
        reverse("admin:audit_auditevent_changelist"),
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )
    assert AuditEvent.objects.get(pk=event.pk).object_repr == event.object_repr


# --- Who reads it ----------------------------------------------------------------------------


def test_auditor_reads_and_searches_the_audit_log(client, demo):
    _event(actor=demo["staff"], details={"x": 1})
    _event(actor=demo["head"])
    client.force_login(demo["auditor"])

    response = client.get(reverse("admin:audit_auditevent_changelist"), {"q": "demo_staff"})

    body = response.content.decode()
    assert response.status_code == 200
    assert "demo_staff" in body and "demo_head" not in body


def test_auditor_filters_by_action_and_outcome(client, demo):
    _event(actor=demo["staff"])
    audit_record(actor=demo["head"], action=AuditAction.LOGIN_FAILED, outcome="failure")
    client.force_login(demo["auditor"])

    body = client.get(
        reverse("admin:audit_auditevent_changelist"),
        {"action": AuditAction.LOGIN_FAILED, "outcome__exact": "failure"},
    ).content.decode()

    assert "demo_head" in body and "demo_staff" not in body


@pytest.mark.parametrize("persona", ["admin", "staff", "head", "principal", "office", "inspector"])
def test_only_the_audit_admin_reads_the_audit_log(client, demo, persona):
    event = _event(actor=demo["staff"])
    client.force_login(demo[persona])

    for url in (
        reverse("admin:audit_auditevent_changelist"),
        reverse("admin:audit_auditevent_change", args=[event.pk]),
        reverse("admin:audit_auditevent_export"),
    ):
        assert client.get(url).status_code == 403, url


def test_superuser_does_not_read_the_audit_log(client, db):
    from django.contrib.auth.models import User

    root = User.objects.create_superuser("breakglass", password="Break#Glass2026")
    client.force_login(root)

    assert client.get(reverse("admin:audit_auditevent_changelist")).status_code == 403


@pytest.mark.parametrize(
    "url_name",
    ["admin:units_person_changelist", "admin:units_unit_changelist", "admin:auth_user_changelist",
     "admin:units_rolegrant_changelist"],
)  # fmt: skip
def test_auditor_cannot_read_the_org_chart(client, demo, url_name):
    client.force_login(demo["auditor"])

    assert client.get(reverse(url_name)).status_code == 403


def test_auditor_sees_only_events_of_the_units_granted(client, demo):
    lz_person = Person.objects.filter(unit__code="GYRC-LZ").first()
    _event(obj=lz_person)
    grant = RoleGrant.objects.get(person__user=demo["auditor"], role=GrantedRole.AUDIT_ADMIN)
    RoleGrant.objects.filter(pk=grant.pk).update(include_subunits=False)
    client.force_login(demo["auditor"])

    body = client.get(reverse("admin:audit_auditevent_changelist")).content.decode()

    assert lz_person.name not in body


# --- Export ----------------------------------------------------------------------------------


def test_auditor_exports_the_filtered_log_to_excel_without_formulas(client, demo):
    _event(actor=demo["staff"], details={"note": '=HYPERLINK("http://evil")'})
    audit_record(
        action=AuditAction.LOGIN_FAILED,
        outcome="failure",
        details={"username": "=cmd|' /C calc'!A0"},
    )
    client.force_login(demo["auditor"])

    response = client.get(reverse("admin:audit_auditevent_export"), {"q": "demo_staff"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "时间"
    assert len(rows) == 2 and rows[1][1] == "demo_staff"
    assert AuditEvent.objects.filter(
        action=AuditAction.AUDIT_EXPORT, actor=demo["auditor"]
    ).exists()


# --- Retention -------------------------------------------------------------------------------


def _old_event(days: int) -> AuditEvent:
    event = AuditEvent(
        at=timezone.now() - datetime.timedelta(days=days),
        action=AuditAction.LOGIN,
        action_label="登录",
    )
    event.save()
    return event


def test_purge_audit_refuses_to_delete_rows_younger_than_180_days(db):
    young = _old_event(days=100)
    before = timezone.localdate() - datetime.timedelta(days=90)

    with pytest.raises(CommandError, match="至少保留 180 天"):
        call_command("purge_audit", before=before.isoformat())

    assert AuditEvent.objects.filter(pk=young.pk).exists()


def test_purge_audit_deletes_rows_older_than_the_date_and_records_itself(db):
    old = _old_event(days=400)
    kept = _old_event(days=190)
    before = timezone.localdate() - datetime.timedelta(days=200)

    call_command("purge_audit", before=before.isoformat(), stdout=io.StringIO())

    assert not AuditEvent.objects.filter(pk=old.pk).exists()
    assert AuditEvent.objects.filter(pk=kept.pk).exists()
    assert AuditEvent.objects.get(action=AuditAction.AUDIT_PURGE).details["deleted"] == 1


def test_purge_audit_explains_a_bad_date(db):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("purge_audit", before="last year")
