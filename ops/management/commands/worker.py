"""`manage.py worker`: django-tasks' db_worker plus a heartbeat that also takes over the jobs
of dead workers (ops/workers.py). Run one or more per machine (deploy/riskreg-worker.service)."""

import logging
import os
import socket
import threading

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from ops import workers

logger = logging.getLogger("riskreg.worker")


def _heartbeat_loop(worker_id: str, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            close_old_connections()
            workers.beat(worker_id)
            workers.reap()
        except Exception:
            logger.warning("heartbeat of %s failed, retrying", worker_id, exc_info=True)
            connection.close()
        stop.wait(settings.HEARTBEAT_SECONDS)
    connection.close()


class Command(DbWorkerCommand):
    help = "运行后台任务进程（含心跳与接管中断任务）。"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        worker_id = f"{socket.gethostname()[:30]}-{os.getpid()}-{get_random_string(8)}"
        parser.set_defaults(worker_id=worker_id, reload=False)

    def handle(self, *args, **options):
        worker_id = options["worker_id"]
        stop = threading.Event()
        thread = threading.Thread(
            target=_heartbeat_loop, args=(worker_id, stop), name="heartbeat", daemon=True
        )
        thread.start()
        try:
            return super().handle(*args, **options)
        finally:
            stop.set()
            thread.join(timeout=5)
            try:
                workers.forget(worker_id)
            except Exception:
                logger.warning("could not remove the heartbeat of %s", worker_id)
