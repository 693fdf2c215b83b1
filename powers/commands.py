"""The power list's subcommands of `manage.py export_report` (reports/management/commands):

    export_report powers --unit CODE [--department NAME] --format pdf|xlsx -o FILE
    export_report flowcharts --unit CODE --format pdf -o FILE

Read unscoped, like every export_report subcommand (whoever runs it holds the database)."""

from __future__ import annotations

from django.core.management.base import CommandError

from powers import reports, selectors
from reports.selectors import OPERATOR
from units.models import Department, Unit

NOT_FOUND = 1


def add_export_parsers(sub, common) -> None:
    powers = sub.add_parser("powers", help="职权目录（单位或部室）")
    powers.add_argument("--unit", required=True, help="单位代码")
    powers.add_argument("--department", help="部室名称（含其岗位的职权）")
    common(powers, ("pdf", "xlsx"))
    flowcharts = sub.add_parser("flowcharts", help="权力运行流程图（外部、内部），每图一页")
    flowcharts.add_argument("--unit", required=True, help="单位代码")
    common(flowcharts, ("pdf",))


def export_catalogue(unit: Unit, options: dict) -> bytes:
    department_id = None
    if options.get("department"):
        department = Department.objects.filter(unit=unit, name=options["department"]).first()
        if department is None:
            raise CommandError(
                f"{unit.name}没有名为 {options['department']} 的部室。", returncode=NOT_FOUND
            )
        department_id = department.pk
    items = list(selectors.catalogue_items(user=OPERATOR, unit=unit, department_id=department_id))
    scope = reports.scope_title(unit=unit, department_id=department_id)
    return reports.catalogue_bytes(unit=unit, items=items, scope=scope, fmt=options["format"])


def export_flowcharts(unit: Unit, options: dict) -> bytes:
    items = list(selectors.catalogue_items(user=OPERATOR, unit=unit).exclude(status="abolish"))
    return reports.flowcharts_pdf(user=OPERATOR, unit=unit, items=items)
