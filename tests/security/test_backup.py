"""Backup and restore give back an identical register (SQLite here; PostgreSQL when the suite
runs on it, with pg_dump/pg_restore)."""

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from audit.enums import AuditAction
from audit.models import AuditEvent
from units.demo import load_demo_org
from units.models import Person, RoleGrant, Unit

ROOT = Path(__file__).resolve().parents[2]

# Rows that change by themselves (sessions, login attempts) or that record the restore.
VOLATILE = ["sessions", "axes", "audit.auditevent", "audit.auditchainhead", "admin.logentry"]

needs_pg_tools = pytest.mark.skipif(
    connection.vendor == "postgresql" and shutil.which("pg_dump") is None,
    reason="pg_dump/pg_restore are not installed",
)


def _dump() -> str:
    out = io.StringIO()
    call_command("dumpdata", exclude=VOLATILE, indent=1, stdout=out)
    return out.getvalue()


@needs_pg_tools
@pytest.mark.django_db(transaction=True)
def test_backup_then_restore_gives_back_the_identical_register(tmp_path):
    load_demo_org()
    before = _dump()
    backup_file = tmp_path / "riskreg.backup"

    call_command("backup", "-o", str(backup_file), stdout=io.StringIO())
    person = Person.objects.get(user__username="demo_staff")
    person.name = "改过的名字"
    person.save()
    RoleGrant.objects.filter(person__user__username="demo_audit").delete()
    Unit.objects.create(code="EXTRA", name="备份后新增的单位")
    assert _dump() != before

    call_command("restore", str(backup_file), "--noinput", stdout=io.StringIO())

    assert _dump() == before
    assert Person.objects.get(user__username="demo_staff").name == "李晓燕"
    assert AuditEvent.objects.filter(action=AuditAction.BACKUP).exists()
    assert AuditEvent.objects.filter(action=AuditAction.RESTORE).exists()


@pytest.mark.django_db
def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path):
    bogus = tmp_path / "not-a-backup.bin"
    bogus.write_bytes(b"hello, this is not a database")

    with pytest.raises(CommandError, match="恢复失败"):
        call_command("restore", str(bogus), "--noinput")


@pytest.mark.django_db
def test_restore_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="找不到备份文件"):
        call_command("restore", str(tmp_path / "missing.backup"), "--noinput")


def _manage(*args: str, env: dict) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the suite runs on PostgreSQL")
def test_backup_and_restore_of_a_sqlite_file_from_the_command_line(tmp_path):
    """End to end on a real database file in WAL mode, as `make run` uses it."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        DJANGO_SETTINGS_MODULE="riskreg.settings_test",
        DEBUG="1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'live.sqlite3'}",
    )
    dump = ("dumpdata", "--indent", "1", *(f"--exclude={label}" for label in VOLATILE))
    _manage("migrate", "--noinput", env=env)
    _manage("load_demo", env=env)
    before = _manage(*dump, env=env)
    _manage("backup", "-o", str(tmp_path / "copy.sqlite3"), env=env)
    _manage(
        "shell", "-c",
        "from units.models import Person; "
        "Person.objects.filter(employee_no='000101').update(name='改过的名字')",
        env=env,
    )  # fmt: skip
    assert _manage(*dump, env=env) != before

    _manage("restore", str(tmp_path / "copy.sqlite3"), "--noinput", env=env)

    assert _manage(*dump, env=env) == before
