"""Server time (p50/p95, in-process through the full middleware stack) and query counts of pages.

The floor for page time is the login page (same middleware and base template, no data).
Query counts are measured at 3 and at 300 rows where a page lists rows; they must be equal.
"""

from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.run import Result, summary, timed


def client_for(username: str | None) -> Client:
    client = Client()
    if username:
        client.force_login(User.objects.get(username=username))
    return client


def page_case(
    name: str, client: Client, url: str, floor: dict, repeat: int, target_ms: float = 300
):
    def fetch():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)

    with CaptureQueriesContext(connection) as queries:
        fetch()
    # Read now: the next request's request_started signal clears the connection's query log.
    n_queries = len(queries)
    stats = summary(timed(fetch, repeat))
    return Result(
        case=f"{name} — p95",
        ours=stats["p95"],
        unit="ms",
        floor=floor["p95"],
        floor_label="登录页 p95",
        target=f"≤ {target_ms:g} ms",
        met=stats["p95"] <= target_ms,
        note=f"p50 {stats['p50']} ms over {stats['n']} requests; {n_queries} SQL queries",
    )


def pages(ctx) -> list[tuple[str, str, str]]:
    """(name, username, url) of every page measured."""
    return [("我的工作台 (home)", "demo_staff", "/")]


def run(ctx) -> list[Result]:
    repeat = 10 if ctx["quick"] else 50
    floor = summary(timed(lambda: client_for(None).get("/accounts/login/"), repeat))
    return [page_case(name, client_for(user), url, floor, repeat) for name, user, url in pages(ctx)]
