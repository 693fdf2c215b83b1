"""`manage.py import_roster FILE --unit CODE [--dry-run] [--deactivate-missing]
[--accept-warnings] [--blank-clears] [--no-create]`.

Exit codes (README, "管理命令"): 0 imported (or previewed); 1 some rows are bad (or, with
--no-create, the file names departments or posts that do not exist), every bad row is listed on
stderr and nothing is written; 2 the file, its columns or the unit code cannot be used, one
line on stderr; 3 warnings (e.g. a newcomer named like an active colleague) printed as
`第 N 行：提醒：…` and not accepted with --accept-warnings: nothing written.
"""

import getpass
from pathlib import Path

from django.core.management.base import BaseCommand

from units import services
from units.models import RosterImport, Unit
from units.roster import RosterFileError

EXIT_BAD_ROWS = 1
EXIT_BAD_INPUT = 2
EXIT_WARNINGS = 3


class Command(BaseCommand):
    help = (
        "从 Excel（.xlsx）或 CSV 文件导入人员名册：按工号新增或更新本单位人员，"
        "缺少的部室和岗位自动创建。任何一行有误则不写入任何数据。"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="名册文件（.xlsx 或 .csv）")
        parser.add_argument("--unit", required=True, help="单位代码，如 GYRC")
        parser.add_argument("--dry-run", action="store_true", help="只检查并报告结果，不写入数据库")
        parser.add_argument(
            "--deactivate-missing",
            action="store_true",
            help="停用本单位中不在名册里的人员（只停用，不删除）",
        )
        parser.add_argument(
            "--accept-warnings",
            action="store_true",
            help="接受全部提醒（如新增人员与在岗人员同名）并导入；否则有提醒时不写入，退出码 3",
        )
        parser.add_argument(
            "--blank-clears",
            action="store_true",
            help="选填列（职务、手机、邮箱等）的空白单元格清空原值；默认保留原值",
        )
        parser.add_argument(
            "--no-create",
            action="store_true",
            help="名册中有系统里不存在的部室或岗位时拒绝导入（默认自动新建）",
        )

    def _fail(self, message: str, code: int) -> None:
        self.stderr.write(message)
        raise SystemExit(code)

    def handle(self, *args, **options) -> None:
        path = Path(options["file"])
        try:
            content = path.read_bytes()
        except FileNotFoundError:
            self._fail(f"找不到文件：{path}", EXIT_BAD_INPUT)
        except IsADirectoryError:
            self._fail(f"“{path}”是一个目录，不是名册文件。", EXIT_BAD_INPUT)
        except OSError:
            self._fail(f"无法读取文件“{path}”（没有读取权限或磁盘错误）。", EXIT_BAD_INPUT)

        unit = Unit.objects.filter(code=options["unit"]).first()
        if unit is None:
            codes = "、".join(Unit.objects.values_list("code", flat=True)[:20]) or "（尚无单位）"
            self._fail(
                f"找不到单位代码“{options['unit']}”；现有单位代码：{codes}。", EXIT_BAD_INPUT
            )

        try:
            result = services.roster_import(
                unit=unit,
                content=content,
                file_name=path.name,
                dry_run=options["dry_run"],
                deactivate_missing=options["deactivate_missing"],
                blank_clears=options["blank_clears"],
                accept_warnings=options["accept_warnings"],
                create_org=not options["no_create"],
                source=RosterImport.Source.COMMAND,
                os_user=_os_user(),
            )
        except RosterFileError as exc:
            self._fail(str(exc), EXIT_BAD_INPUT)

        if not result.ok:
            for error in result.plan.errors:
                self.stderr.write(str(error))
            bad_rows = sum(1 for e in result.plan.errors if e.row_no)
            self.stderr.write(
                f"共 {bad_rows} 行有误，未写入任何数据。" if bad_rows else "未写入任何数据。"
            )
            raise SystemExit(EXIT_BAD_ROWS)

        if result.pending_warnings:
            for warning in result.pending_warnings:
                self.stderr.write(str(warning))
            self.stderr.write(
                f"共 {len(result.pending_warnings)} 条提醒，未写入任何数据；"
                "核实无误后加 --accept-warnings 重新运行。"
            )
            raise SystemExit(EXIT_WARNINGS)

        suffix = "（试运行，未写入数据库）" if result.dry_run else ""
        for note in result.plan.protected:
            self.stdout.write(f"未更改：{note}")
        self.stdout.write(result.summary + suffix)


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""
