"""The replica router: heavy read-only pages read from the replica while it is healthy and the
person wrote nothing lately; everything else reads from the primary (ops/replica.py)."""

import logging

import pytest
from django.db import OperationalError
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import resolve

from ops import replica
from ops.replica import ReplicaMiddleware, ReplicaRouter, _use_replica


@pytest.fixture
def configured(monkeypatch, settings):
    """A replica that answers and keeps up (no real second database is needed)."""
    monkeypatch.setattr(replica, "replica_configured", lambda: True)
    monkeypatch.setattr(replica, "replica_usable", lambda: True)


def _run(request, view_name_path: str, *, fail_once: bool = False):
    """Run the middleware around a fake view; returns (response, [reads went to replica?])."""
    seen = []
    request.resolver_match = resolve(view_name_path)
    middleware = None

    def view(req):
        seen.append(_use_replica.get())
        if fail_once and len(seen) == 1:
            middleware.process_exception(req, OperationalError("replica gone"))
            return HttpResponse(status=500)
        return HttpResponse("ok")

    def get_response(req):
        middleware.process_view(req, request.resolver_match.func, (), {})
        return view(req)

    middleware = ReplicaMiddleware(get_response)
    return middleware(request), seen


def test_heavy_page_reads_from_the_replica(configured):
    response, seen = _run(
        RequestFactory().get("/reports/quarterly/GYRC/"), "/reports/quarterly/GYRC/"
    )
    assert seen == [True]
    assert response["X-Read-From"] == "replica"
    assert _use_replica.get() is False  # reset after the request


def test_other_pages_read_from_the_primary(configured):
    response, seen = _run(RequestFactory().get("/forms/1/"), "/forms/1/")
    assert seen == [False] and response["X-Read-From"] == "primary"


def test_after_a_write_the_person_reads_from_the_primary(configured, settings):
    response, _ = _run(RequestFactory().post("/workflow/forms/1/act/"), "/workflow/forms/1/act/")
    cookie = response.cookies[replica.WROTE_COOKIE]
    assert cookie["max-age"] == settings.READ_YOUR_WRITES_SECONDS
    request = RequestFactory().get("/reports/quarterly/GYRC/")
    request.COOKIES[replica.WROTE_COOKIE] = cookie.value
    _, seen = _run(request, "/reports/quarterly/GYRC/")
    assert seen == [False]


@pytest.mark.parametrize("path", ["/accounts/login/", "/accounts/mfa/verify/"])
def test_logging_in_does_not_count_as_a_write(configured, path):
    """Neither the password nor the second factor's code: a 纪检 reader's first pages after
    logging in may read from the replica."""
    response, _ = _run(RequestFactory().post(path), path)
    assert replica.WROTE_COOKIE not in response.cookies


def test_a_replica_failing_mid_page_is_read_again_from_the_primary(configured, monkeypatch):
    monkeypatch.setattr(replica, "mark_replica_down", lambda reason: None)
    response, seen = _run(
        RequestFactory().get("/reports/quarterly/GYRC/"), "/reports/quarterly/GYRC/", fail_once=True
    )
    assert seen == [True, False]
    assert response.status_code == 200 and response["X-Read-From"] == "primary"


def test_router_keeps_logins_and_sessions_on_the_primary():
    from django.contrib.auth.models import User
    from django.contrib.sessions.models import Session

    from risks.models import RiskForm

    router = ReplicaRouter()
    token = _use_replica.set(True)
    try:
        assert router.db_for_read(RiskForm) == "replica"
        assert router.db_for_read(User) == "default"
        assert router.db_for_read(Session) == "default"
        assert router.db_for_write(RiskForm) == "default"
    finally:
        _use_replica.reset(token)
    assert router.db_for_read(RiskForm) == "default"
    assert router.allow_migrate("replica", "risks") is False


@pytest.fixture
def fresh_state(monkeypatch, settings):
    monkeypatch.setattr(replica, "replica_configured", lambda: True)
    monkeypatch.setitem(replica._state, "checked_at", 0.0)
    monkeypatch.setitem(replica._state, "ok", True)
    monkeypatch.setattr(replica, "mark_replica_down", lambda reason: replica._state.update(
        checked_at=1e12, ok=False, lag=None, reason=reason))  # fmt: skip
    settings.REPLICA_MAX_LAG_SECONDS = 30


def test_a_lagging_replica_is_not_used_and_the_log_says_so(fresh_state, monkeypatch, caplog):
    monkeypatch.setattr(replica, "replica_lag_seconds", lambda: 95.0)
    with caplog.at_level(logging.WARNING, logger="riskreg.replica"):
        assert replica.replica_usable() is False
    assert "lags 95.0s" in caplog.text


def test_an_unreachable_replica_is_not_used_and_the_log_says_so(fresh_state, monkeypatch, caplog):
    def down():
        raise OperationalError("connection refused")

    monkeypatch.setattr(replica, "replica_lag_seconds", down)
    with caplog.at_level(logging.WARNING, logger="riskreg.replica"):
        assert replica.replica_usable() is False
    assert "unreachable" in caplog.text


def test_a_replica_that_keeps_up_is_used(fresh_state, monkeypatch):
    monkeypatch.setattr(replica, "replica_lag_seconds", lambda: 0.4)
    assert replica.replica_usable() is True
