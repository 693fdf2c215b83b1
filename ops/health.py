"""GET /healthz: for load balancers and monitoring. No login, no data: only whether the
primary answers, the replica's lag, whether the file store answers, and how long ago a
background worker last gave a sign of life. 200 when the primary and the store answer,
503 otherwise."""

import time

from django.core.files.storage import default_storage
from django.db import connections
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from ops.replica import PRIMARY, replica_status
from ops.storage import storage_kind


def _primary() -> dict:
    started = time.monotonic()
    try:
        connections[PRIMARY].ensure_connection()
        with connections[PRIMARY].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        connections[PRIMARY].close_if_unusable_or_obsolete()
        return {"ok": False, "error": exc.__class__.__name__}
    return {"ok": True, "ms": round((time.monotonic() - started) * 1000, 1)}


def _storage() -> dict:
    backend = f"{default_storage.__class__.__module__}.{default_storage.__class__.__name__}"
    try:
        default_storage.exists("healthz/probe")
    except Exception as exc:
        return {"ok": False, "kind": storage_kind(backend), "error": exc.__class__.__name__}
    return {"ok": True, "kind": storage_kind(backend)}


def _worker() -> dict:
    from ops.models import WorkerHeartbeat

    try:
        last = WorkerHeartbeat.objects.using(PRIMARY).order_by("-seen_at").first()
    except Exception as exc:
        return {"last_heartbeat_age_seconds": None, "error": exc.__class__.__name__}
    if last is None:
        return {"last_heartbeat_age_seconds": None}
    age = (timezone.now() - last.seen_at).total_seconds()
    return {"last_heartbeat_age_seconds": round(age, 1)}


@never_cache
@require_safe
def healthz(request):
    primary = _primary()
    storage = _storage()
    body = {
        "primary": primary,
        "replica": replica_status(),
        "storage": storage,
        "worker": _worker() if primary["ok"] else {"last_heartbeat_age_seconds": None},
    }
    ok = primary["ok"] and storage["ok"]
    body["status"] = "ok" if ok else "fail"
    return JsonResponse(body, status=200 if ok else 503)
