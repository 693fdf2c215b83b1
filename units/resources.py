"""The roster as a django-import-export resource: the columns of the roster file and its export.

The exported columns are exactly the ones `units.roster` reads, so a roster exported here, edited
in Excel and imported again round-trips. Imports do not go through the resource's row-by-row
`import_data` (several queries per row); they use the bulk core in `units.roster`.
"""

import io

import openpyxl
from import_export import fields, resources
from openpyxl.styles import Font

from audit.excel import append_row
from units.models import Person
from units.roster import COLUMNS


def _yes_no(value: bool) -> str:
    return "是" if value else "否"


class RosterResource(resources.Resource):
    employee_no = fields.Field(attribute="employee_no", column_name="工号")
    name = fields.Field(attribute="name", column_name="姓名")
    department = fields.Field(column_name="部室")
    post = fields.Field(column_name="岗位")
    job_title = fields.Field(attribute="job_title", column_name="职务")
    tier = fields.Field(column_name="岗位层级")
    is_key = fields.Field(column_name="重点岗位")
    phone = fields.Field(attribute="phone", column_name="手机")
    email = fields.Field(attribute="email", column_name="邮箱")
    active = fields.Field(column_name="在岗")

    class Meta:
        fields = tuple(c.key for c in COLUMNS)
        export_order = tuple(c.key for c in COLUMNS)

    def dehydrate_department(self, person: Person) -> str:
        return person.department.name if person.department_id else ""

    def dehydrate_post(self, person: Person) -> str:
        return person.post.name if person.post_id else ""

    def dehydrate_tier(self, person: Person) -> str:
        return person.post.get_tier_display() if person.post_id else ""

    def dehydrate_is_key(self, person: Person) -> str:
        return _yes_no(person.post.is_key) if person.post_id else "否"

    def dehydrate_active(self, person: Person) -> str:
        return _yes_no(person.active)


def roster_export_xlsx(people) -> bytes:
    """The roster as an .xlsx workbook: one sheet, header row first, every cell as text."""
    dataset = RosterResource().export(queryset=people)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "人员名册"
    sheet.append(dataset.headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in dataset:
        append_row(sheet, row)  # a name or title typed as "=…" stays text (audit.excel)
    # 工号 and 手机 are text: Excel must not turn 000123 into 123 when someone edits the cell.
    for column in ("A", "H"):
        for cell in sheet[column][1:]:
            cell.number_format = "@"
    widths = {"A": 12, "B": 10, "C": 16, "D": 22, "E": 22, "F": 14, "G": 10, "H": 15, "I": 26}
    for column, width in widths.items():
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
