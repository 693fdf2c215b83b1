"""Heavy read-only pages read from the replica (DATABASE_REPLICA_URL); everything else, and
every write, goes to the primary.

- A page reads from the replica when its URL name is in settings.REPLICA_VIEWS or its view is
  decorated with @replica_reads, the request is a GET, and the person wrote nothing within
  READ_YOUR_WRITES_SECONDS (a cookie set on every successful write: they see what they wrote).
- The replica is used only while it answers and lags at most REPLICA_MAX_LAG_SECONDS; the
  check is cached for a few seconds per process. Otherwise the page reads from the primary and
  the log says why. A replica that fails in the middle of a page: the page is read again from
  the primary.
"""

import contextlib
import contextvars
import logging
import time
from functools import wraps

from django.conf import settings
from django.db import OperationalError, connections

logger = logging.getLogger("riskreg.replica")

REPLICA = "replica"
PRIMARY = "default"
WROTE_COOKIE = "riskreg_wrote"
CHECK_SECONDS = 5.0
# Apps always read from the primary: the login, the session and the lockout counters must see
# the write just made, on whatever page.
PRIMARY_ONLY_APPS = {"sessions", "auth", "axes", "otp_totp", "otp_static", "django_tasks_db"}

# Posts that change nothing a page shows: logging in (the password, then the second factor's
# code) and out. Otherwise a 纪检 reader, whose role needs the code, would read the heavy pages
# from the primary for the first READ_YOUR_WRITES_SECONDS after every login.
READ_YOUR_WRITES_EXEMPT = {"login", "mfa_verify", "logout"}

_use_replica: contextvars.ContextVar[bool] = contextvars.ContextVar("use_replica", default=False)
_state = {"checked_at": 0.0, "ok": False, "lag": None, "reason": ""}


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def replica_lag_seconds() -> float:
    """Seconds the replica is behind (0 when it has replayed all it received)."""
    with connections[REPLICA].cursor() as cursor:
        cursor.execute(
            "SELECT CASE WHEN NOT pg_is_in_recovery() THEN 0"
            " WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
            " ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)"
            " END"
        )
        return float(cursor.fetchone()[0])


def mark_replica_down(reason: str) -> None:
    _state.update(checked_at=time.monotonic(), ok=False, lag=None, reason=reason)
    with contextlib.suppress(Exception):  # a broken connection may fail to close
        connections[REPLICA].close()


def replica_usable() -> bool:
    """Whether reads may go to the replica now (cached for CHECK_SECONDS)."""
    if not replica_configured():
        return False
    if time.monotonic() - _state["checked_at"] < CHECK_SECONDS:
        return _state["ok"]
    was_ok = _state["ok"]
    try:
        lag = replica_lag_seconds()
    except Exception as exc:
        mark_replica_down(f"unreachable: {exc.__class__.__name__}")
        logger.warning("replica unreachable, reading from the primary: %s", exc)
        return False
    max_lag = settings.REPLICA_MAX_LAG_SECONDS
    ok = lag <= max_lag
    _state.update(
        checked_at=time.monotonic(), ok=ok, lag=lag, reason="" if ok else f"lag {lag:.1f}s"
    )
    if not ok:
        logger.warning("replica lags %.1fs (> %ss), reading from the primary", lag, max_lag)
    elif not was_ok:
        logger.info("replica usable again (lag %.1fs)", lag)
    return ok


def replica_reads(view):
    """Mark a heavy read-only view: its reads may go to the replica."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        return view(*args, **kwargs)

    wrapped.replica_reads = True
    return wrapped


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if _use_replica.get() and model._meta.app_label not in PRIMARY_ONLY_APPS:
            return REPLICA
        return PRIMARY

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY


class ReplicaMiddleware:
    """Chooses the database of a request's reads and remembers a person's writes."""

    SAFE = {"GET", "HEAD"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.replica_wanted = False
        token = _use_replica.set(False)
        try:
            response = self.get_response(request)
            if getattr(request, "replica_failed", False) and request.method in self.SAFE:
                logger.warning(
                    "replica failed during %s, read again from the primary", request.path
                )
                _use_replica.set(False)
                request.replica_wanted = False
                response = self.get_response(request)
        finally:
            _use_replica.reset(token)
        if replica_configured():
            # Which database served the page's reads (for operators and the cluster test).
            response["X-Read-From"] = REPLICA if request.replica_wanted else "primary"
        match = request.resolver_match
        if (
            request.method not in self.SAFE
            and response.status_code < 400
            and not (match and match.view_name in READ_YOUR_WRITES_EXEMPT)
        ):
            response.set_cookie(
                WROTE_COOKIE,
                str(int(time.time())),
                max_age=settings.READ_YOUR_WRITES_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not replica_configured() or request.method not in self.SAFE:
            return None
        if getattr(request, "replica_failed", False):
            return None
        match = request.resolver_match
        marked = getattr(view_func, "replica_reads", False) or (
            match is not None and match.view_name in settings.REPLICA_VIEWS
        )
        if not marked or self._wrote_recently(request):
            return None
        if replica_usable():
            request.replica_wanted = True
            _use_replica.set(True)
        return None

    def process_exception(self, request, exception):
        if getattr(request, "replica_wanted", False) and isinstance(exception, OperationalError):
            mark_replica_down(f"failed: {exception}")
            request.replica_failed = True
        return None

    @staticmethod
    def _wrote_recently(request) -> bool:
        raw = request.COOKIES.get(WROTE_COOKIE, "")
        try:
            wrote_at = int(raw)
        except ValueError:
            return False
        return time.time() - wrote_at < settings.READ_YOUR_WRITES_SECONDS


def replica_status() -> dict:
    """For /healthz: whether a replica is configured, answers, and its lag."""
    if not replica_configured():
        return {"configured": False}
    _state["checked_at"] = 0.0  # a fresh check
    ok = replica_usable()
    return {
        "configured": True,
        "ok": ok,
        "lag_seconds": None if _state["lag"] is None else round(_state["lag"], 3),
        "reason": _state["reason"],
    }
