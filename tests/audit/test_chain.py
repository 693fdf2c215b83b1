"""The audit log proves itself: hash chain, verify_audit, DELETE/UPDATE triggers, purge,
signed digests, and parallel writers."""

import datetime
import io
import json
import threading

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from audit.chain import chain_algorithm, digest_is_authentic
from audit.enums import AuditAction
from audit.models import AuditChainHead, AuditEvent
from audit.services import audit_record

DROP_TRIGGERS = {
    "sqlite": [
        "DROP TRIGGER audit_auditevent_no_update",
        "DROP TRIGGER audit_auditevent_no_delete",
    ],
    "postgresql": [
        "DROP TRIGGER audit_auditevent_no_update ON audit_auditevent",
        "DROP TRIGGER audit_auditevent_no_delete ON audit_auditevent",
    ],
}


def _events(n: int) -> list[AuditEvent]:
    return [
        audit_record(action=AuditAction.LOGIN_FAILED, details={"username": f"u{i}", "n": i})
        for i in range(n)
    ]


def _drop_triggers() -> None:
    with connection.cursor() as cursor:
        for sql in DROP_TRIGGERS[connection.vendor]:
            cursor.execute(sql)


def _verify(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_audit", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        return exc.code, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_every_row_is_hashed_with_sm3_where_available_and_chained(db):
    first, second = _events(2)
    first.refresh_from_db()
    second.refresh_from_db()

    assert first.hash_algorithm == chain_algorithm() == "sm3"
    assert len(first.row_hash) == 64
    assert second.seq == first.seq + 1
    assert second.prev_hash == first.row_hash
    assert AuditChainHead.objects.get().last_hash == second.row_hash


def test_verify_audit_passes_an_intact_chain_with_one_line(db):
    _events(5)

    code, out, _err = _verify()

    assert code == 0
    assert out.strip().count("\n") == 0
    assert "完好" in out and "已校验 5 条" in out and "SM3" in out


def test_verify_audit_names_a_row_edited_behind_the_triggers(db, demo):
    events = _events(4)
    target = events[2]
    _drop_triggers()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET object_repr = 'tampered' WHERE id = %s", [target.pk]
        )

    code, _out, err = _verify("--no-alert")

    assert code == 1
    assert f"第 {target.seq} 号记录（id {target.pk}" in err
    assert "内容被修改" in err


def test_verify_audit_names_a_deleted_row(db):
    events = _events(4)
    _drop_triggers()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [events[1].pk])

    code, _out, err = _verify("--no-alert")

    assert code == 1
    assert f"第 {events[1].seq} 号记录被删除" in err


def test_verify_audit_names_a_deleted_tail(db):
    events = _events(3)
    _drop_triggers()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [events[2].pk])

    code, _out, err = _verify("--no-alert")

    assert code == 1
    assert "被删除" in err and str(events[2].seq) in err


def test_verify_audit_names_an_inserted_row(db):
    events = _events(3)
    forged = AuditEvent.objects.values().get(pk=events[2].pk)
    forged.update(id=None, seq=events[2].seq + 1, object_repr="forged")
    columns = [key for key in forged if key != "id"]
    forged["details"] = json.dumps(forged["details"])
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO audit_auditevent ({', '.join(columns)}) "
            f"VALUES ({', '.join(['%s'] * len(columns))})",
            [forged[c] for c in columns],
        )

    code, _out, err = _verify("--no-alert")

    assert code == 1
    assert f"第 {events[2].seq + 1} 号记录" in err and "插入" in err
    # Logging goes on past the forged row, and the forged row is still the one named.
    _events(1)
    code, _out, err = _verify("--no-alert")
    assert code == 1
    assert f"第 {events[2].seq + 1} 号记录" in err and "插入" in err


def test_verify_audit_since_a_date_checks_only_later_rows(db):
    old = AuditEvent(
        at=timezone.now() - datetime.timedelta(days=10),
        action=AuditAction.LOGIN,
        action_label="登录",
    )
    old.save()
    _events(2)
    since = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()

    code, out, _err = _verify("--since", since)

    assert code == 0
    assert "已校验 2 条" in out


@override_settings(AUDIT_DELETE_UNGUARDED=False)
def test_database_refuses_delete_and_update_of_audit_rows(db):
    (event,) = _events(1)
    for sql in (
        "DELETE FROM audit_auditevent WHERE id = %s",
        "UPDATE audit_auditevent SET outcome = 'success' WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@override_settings(AUDIT_DELETE_UNGUARDED=False)
def test_purge_keeps_the_chain_verifiable(db):
    for days in (400, 390):
        AuditEvent(
            at=timezone.now() - datetime.timedelta(days=days),
            action=AuditAction.LOGIN,
            action_label="登录",
        ).save()
    _events(2)
    before = timezone.localdate() - datetime.timedelta(days=200)

    call_command("purge_audit", before=before.isoformat(), stdout=io.StringIO())

    purge = AuditEvent.objects.get(action=AuditAction.AUDIT_PURGE)
    assert purge.details["deleted"] == 2
    assert purge.details["purged_through_seq"] == AuditChainHead.objects.get().anchor_seq
    code, out, _err = _verify()
    assert code == 0, out


def test_a_broken_chain_is_raised_to_the_audit_admin(db, demo):
    events = _events(2)
    _drop_triggers()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET actor_username = 'x' WHERE id = %s", [events[0].pk]
        )

    code, _out, _err = _verify()

    assert code == 1
    from workflow.models import Notification

    notice = Notification.objects.get(recipient=demo["auditor"], kind="audit_chain_broken")
    assert "哈希链断裂" in notice.message
    check = AuditEvent.objects.filter(action=AuditAction.AUDIT_VERIFY).latest("seq")
    assert check.outcome == "failure"


def test_audit_admin_downloads_a_signed_digest_of_a_period(client, demo):
    _events(3)
    client.force_login(demo["auditor"])
    today = timezone.localdate().isoformat()

    response = client.post(reverse("admin:audit_auditevent_digest"), {"start": today, "end": today})

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    digest = json.loads(response.content)
    assert digest["rows"] >= 3 and digest["hmac_algorithm"] == "hmac-sm3"
    assert digest_is_authentic(digest)
    digest["rows"] += 1
    assert not digest_is_authentic(digest)
    assert AuditEvent.objects.filter(action=AuditAction.AUDIT_DIGEST).exists()


@override_settings(AUDIT_DIGEST_KEY="")
def test_digest_without_a_key_is_refused_in_chinese(client, demo):
    client.force_login(demo["auditor"])
    today = timezone.localdate().isoformat()

    response = client.post(reverse("admin:audit_auditevent_digest"), {"start": today, "end": today})

    assert response.status_code == 200
    assert "AUDIT_DIGEST_KEY" in response.content.decode()


def test_system_admin_cannot_export_a_digest(client, demo):
    client.force_login(demo["admin"])

    assert client.get(reverse("admin:audit_auditevent_digest")).status_code == 403


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="parallel writers need PostgreSQL; SQLite serialises"
)
@pytest.mark.django_db(transaction=True)
def test_rows_written_in_parallel_transactions_still_verify():
    errors = []

    def writer(n: int) -> None:
        try:
            for i in range(10):
                with transaction.atomic():
                    audit_record(action=AuditAction.LOGIN_FAILED, details={"w": n, "i": i})
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors
    assert AuditEvent.objects.count() == 40
    code, out, _err = _verify()
    assert code == 0, out
