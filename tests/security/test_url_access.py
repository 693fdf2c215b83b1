"""Every URL of the project, requested as every demo persona and as an anonymous visitor,
answers what tests/security/url_access_table.py says. A URL without a row fails the test.

The demo organisation is built once for the module (inside a transaction rolled back at the
end); each persona's sweep is one test that reports every mismatch at once.
"""

import re

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from audit.enums import AuditAction
from audit.services import audit_record
from risks.demo import load_demo_risks
from tests.conftest import PERSONAS as PERSONA_USERNAMES
from tests.conftest import ensure_starter_library
from tests.security.url_access_table import LOGIN, PERSONAS, REDIRECT, URL_TABLE, demo_objects
from units.demo import load_demo_org
from workflow.demo import demo_chain_load

# A GET may renew the session and write to the audit log (and its chain head); nothing else.
GET_MAY_WRITE = {"django_session", "audit_auditevent", "audit_auditchainhead"}
WRITE_SQL = re.compile(r'^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)


def _patterns(resolvers=None, prefix: str = "", namespace: str = ""):
    """(key, route, URLPattern) for every pattern; key is "ns:name" or the route if unnamed."""
    for entry in resolvers if resolvers is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            inner_ns = ":".join(filter(None, [namespace, entry.namespace]))
            yield from _patterns(entry.url_patterns, prefix + str(entry.pattern), inner_ns)
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            key = ":".join(filter(None, [namespace, entry.name])) if entry.name else route
            yield key, route, entry


def _fill(route: str, args: list) -> str:
    """A concrete path for an unnamed pattern: each converter or regex group gets an argument."""
    parts = iter(str(a) for a in args)
    path = re.sub(r"<[^>]+>|\(\?P<\w+>[^)]*\)", lambda m: next(parts), route)
    return "/" + path.replace("^", "").replace("$", "")


def _outcome(response) -> int | str:
    if response.status_code in (301, 302):
        target = response.url.split("?")[0]
        if target in (reverse(settings.LOGIN_URL), reverse("admin:login")):
            return LOGIN
        return REDIRECT
    return response.status_code


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    media = override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media"))
    with media, django_db_blocker.unblock(), transaction.atomic():
        ensure_starter_library()  # a browser test in this process may have flushed it
        load_demo_org()
        load_demo_risks()
        demo_chain_load()
        audit_record(action=AuditAction.LOGIN, actor=User.objects.get(username="demo_staff"))
        objects = demo_objects()
        users = {key: User.objects.get(username=name) for key, name in PERSONA_USERNAMES.items()}
        users["outsider"] = User.objects.get(
            person__unit__code="GYRC-LZ", person__employee_no="LZ0004"
        )
        yield objects, users
        transaction.set_rollback(True)


def test_every_url_pattern_has_a_row_in_the_table():
    keys = [key for key, _route, _pattern in _patterns()]
    missing = sorted(set(keys) - set(URL_TABLE))
    stale = sorted(set(URL_TABLE) - set(keys))
    assert not missing, f"URL patterns without a row in url_access_table.py: {missing}"
    assert not stale, f"rows in url_access_table.py for URLs that no longer exist: {stale}"
    assert len(keys) == len(set(keys)), "two patterns share a key; name them"


def test_every_row_states_every_persona():
    for key, row in URL_TABLE.items():
        assert set(row.expect) == set(PERSONAS), key


def test_no_view_is_exempt_from_csrf():
    exempt = [key for key, _r, p in _patterns() if getattr(p.callback, "csrf_exempt", False)]
    assert not exempt, f"csrf_exempt views: {exempt}"


@pytest.mark.parametrize("persona", PERSONAS)
def test_url_access_matches_the_table(db, world, persona):
    objects, users = world
    client = Client()
    if persona != "anonymous":
        client.force_login(users[persona])
    mismatches, writes = [], []
    for key, route, pattern in _patterns():
        row = URL_TABLE.get(key)
        if row is None:
            continue  # reported by test_every_url_pattern_has_a_row_in_the_table
        args = row.args(objects)
        url = reverse(key, args=args) if pattern.name else _fill(route, args)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        got, wanted = _outcome(response), row.expect[persona]
        if got != wanted:
            mismatches.append(f"{key} ({url}): expected {wanted}, got {got}")
        for query in queries.captured_queries:
            match = WRITE_SQL.match(query["sql"])
            if match and match.group(2) not in GET_MAY_WRITE:
                writes.append(f"{key} ({url}): {query['sql'][:120]}")
    assert not mismatches, f"{persona}:\n" + "\n".join(mismatches)
    assert not writes, f"GET changed state as {persona}:\n" + "\n".join(writes)
