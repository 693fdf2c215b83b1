"""Background tasks (django-tasks; `manage.py worker` — db_worker with heartbeats — runs them)."""

from django_tasks import task


@task(takes_context=True)
def run_report_job(context, job_id: str) -> None:
    from reports.services import report_job_run

    worker_ids = getattr(context.task_result, "worker_ids", None) or []
    report_job_run(job_id=job_id, worker_id=worker_ids[-1] if worker_ids else "")
