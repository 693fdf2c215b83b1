"""The audit-log list at scale: no date hierarchy over the whole table, a query count that
does not grow with rows, an estimated count on PostgreSQL when unfiltered, an indexed search."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit import admin as audit_admin
from audit.enums import AuditAction
from audit.services import audit_record

pytestmark = pytest.mark.django_db

LIST = "admin:audit_auditevent_changelist"


def _events(user, n: int, **kwargs) -> None:
    for i in range(n):
        audit_record(
            actor=user, action=AuditAction.LOGIN, address=f"10.0.0.{i % 250 + 1}", **kwargs
        )


def _queries(client, **params) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse(LIST), params)
    assert response.status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


def test_list_query_count_does_not_grow_with_rows(client, demo):
    _events(demo["staff"], 5)
    client.force_login(demo["auditor"])
    small, small_searched = _queries(client), _queries(client, q="demo_staff")
    _events(demo["staff"], 230)
    assert len(_queries(client)) == len(small)
    assert len(_queries(client, p=3)) == len(small)  # the last page
    assert len(_queries(client, q="demo_staff", p=2)) == len(small_searched)


def test_no_date_hierarchy_query(client, demo):
    _events(demo["staff"], 3)
    client.force_login(demo["auditor"])
    response = client.get(reverse(LIST))
    assert response.context["cl"].date_hierarchy is None
    assert "今天" in response.content.decode()  # the cheap date filter stays


def test_search_by_account_name_start_address_and_object_number(client, demo):
    _events(demo["staff"], 1)
    audit_record(actor=demo["head"], action=AuditAction.LOGIN, address="192.168.9.9")
    audit_record(actor=demo["leader"], obj=demo["leader"], action=AuditAction.LOGIN)
    client.force_login(demo["auditor"])

    def found(q: str) -> set[str]:
        cl = client.get(reverse(LIST), {"q": q}).context["cl"]
        return {event.actor_username for event in cl.result_list}

    assert found("DEMO_ST") == {"demo_staff"}  # start of the account, any case
    assert found("192.168.9.9") == {"demo_head"}  # the whole address
    assert found(str(demo["leader"].pk)) >= {"demo_leader"}  # the whole object number
    assert found("赵明") == {"demo_head"}  # start of the name (赵明远)
    assert found("no-such-account") == set()


def test_filtered_list_counts_exactly(client, demo):
    _events(demo["staff"], 4)
    _events(demo["head"], 2)
    client.force_login(demo["auditor"])
    cl = client.get(reverse(LIST), {"q": "demo_head"}).context["cl"]
    assert cl.result_count == 2 and not cl.paginator.estimated


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's estimate only")
def test_unfiltered_count_on_postgresql_comes_from_the_estimate(client, demo, monkeypatch):
    _events(demo["staff"], 30)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE audit_auditevent")
    monkeypatch.setattr(audit_admin, "EXACT_COUNT_BELOW", 1)
    client.force_login(demo["auditor"])
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse(LIST))
    cl = response.context["cl"]
    sql = [q["sql"].upper() for q in ctx.captured_queries]
    assert cl.paginator.estimated
    assert any(s.startswith("EXPLAIN") for s in sql)
    assert not any("COUNT(" in s and "AUDIT_AUDITEVENT" in s for s in sql)
    # Filtered: exact again.
    filtered = client.get(reverse(LIST), {"q": "demo_staff"}).context["cl"]
    assert not filtered.paginator.estimated and filtered.result_count == 30


@pytest.mark.skipif(connection.vendor == "postgresql", reason="SQLite counts exactly")
def test_sqlite_counts_exactly(client, demo, monkeypatch):
    _events(demo["staff"], 3)
    monkeypatch.setattr(audit_admin, "EXACT_COUNT_BELOW", 1)
    client.force_login(demo["auditor"])
    cl = client.get(reverse(LIST)).context["cl"]
    assert not cl.paginator.estimated and cl.result_count == cl.queryset.count()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans only")
def test_every_search_branch_reads_an_index_on_postgresql(demo):
    from audit.admin import _search
    from audit.models import AuditEvent

    _events(demo["staff"], 20)

    def plan(term: str) -> str:
        sql, params = _search(AuditEvent.objects.all(), term).query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            return "\n".join(row[0] for row in cursor.fetchall())

    words = plan("demo_st")
    for index in (
        "audit_search_username",
        "audit_search_name",
        "audit_search_object",
        "audit_search_object_id",
    ):
        assert f"Bitmap Index Scan on {index}" in words, words
    address = plan("10.0.0.3")
    assert "Bitmap Index Scan on audit_search_address" in address, address
    assert "Seq Scan" not in words + address
