"""Workers that survive each other.

Every `manage.py worker` process touches its WorkerHeartbeat row every HEARTBEAT_SECONDS and,
at the same time, looks for workers whose row is older than WORKER_DEAD_SECONDS: their running
report jobs go back to the queue once (JOB_MAX_ATTEMPTS), then fail with a message the
requester sees on the job page, so no job stays "running" forever.
"""

import logging
import os
import socket
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ops.models import WorkerHeartbeat

logger = logging.getLogger("riskreg.worker")

REQUEUED_MESSAGE = "处理该任务的后台进程已中断，已重新排队"
FAILED_MESSAGE = "后台进程多次中断，生成失败，请重新申请。"


def beat(worker_id: str) -> None:
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "hostname": socket.gethostname()[:100],
            "pid": os.getpid(),
            "seen_at": timezone.now(),
        },
    )


def forget(worker_id: str) -> None:
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


def dead_worker_ids() -> list[str]:
    cutoff = timezone.now() - timedelta(seconds=settings.WORKER_DEAD_SECONDS)
    return list(
        WorkerHeartbeat.objects.filter(seen_at__lt=cutoff).values_list("worker_id", flat=True)
    )


def reap() -> list[str]:
    """Requeue or fail the report jobs of dead workers; returns the ids of the jobs touched."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from reports.models import JobState, ReportJob
    from reports.tasks import run_report_job

    dead = dead_worker_ids()
    if not dead:
        return []
    touched = []
    for job in ReportJob.objects.filter(state=JobState.RUNNING, worker_id__in=dead):
        with transaction.atomic():
            if job.attempts < settings.JOB_MAX_ATTEMPTS:
                claimed = ReportJob.objects.filter(
                    pk=job.pk, state=JobState.RUNNING, worker_id=job.worker_id
                ).update(state=JobState.QUEUED, worker_id="", progress=0, message=REQUEUED_MESSAGE)
                if claimed:
                    job_id = str(job.pk)
                    transaction.on_commit(lambda job_id=job_id: run_report_job.enqueue(job_id))
                    logger.warning("job %s: worker %s died, queued again", job.pk, job.worker_id)
            else:
                claimed = ReportJob.objects.filter(
                    pk=job.pk, state=JobState.RUNNING, worker_id=job.worker_id
                ).update(state=JobState.FAILED, message=FAILED_MESSAGE, finished_at=timezone.now())
                if claimed:
                    logger.error("job %s: worker %s died, job failed", job.pk, job.worker_id)
            if claimed:
                touched.append(str(job.pk))
    # The task rows the dead workers held: failed, so that nothing shows them running.
    for row in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING):
        if row.worker_ids and row.worker_ids[-1] in dead:
            DBTaskResult.objects.filter(pk=row.pk, status=TaskResultStatus.RUNNING).update(
                status=TaskResultStatus.FAILED,
                finished_at=timezone.now(),
                exception_class_path="ops.workers.WorkerDied",
                traceback=f"worker {row.worker_ids[-1]} stopped sending heartbeats",
            )
    # Dead workers with nothing left to take over are forgotten after a day.
    WorkerHeartbeat.objects.filter(seen_at__lt=timezone.now() - timedelta(days=1)).delete()
    return touched
