"""Background tasks of the chain (django-tasks; `manage.py db_worker` runs them): the e-mail of
a notification is sent here, never inside the request that caused it."""

from django_tasks import task


@task()
def send_notification_email(notice_id: int) -> None:
    from workflow.notifications import notification_email_send

    notification_email_send(notice_id=notice_id)
