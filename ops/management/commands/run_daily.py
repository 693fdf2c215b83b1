"""`manage.py run_daily`: the daily jobs, each run once a day however many machines call it
(a systemd timer fires on every machine; the first to insert the (job, day) row runs it)."""

import socket

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from ops.models import DailyRun
from riskreg import clock


class Command(BaseCommand):
    help = "运行每日任务（到期评议结束等）；多台服务器同时运行时每项每天只执行一次。"

    def handle(self, *args, **options):
        today = clock.today()
        for name, path in settings.DAILY_JOBS.items():
            try:
                with transaction.atomic():
                    claim = DailyRun.objects.create(
                        job=name, day=today, hostname=socket.gethostname()[:100]
                    )
            except IntegrityError:
                self.stdout.write(f"{name}：今日已由其他服务器执行，跳过。")
                continue
            try:
                result = import_string(path)()
            except Exception as exc:
                claim.delete()  # the next timer, here or elsewhere, tries again
                self.stderr.write(f"{name}：执行失败（{exc.__class__.__name__}），稍后重试。")
                raise
            count = len(result) if hasattr(result, "__len__") else result
            claim.finished_at = timezone.now()
            claim.result = f"{count}"[:200]
            claim.save(update_fields=["finished_at", "result"])
            self.stdout.write(f"{name}：已执行（{count}）。")
