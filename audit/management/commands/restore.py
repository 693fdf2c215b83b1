from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from audit.backup import BackupError, restore_database
from audit.enums import AuditAction
from audit.services import audit_record


class Command(BaseCommand):
    help = "从 backup 命令生成的备份文件恢复数据库；当前数据库的全部数据将被备份中的数据替换。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="备份文件的路径")
        parser.add_argument(
            "--noinput", "--no-input", action="store_false", dest="interactive",
            help="不询问确认（用于脚本）",
        )  # fmt: skip

    def handle(self, *args, **options) -> None:
        source = Path(options["file"])
        if options["interactive"]:
            answer = input(f"将用 {source} 中的数据替换当前数据库的全部数据。输入 yes 继续：")
            if answer.strip().lower() != "yes":
                raise CommandError("已取消，数据库未改动。")
        try:
            restore_database(source)
        except (BackupError, OSError) as exc:
            raise CommandError(f"恢复失败：{exc}") from exc
        audit_record(action=AuditAction.RESTORE, details={"file": str(source)})
        self.stdout.write(f"已从 {source} 恢复数据库。")
