"""/healthz: no login, no data; the primary, the replica, the store and the workers."""

import datetime as dt

from django.utils import timezone

from ops import workers
from ops.models import WorkerHeartbeat


def test_healthz_answers_anonymous_visitors_without_data(client, demo, settings):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["primary"]["ok"] is True
    assert body["replica"] == {"configured": False}
    assert body["storage"]["ok"] is True
    assert body["storage"]["kind"] == ("s3" if settings.STORAGE_URL else "local")
    assert body["worker"]["last_heartbeat_age_seconds"] is None
    text = response.content.decode()
    assert "demo_" not in text and "GYRC" not in text
    assert response["Cache-Control"].startswith("max-age=0")


def test_healthz_reports_the_age_of_the_last_worker_heartbeat(client, db):
    workers.beat("w1")
    WorkerHeartbeat.objects.filter(worker_id="w1").update(
        seen_at=timezone.now() - dt.timedelta(seconds=42)
    )
    age = client.get("/healthz").json()["worker"]["last_heartbeat_age_seconds"]
    assert 41 <= age <= 60


def test_healthz_is_503_when_the_store_fails(client, db, monkeypatch):
    from django.core.files.storage import default_storage

    def broken(name):
        raise OSError("store down")

    monkeypatch.setattr(default_storage, "exists", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["storage"]["ok"] is False


def test_healthz_refuses_posts(client, db):
    assert client.post("/healthz").status_code in (403, 405)
