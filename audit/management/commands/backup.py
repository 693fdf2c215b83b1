from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from audit.backup import BackupError, backup_database
from audit.enums import AuditAction
from audit.services import audit_record


class Command(BaseCommand):
    help = "备份数据库：SQLite 使用在线备份接口，PostgreSQL 使用 pg_dump（custom 格式）。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("-o", "--output", required=True, help="备份文件的路径")

    def handle(self, *args, **options) -> None:
        target = Path(options["output"])
        # Recorded first, so the backup itself holds the row that says it was taken.
        audit_record(action=AuditAction.BACKUP, details={"file": str(target)})
        try:
            backup_database(target)
        except (BackupError, OSError) as exc:
            raise CommandError(f"备份失败：{exc}") from exc
        self.stdout.write(f"已备份到 {target}（{target.stat().st_size} 字节）。")
