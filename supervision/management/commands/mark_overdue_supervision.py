"""manage.py mark_overdue_supervision — run daily from cron: marks warnings whose written reply
and rectification items whose deadline has passed as 逾期 and notifies the recipient or the
responsible person (and the department head), 纪检 and the principal. Pages also do it when
opened; this catches the records nobody opens."""

from django.core.management.base import BaseCommand

from riskreg import clock
from supervision.services import overdue_sweep


class Command(BaseCommand):
    help = "标记逾期未反馈的预警和逾期未完成的整改事项，并通知相关人员。每日运行一次。"

    def handle(self, *args, **options) -> None:
        marked = overdue_sweep()
        self.stdout.write(f"{clock.today():%Y-%m-%d}：新标记逾期 {marked} 件。")
