"""Shared fixtures: the demo organisation and its personas, used by every view test.

Speed: the demo organisation is built once per test process (`load_demo_org`, about a second)
and its rows are kept in memory; every later test that asks for `demo` gets the same rows
back with one bulk insert per table, inside its own transaction (rolled back after it, as
always). Tests therefore still start from a database holding only what they asked for.

Markers: each test is marked `unit` (no database), `integration` (database) or `e2e`
(browser, tests/e2e) when collected; `-m "not e2e"` runs the non-browser suite.
"""

import copy

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.core.management.color import no_style
from django.db import IntegrityError, connection, transaction
from django.test.client import ClientMixin

from units.demo import DEMO_PASSWORD, load_demo_org

PERSONAS = {
    "staff": "demo_staff",
    "staff2": "demo_staff2",
    "head": "demo_head",
    "leader": "demo_leader",
    "principal": "demo_principal",
    "office": "demo_office",
    "inspector": "demo_inspector",
    "admin": "demo_admin",
    "auditor": "demo_audit",
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/e2e/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.e2e)
        elif item.get_closest_marker("django_db") or {"db", "transactional_db"} & set(
            getattr(item, "fixturenames", ())
        ):
            item.add_marker(pytest.mark.integration)
        else:
            item.add_marker(pytest.mark.unit)


_DEMO_ROWS: list[tuple[type, list]] | None = None


def _tables():
    return [
        m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and not m._meta.proxy
    ]


def load_demo_org_cached() -> None:
    """load_demo_org, replayed from memory after its first run in this process."""
    global _DEMO_ROWS
    if _DEMO_ROWS is None:
        tables = _tables()
        before = {m: set(m._base_manager.values_list("pk", flat=True)) for m in tables}
        load_demo_org()
        _DEMO_ROWS = [
            (m, rows)
            for m in tables
            if (rows := [o for o in m._base_manager.order_by("pk") if o.pk not in before[m]])
        ]
        return
    try:
        with transaction.atomic():
            for model, rows in _DEMO_ROWS:
                model._base_manager.bulk_create([copy.copy(row) for row in rows])
    except IntegrityError:
        # The test wrote rows of its own first (a fixture ran before `demo`) and took the
        # demo's ids: build it the slow way.
        load_demo_org()
        return
    # Rows came with their ids: move PostgreSQL's sequences past them (SQLite does it itself).
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [m for m, _ in _DEMO_ROWS]):
            cursor.execute(sql)


_force_login = ClientMixin.force_login


def _force_login_past_the_second_factor(self, user, backend=None):
    """`client.force_login` stands for a finished login: password and, where the person has
    or needs one, the second factor (audit/mfa.py). Tests of the second factor log in through
    the login form instead."""
    from audit.mfa import SESSION_MFA_PENDING

    _force_login(self, user, backend)
    session = self.session
    if session.pop(SESSION_MFA_PENDING, None):
        session["otp_device_id"] = "test.force_login"
        session.save()


@pytest.fixture(autouse=True)
def _logins_pass_the_second_factor(monkeypatch):
    monkeypatch.setattr(ClientMixin, "force_login", _force_login_past_the_second_factor)


@pytest.fixture
def demo(db):
    """The GYRC demo organisation (with GYRC-LZ) loaded; returns {persona: User}."""
    load_demo_org_cached()
    return {key: User.objects.get(username=name) for key, name in PERSONAS.items()}


@pytest.fixture
def outsider(db, demo):
    """A person of the sub-unit GYRC-LZ with no role over GYRC."""
    return User.objects.get(person__unit__code="GYRC-LZ", person__employee_no="LZ0004")


@pytest.fixture
def login(client):
    """Log the client in as a user (demo accounts share one password)."""

    def _login(user: User):
        client.force_login(user)
        return client

    return _login


@pytest.fixture
def demo_password() -> str:
    return DEMO_PASSWORD


@pytest.fixture(autouse=True)
def _starter_library(request):
    """The risk library as migration risks/0003 ships it, in every test that uses the database.
    A transactional test (the browser tests) flushes the database when it ends, migration data
    included; the migration's own function puts the library back for whatever runs next in the
    same process."""
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    if {"live_server", "transactional_db"} & names or (marker and marker.kwargs.get("transaction")):
        request.getfixturevalue("transactional_db")
    elif marker or "db" in names:
        request.getfixturevalue("db")
    else:
        return
    ensure_starter_library()


def ensure_starter_library() -> None:
    """Put back the library of migration risks/0003 when a flush has emptied it."""
    from risks.models import LibraryEntry

    if not LibraryEntry.objects.exists():
        from importlib import import_module

        migration = import_module("risks.migrations.0003_starter_library")
        migration.add_entries(apps, None)
