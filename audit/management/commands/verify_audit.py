import datetime
import sys

from django.core.management.base import BaseCommand, CommandError

from audit.services import audit_chain_check


class Command(BaseCommand):
    help = (
        "重新计算审计日志哈希链。完好：退出码 0，输出一行摘要；断裂：退出码 1，指出第一条"
        "被修改、删除或插入的记录，并通知安全审计员。"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--since", help="日期 YYYY-MM-DD：只校验此日期及以后的记录")
        parser.add_argument(
            "--no-alert",
            action="store_true",
            help="断裂时不通知安全审计员（默认通知，供每日定时任务使用）",
        )

    def handle(self, *args, **options) -> None:
        since = None
        if options["since"]:
            try:
                since = datetime.date.fromisoformat(options["since"])
            except ValueError as exc:
                raise CommandError(f"日期格式应为 YYYY-MM-DD，收到 {options['since']!r}。") from exc
        report = audit_chain_check(since=since, alert=not options["no_alert"])
        if report.ok:
            self.stdout.write(report.summary())
            return
        self.stderr.write(report.summary())
        sys.exit(1)
