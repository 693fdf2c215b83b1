"""The admin at scale: the audit-log list and its search over a million audit rows, the person
list over the scale data set's people (100 units × 500 staff = 50,000), page 1 and the last page.

Every page is timed through one reused, logged-in client and set beside a floor measured in the
same run through the same client: the lightest logged-in page (修改密码). Query counts are
reported for each page; the person list's page 1 and last page must run the same number.

The audit rows are written in one INSERT … SELECT FROM generate_series (PostgreSQL; on SQLite a
recursive CTE), straight into the benchmark's own throwaway database — the application's
audit_record would take hours for a million rows. The table's triggers refuse UPDATE and DELETE
only, so a plain INSERT needs no bypass. When the hash-chain columns exist (seq, prev_hash,
row_hash, hash_algorithm) they are filled with placeholder values: the chain of these synthetic
rows is not valid, and need not be in a database that is dropped after the run. Then ANALYZE, as
autovacuum would do on a real server, so the planner's estimates are current.

Size: 1,000,000 rows (10,000 with --quick); BENCH_AUDIT_ROWS overrides.
"""

import os

from django.contrib import admin
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bench.cases_pages import client_for
from bench.run import Result, summary, timed
from units.enums import GrantedRole
from units.models import Person, RoleGrant, Unit

TARGET_MS = 300
NAMES = "张王李赵刘陈杨黄周吴"


def _audit_columns() -> set[str]:
    with connection.cursor() as cursor:
        return {
            c.name
            for c in connection.introspection.get_table_description(cursor, "audit_auditevent")
        }


def build_audit_rows(rows: int, unit: Unit) -> None:
    """`rows` synthetic audit rows over the past year, in the auditor's scope: 50,000 accounts,
    the login/logout/export mix of a real log, a tenth with no unit (failed logins)."""
    columns = _audit_columns()
    pg = connection.vendor == "postgresql"
    names = ", ".join(f"'{ch}'" for ch in NAMES)
    if pg:
        series = f"generate_series(1, {rows}) AS s(i)"
        name_of = f"(ARRAY[{names}])[1 + i % 10] || '某' || (i % 997)"
        at = "now() - (i * interval '31 seconds')"
        address = "('10.' || (i % 200) || '.' || (i % 250) || '.' || (1 + i % 250))::inet"
        details = "'{}'::jsonb"
    else:
        series = (
            f"(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {rows})"
            " SELECT i FROM s)"
        )
        name_of = "'张某' || (i % 997)"
        at = "datetime('now', '-' || (i * 31) || ' seconds')"
        address = "'10.' || (i % 200) || '.' || (i % 250) || '.' || (1 + i % 250)"
        details = "'{}'"
    cols = {
        "at": at,
        "actor_id": "NULL",
        "actor_username": "'scale-' || lpad(CAST(i % 50000 AS text), 6, '0')"
        if pg
        else "'scale-' || substr('000000' || (i % 50000), -6, 6)",
        "actor_name": name_of,
        "actor_roles": "'工作人员'",
        "unit_path": f"CASE WHEN i % 10 = 0 THEN '' ELSE '{unit.path}' END",
        "unit_name": f"CASE WHEN i % 10 = 0 THEN '' ELSE '{unit.name}' END",
        "client_address": address,
        "action": "CASE i % 4 WHEN 0 THEN 'auth.login' WHEN 1 THEN 'auth.logout' "
        "WHEN 2 THEN 'report.export' ELSE 'report.download' END",
        "action_label": "CASE i % 4 WHEN 0 THEN '登录' WHEN 1 THEN '退出' "
        "WHEN 2 THEN '导出报表' ELSE '下载报表' END",
        "object_type": "'risks.riskform'",
        "object_id": "CAST(i % 100000 AS text)",
        "object_repr": "'一览表 第' || (i % 100000) || '号'",
        "outcome": "'success'",
        "details": details,
    }
    # The hash chain's columns, when the security branch's migration is in.
    placeholder = "'" + "0" * 64 + "'"
    chain = {
        "seq": "(SELECT coalesce(max(seq), 0) FROM audit_auditevent) + i",
        "hash_algorithm": "'bench'",
        "prev_hash": placeholder,
        "row_hash": placeholder,
    }
    cols |= {name: value for name, value in chain.items() if name in columns}
    names_sql = ", ".join(cols)
    values_sql = ", ".join(cols.values())
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO audit_auditevent ({names_sql}) SELECT {values_sql} FROM {series}"
        )
        cursor.execute("ANALYZE audit_auditevent" if pg else "ANALYZE")


def _page(name: str, client: Client, url: str, floor: dict, repeat: int, **extra_note) -> Result:
    def fetch():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)

    with CaptureQueriesContext(connection) as queries:
        fetch()
    n_queries = len(queries)
    stats = summary(timed(fetch, repeat))
    return Result(
        case=f"{name} — p95",
        ours=stats["p95"],
        unit="ms",
        floor=floor["p95"],
        floor_label="lightest logged-in page p95 (修改密码), same client, same run",
        target=f"≤ {TARGET_MS} ms",
        met=stats["p95"] <= TARGET_MS,
        note=f"p50 {stats['p50']} ms over {stats['n']} requests; {n_queries} SQL queries",
        extra=stats | {"queries": n_queries},
    )


def _floor(client: Client, repeat: int) -> dict:
    def fetch():
        response = client.get(reverse("password_change"))
        assert response.status_code == 200, ("floor", response.status_code)

    return summary(timed(fetch, repeat * 2))


def run(ctx) -> list[Result]:
    quick = ctx.get("quick")
    rows = int(os.environ.get("BENCH_AUDIT_ROWS", 10_000 if quick else 1_000_000))
    repeat = 10 if quick else 40
    gyrc = Unit.objects.get(code="GYRC")
    build_audit_rows(rows, gyrc)
    total = connection.cursor()
    total.execute("SELECT count(*) FROM audit_auditevent")
    n_audit = total.fetchone()[0]

    results = []
    auditor = client_for("demo_audit")
    floor = _floor(auditor, repeat)
    changelist = reverse("admin:audit_auditevent_changelist")
    results.append(_page(f"audit log list, {n_audit:,} rows", auditor, changelist, floor, repeat))
    results.append(
        _page(f"audit log search (account prefix), {n_audit:,} rows", auditor,
              changelist + "?q=scale-0042", floor, repeat)
    )  # fmt: skip
    results.append(
        _page(f"audit log search (name prefix), {n_audit:,} rows", auditor,
              changelist + "?q=王某99", floor, repeat)
    )  # fmt: skip
    results.append(
        _page(f"audit log, one action, {n_audit:,} rows", auditor,
              changelist + "?action=auth.login", floor, repeat)
    )  # fmt: skip

    # The person list: the demo system admin, granted the scale tree for the run.
    admin_person = Person.objects.get(user__username="demo_admin")
    scale_root = Unit.objects.filter(code="SCALE").first()
    if scale_root is not None:
        RoleGrant.objects.get_or_create(
            person=admin_person,
            role=GrantedRole.SYSTEM_ADMIN,
            unit=scale_root,
            defaults={"include_subunits": True},
        )
    n_people = Person.objects.count()
    admin_client = client_for("demo_admin")
    admin_floor = _floor(admin_client, repeat)
    people = reverse("admin:units_person_changelist")
    first = _page(f"person list page 1, {n_people:,} people", admin_client, people,
                  admin_floor, repeat)  # fmt: skip
    person_admin = admin.site._registry[Person]
    per_page = person_admin.list_per_page
    request = RequestFactory().get(people)
    request.user = User.objects.get(username="demo_admin")
    visible = person_admin.get_queryset(request).count()
    last_page = max(1, -(-visible // per_page))
    last = _page(f"person list last page ({last_page}), {n_people:,} people", admin_client,
                 people + f"?p={last_page}", admin_floor, repeat)  # fmt: skip
    same = first.extra["queries"] == last.extra["queries"]
    results += [first, last]
    results.append(
        Result(
            case="person list: queries on the last page vs page 1",
            ours=last.extra["queries"],
            unit="queries",
            floor=first.extra["queries"],
            floor_label="page 1",
            target="equal",
            met=same,
            note=f"{per_page} rows a page, {visible:,} people visible to the system admin",
        )
    )
    return results
