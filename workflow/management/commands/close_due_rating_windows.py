"""Close every 群众评议 window whose deadline has passed (run from cron; pages also check)."""

from django.core.management.base import BaseCommand

from workflow.services import rating_windows_close_due


class Command(BaseCommand):
    help = "结束已到截止时间的群众评议，并将其一览表转入集体审定。"

    def handle(self, *args, **options):
        closed = rating_windows_close_due()
        self.stdout.write(f"已结束 {len(closed)} 个到期的群众评议。")
