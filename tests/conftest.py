"""Shared fixtures: the demo organisation and its personas, used by every view test.

Speed: the demo organisation is built once per test process (`load_demo_org`, about a second)
and its rows are kept in memory; every later test that asks for `demo` gets the same rows
back with one bulk insert per table, inside its own transaction (rolled back after it, as
always). Tests therefore still start from a database holding only what they asked for.

Markers: each test is marked `unit` (no database), `integration` (database) or `e2e`
(browser, tests/e2e) when collected; `-m "not e2e"` runs the non-browser suite.
"""

import copy
from collections.abc import Callable
from contextlib import contextmanager

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


# What a builder wrote, per builder: (model, rows it added, rows it changed), kept by `replayed`.
_REPLAYS: dict[str, list[tuple[type, list, list]]] = {}


def _tables():
    return [
        m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and not m._meta.proxy
    ]


def _rows(model) -> dict:
    """Every row of a table as {pk: its column values}."""
    columns = [f.attname for f in model._meta.concrete_fields]
    return {row[0]: row for row in model._base_manager.values_list("pk", *columns)}


@contextmanager
def _stored_timestamps(models):
    """auto_now / auto_now_add fields keep the values being replayed (not the time of the
    replay) while inside."""
    fields = [
        f
        for m in models
        for f in m._meta.concrete_fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    flags = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in flags:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def replayed(key: str, build: Callable[[], object]) -> None:
    """build(), replayed from memory after its first run in this process: the first call runs it
    and keeps the rows it added and the rows it changed (the audit chain's head, say); later
    calls insert the added rows again, one bulk insert per table, and write the changed ones
    back (inside the test's transaction, or flushed after a transactional test, as always)."""
    rows_of = _REPLAYS.get(key)
    if rows_of is None:
        tables = _tables()
        before = {m: _rows(m) for m in tables}
        build()
        rows_of = []
        for m in tables:
            after = _rows(m)
            added = {pk for pk in after if pk not in before[m]}
            changed = {pk for pk, row in after.items() if pk in before[m] and before[m][pk] != row}
            if added or changed:
                objects = list(m._base_manager.filter(pk__in=added | changed).order_by("pk"))
                rows_of.append(
                    (
                        m,
                        [o for o in objects if o.pk in added],
                        [o for o in objects if o.pk in changed],
                    )
                )
        _REPLAYS[key] = rows_of
        return
    try:
        with transaction.atomic(), _stored_timestamps(m for m, *_ in rows_of):
            for model, added, changed in rows_of:
                model._base_manager.bulk_create([copy.copy(row) for row in added])
                if changed:
                    fields = [f.name for f in model._meta.concrete_fields if not f.primary_key]
                    model._base_manager.bulk_create(
                        [copy.copy(row) for row in changed],
                        update_conflicts=True,
                        unique_fields=[model._meta.pk.name],
                        update_fields=fields,
                    )
    except IntegrityError:
        # The test wrote rows of its own first (a fixture ran before) and took the rows' ids:
        # build it the slow way.
        build()
        return
    # Rows came with their ids: move PostgreSQL's sequences past them (SQLite does it itself).
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [m for m, *_ in rows_of]):
            cursor.execute(sql)


def load_demo_org_cached() -> None:
    """load_demo_org, replayed from memory after its first run in this process."""
    replayed("load_demo_org", load_demo_org)


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
