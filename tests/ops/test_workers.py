"""Workers that survive each other (ops/workers.py) and daily jobs run once a day
(ops/management/commands/run_daily.py)."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from ops import workers
from ops.models import DailyRun, WorkerHeartbeat
from reports.models import JobKind, JobState, ReportJob


@pytest.fixture
def job(demo):
    from units.models import Unit

    return ReportJob.objects.create(
        kind=JobKind.VOLUME,
        format="pdf",
        unit=Unit.objects.get(code="GYRC"),
        requested_by=demo["principal"],
        state=JobState.RUNNING,
        worker_id="dead-worker",
        attempts=1,
        progress=40,
    )


def _silent_for(worker_id: str, seconds: int) -> None:
    workers.beat(worker_id)
    WorkerHeartbeat.objects.filter(worker_id=worker_id).update(
        seen_at=timezone.now() - dt.timedelta(seconds=seconds)
    )


def test_the_job_of_a_dead_worker_is_queued_again(
    job, settings, django_capture_on_commit_callbacks
):
    settings.WORKER_DEAD_SECONDS = 30
    _silent_for("dead-worker", 31)
    workers.beat("live-worker")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert workers.reap() == [str(job.pk)]
    job.refresh_from_db()
    assert job.state == JobState.QUEUED and job.worker_id == ""
    assert job.message == workers.REQUEUED_MESSAGE
    assert len(callbacks) == 1  # handed to the queue again once the requeue commits
    # Reaping again changes nothing: the job is no longer the dead worker's.
    assert workers.reap() == []


def test_a_worker_that_still_beats_keeps_its_job(job, settings):
    settings.WORKER_DEAD_SECONDS = 30
    _silent_for("dead-worker", 5)
    assert workers.reap() == []
    job.refresh_from_db()
    assert job.state == JobState.RUNNING


def test_a_job_whose_workers_keep_dying_fails_visibly_and_can_be_asked_again(
    job, settings, client, demo
):
    settings.WORKER_DEAD_SECONDS = 30
    settings.JOB_MAX_ATTEMPTS = 1
    _silent_for("dead-worker", 60)
    assert workers.reap() == [str(job.pk)]
    job.refresh_from_db()
    assert job.state == JobState.FAILED and job.finished_at is not None
    client.force_login(demo["principal"])
    page = client.get(reverse("reports:job", args=[job.pk])).content.decode()
    assert workers.FAILED_MESSAGE in page
    assert "失败" in page


def test_a_failed_task_row_of_a_dead_worker_is_not_left_running(job, settings):
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from reports.tasks import run_report_job

    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    result = run_report_job.enqueue(str(job.pk))
    row = DBTaskResult.objects.get(pk=result.id)
    row.claim("dead-worker")
    settings.WORKER_DEAD_SECONDS = 30
    _silent_for("dead-worker", 60)
    workers.reap()
    row.refresh_from_db()
    assert row.status == TaskResultStatus.FAILED


calls = []


def count_call():
    calls.append(1)
    return ["one"]


def test_daily_jobs_run_once_a_day_however_many_machines_call(db, settings, capsys):
    settings.DAILY_JOBS = {"probe": "tests.ops.test_workers.count_call"}
    calls.clear()
    call_command("run_daily")
    call_command("run_daily")  # a second machine's timer, the same day
    assert len(calls) == 1
    run = DailyRun.objects.get(job="probe")
    assert run.finished_at is not None and run.result == "1"
    assert "今日已由其他服务器执行" in capsys.readouterr().out


def broken():
    raise RuntimeError("boom")


def test_a_failed_daily_job_can_run_again(db, settings):
    settings.DAILY_JOBS = {"broken": "tests.ops.test_workers.broken"}
    with pytest.raises(RuntimeError):
        call_command("run_daily")
    assert not DailyRun.objects.filter(job="broken").exists()


def test_the_real_daily_job_runs(db):
    call_command("run_daily")
    assert DailyRun.objects.filter(job="close_due_rating_windows").exists()


def test_the_worker_heartbeat_loop_beats_and_reaps(job, settings, monkeypatch):
    """One turn of `manage.py worker`'s heartbeat thread: its own row is fresh, and the job of
    a dead worker is taken back."""
    import threading

    from ops.management.commands import worker

    settings.WORKER_DEAD_SECONDS = 30
    _silent_for("dead-worker", 60)
    stop = threading.Event()
    monkeypatch.setattr(worker, "connection", type("C", (), {"close": lambda self: None})())
    monkeypatch.setattr(worker, "close_old_connections", lambda: None)
    monkeypatch.setattr(stop, "wait", lambda seconds: stop.set())
    worker._heartbeat_loop("w-live", stop)
    assert WorkerHeartbeat.objects.get(worker_id="w-live").seen_at > timezone.now() - dt.timedelta(
        seconds=5
    )
    job.refresh_from_db()
    assert job.state == JobState.QUEUED
