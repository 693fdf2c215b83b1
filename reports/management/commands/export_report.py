"""manage.py export_report {form,register,quarterly,powers,flowcharts} … --format … -o FILE

For operators and scheduled jobs. Whoever runs it already has the database, so reports are
read unscoped (reports.selectors.OPERATOR). Errors are one Chinese line on stderr and a non-zero
exit code: 1 for something not found, 2 for a bad combination of options.
"""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import Http404

from audit.enums import AuditAction
from audit.services import audit_record
from reports import selectors, services
from reports.selectors import OPERATOR, RegisterFilters
from risks.enums import RiskCategory
from risks.models import Round
from units.models import Department, Unit

NOT_FOUND = 1
BAD_OPTIONS = 2


class Command(BaseCommand):
    help = (
        "导出报表：一览表（form）、台账（register）、季度汇总（quarterly）、"
        "职权目录（powers）、权力运行流程图（flowcharts）。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(
            dest="report", required=True, metavar="{form,register,quarterly,powers,flowcharts}"
        )

        form = sub.add_parser("form", help="一张一览表（PDF 或 Excel）")
        form.add_argument("--form", dest="form_id", type=int, required=True, help="一览表编号")
        self._common(form, ("pdf", "xlsx"))

        register = sub.add_parser(
            "register", help="单位台账：xlsx 为风险点台账，pdf 为资料汇编（封面、目录、各表）"
        )
        register.add_argument("--unit", required=True, help="单位代码")
        register.add_argument("--round", type=int, help="排查轮次编号（默认：最近有备案表的轮次）")
        register.add_argument("--department", help="部室名称")
        register.add_argument("--tier", choices=sorted(selectors.TIER_FILTER_LABELS))
        register.add_argument("--category", choices=[c.value for c in RiskCategory])
        register.add_argument("--level", type=int, choices=[1, 2, 3])
        register.add_argument("--key-post", choices=["yes", "no"])
        self._common(register, ("pdf", "xlsx"))

        quarterly = sub.add_parser("quarterly", help="季度汇总（纪检监督）")
        quarterly.add_argument("--unit", required=True, help="单位代码")
        quarterly.add_argument("--year", type=int, required=True)
        quarterly.add_argument("--quarter", type=int, required=True, choices=[1, 2, 3, 4])
        quarterly.add_argument("--with-subunits", action="store_true", help="含下级单位")
        self._common(quarterly, ("pdf", "xlsx", "json"))

        # The power list (powers.commands): 职权目录 and 权力运行流程图.
        from powers.commands import add_export_parsers

        add_export_parsers(sub, self._common)

    @staticmethod
    def _common(parser: CommandParser, formats: tuple[str, ...]) -> None:
        parser.add_argument("--format", required=True, choices=formats)
        parser.add_argument("-o", "--output", required=True, help="输出文件；- 表示标准输出")

    def handle(self, *args, report: str, **options) -> None:
        self._exported = None  # the form or unit exported, for the audit log
        data = getattr(self, f"_{report}")(options)
        output = options["output"]
        # Exports by the command line are audited like those of the web pages; the operator is
        # known by the operating-system account that ran it.
        audit_record(
            action=AuditAction.EXPORT,
            obj=self._exported,
            details={
                "report": report,
                "format": options["format"],
                "source": "command",
                "os_user": _os_user(),
                "output": output,
            },
        )
        if output == "-":
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
            return
        path = Path(output)
        if not path.parent.exists():
            raise CommandError(f"输出目录不存在：{path.parent}", returncode=BAD_OPTIONS)
        path.write_bytes(data)
        self.stdout.write(f"已导出：{path}（{len(data)} 字节）")

    def _form(self, options: dict) -> bytes:
        try:
            form = selectors.form_for_report(user=OPERATOR, pk=options["form_id"])
        except Http404 as exc:
            raise CommandError(
                f"没有编号为 {options['form_id']} 的一览表。", returncode=NOT_FOUND
            ) from exc
        self._exported = form
        return services.render_form(form=form, fmt=options["format"])

    def _unit(self, code: str) -> Unit:
        unit = Unit.objects.filter(code=code).first()
        if unit is None:
            raise CommandError(f"没有代码为 {code} 的单位。", returncode=NOT_FOUND)
        self._exported = unit
        return unit

    def _register(self, options: dict) -> bytes:
        unit = self._unit(options["unit"])
        if options["round"] is not None:
            round = Round.objects.filter(unit=unit, pk=options["round"]).first()
            if round is None:
                raise CommandError(
                    f"{unit.name}没有编号为 {options['round']} 的排查轮次。", returncode=NOT_FOUND
                )
        else:
            round = selectors.default_round(unit)
        if options["format"] == "pdf":
            if any(options[k] for k in ("department", "tier", "category", "level", "key_post")):
                raise CommandError(
                    "资料汇编收录全部已备案的一览表，不支持筛选；筛选请导出 xlsx。",
                    returncode=BAD_OPTIONS,
                )
            forms = selectors.volume_forms(user=OPERATOR, unit=unit, round=round)
            return services.render_volume(unit=unit, round=round, forms=forms, user=OPERATOR)
        department_id = None
        if options["department"]:
            department = Department.objects.filter(unit=unit, name=options["department"]).first()
            if department is None:
                raise CommandError(
                    f"{unit.name}没有名为 {options['department']} 的部室。", returncode=NOT_FOUND
                )
            department_id = department.pk
        filters = RegisterFilters(
            department_id=department_id,
            tier=options["tier"],
            category=options["category"],
            level=options["level"],
            key_post=None if options["key_post"] is None else options["key_post"] == "yes",
        )
        points = selectors.register_points(user=OPERATOR, unit=unit, round=round, filters=filters)
        departments = dict(unit.departments.values_list("pk", "name"))
        return services.register_workbook(
            unit=unit,
            round=round,
            points=list(points),
            filter_text=filters.describe(unit=unit, departments=departments),
        )

    def _powers(self, options: dict) -> bytes:
        from powers.commands import export_catalogue

        return export_catalogue(self._unit(options["unit"]), options)

    def _flowcharts(self, options: dict) -> bytes:
        from powers.commands import export_flowcharts

        return export_flowcharts(self._unit(options["unit"]), options)

    def _quarterly(self, options: dict) -> bytes:
        from reports import quarterly

        unit = self._unit(options["unit"])
        summary = quarterly.build_summary(
            unit=unit,
            year=options["year"],
            quarter=options["quarter"],
            with_subunits=options["with_subunits"],
            list_limit=quarterly.list_limit_for(options["format"]),
        )
        return quarterly.render(summary, fmt=options["format"])


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""
