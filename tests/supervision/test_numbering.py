"""文号 (〔2026〕N号) under concurrency: many inspectors issuing at once never share a number.
PostgreSQL only (SQLite serialises every writer anyway, and its test database is in memory)."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections

from riskreg import clock
from supervision import services
from supervision.models import WarningNotice
from units.demo import load_demo_org
from units.models import Person, Unit

THREADS = 8
EACH = 3

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks are tested on PostgreSQL"
)


@pytest.mark.django_db(transaction=True)
def test_concurrent_issues_get_distinct_consecutive_numbers():
    load_demo_org()
    unit = Unit.objects.get(code="GYRC")
    inspector = Person.objects.get(user__username="demo_inspector").user
    recipient = Person.objects.get(user__username="demo_staff")
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def issue() -> None:
        try:
            start.wait()
            for _ in range(EACH):
                services.warning_issue(
                    actor=inspector,
                    unit=unit,
                    grade="yellow",
                    recipient=recipient,
                    risk_text="并发开具。",
                    requirement="请反馈。",
                    reply_due=clock.today() + dt.timedelta(days=5),
                )
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=issue) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    numbers = sorted(WarningNotice.objects.values_list("number", flat=True))
    assert numbers == list(range(1, THREADS * EACH + 1))
