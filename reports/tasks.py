"""Background tasks (django-tasks; the database backend's `manage.py db_worker` runs them)."""

from django_tasks import task


@task()
def run_report_job(job_id: str) -> None:
    from reports.services import report_job_run

    report_job_run(job_id=job_id)
