import datetime

from django.core.management.base import BaseCommand, CommandError

from audit.models import AuditLogIsAppendOnly
from audit.services import MIN_RETENTION_DAYS, audit_purge


class Command(BaseCommand):
    help = f"删除某日期之前的审计日志；至少保留最近 {MIN_RETENTION_DAYS} 天的记录。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--before", required=True, help="日期 YYYY-MM-DD：删除此日期之前的记录")

    def handle(self, *args, **options) -> None:
        try:
            before = datetime.date.fromisoformat(options["before"])
        except ValueError as exc:
            raise CommandError(f"日期格式应为 YYYY-MM-DD，收到 {options['before']!r}。") from exc
        try:
            deleted = audit_purge(before=before, actor_username="manage.py purge_audit")
        except AuditLogIsAppendOnly as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"已删除 {before:%Y-%m-%d} 之前的审计日志 {deleted} 条。")
