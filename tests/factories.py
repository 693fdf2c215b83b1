"""Test data builders, one place for all tests. Plain functions with sensible defaults."""

import datetime
import itertools

from units.enums import GrantedRole, PostTier
from units.models import Department, Person, Post, RoleGrant, Unit
from units.services import person_create

_seq = itertools.count(1)


def make_unit(
    *, code: str | None = None, name: str | None = None, parent: Unit | None = None, **kw
) -> Unit:
    n = next(_seq)
    unit = Unit(code=code or f"U{n}", name=name or f"测试单位{n}", parent=parent, **kw)
    unit.full_clean()
    unit.save()
    return unit


def make_department(*, unit: Unit, name: str | None = None, **kw) -> Department:
    dept = Department(unit=unit, name=name or f"部室{next(_seq)}", **kw)
    dept.full_clean()
    dept.save()
    return dept


def make_post(
    *,
    unit: Unit,
    department: Department | None = None,
    name: str | None = None,
    tier: str = PostTier.STAFF,
    **kw,
) -> Post:
    post = Post(unit=unit, department=department, name=name or f"岗位{next(_seq)}", tier=tier, **kw)
    post.full_clean()
    post.save()
    return post


def make_person(
    *,
    unit: Unit,
    department: Department | None = None,
    post: Post | None = None,
    name: str | None = None,
    employee_no: str | None = None,
    password: str | None = "Test-pass-2026",
    **kw,
) -> Person:
    n = next(_seq)
    person = person_create(
        unit=unit,
        employee_no=employee_no or f"E{n:05d}",
        name=name or f"人员{n}",
        department=department,
        post=post,
        **kw,
    )
    if password:
        person.user.set_password(password)
        person.user.save()
    return person


def make_grant(
    *, person: Person, role: GrantedRole, unit: Unit, include_subunits: bool = False
) -> RoleGrant:
    return RoleGrant.objects.create(
        person=person, role=role, unit=unit, include_subunits=include_subunits
    )


# Every phase deadline a round must be opened with (risks.services.round_open).
ROUND_DEADLINES = {
    "self_check_deadline": datetime.date(2026, 3, 31),
    "dept_review_deadline": datetime.date(2026, 4, 20),
    "mass_review_deadline": datetime.date(2026, 5, 15),
    "collective_deadline": datetime.date(2026, 6, 10),
}


def make_round(*, unit: Unit, title: str | None = None, year: int = 2026, **kw):
    from risks.models import Round

    rnd = Round(unit=unit, year=year, title=title or f"{year}年度廉政风险排查{next(_seq)}", **kw)
    rnd.full_clean()
    rnd.save()
    return rnd


def make_form(*, round, subject_kind: str = "post", post=None, department=None, filler=None, **kw):
    """A risk form; for a post form the department defaults to the post's department."""
    from risks.models import RiskForm

    if subject_kind == "post" and department is None and post is not None:
        department = post.department
    form = RiskForm(
        round=round,
        unit=round.unit,
        subject_kind=subject_kind,
        post=post,
        department=department,
        filler=filler,
        **kw,
    )
    form.full_clean()
    form.save()
    return form


def make_point(
    *,
    form,
    category: str = "duty",
    description: str = "风险点",
    level: int = 2,
    measures=("措施",),
    **kw,
):
    from risks.models import Measure, RiskPoint

    point = RiskPoint(
        form=form,
        category=category,
        description=description,
        likelihood=kw.pop("likelihood", 2),
        harm=kw.pop("harm", 2),
        proposed_level=level,
        order=kw.pop("order", form.points.count() + 1),
        **kw,
    )
    point.full_clean()
    point.save()
    for i, text in enumerate(measures, 1):
        Measure.objects.create(point=point, order=i, text=text)
    return point


# --- Roster spreadsheets, built in memory (no binary fixtures) --------------------------------

ROSTER_HEADERS = [
    "工号",
    "姓名",
    "部室",
    "岗位",
    "职务",
    "岗位层级",
    "重点岗位",
    "手机",
    "邮箱",
    "在岗",
]


def roster_row(
    employee_no: object,
    name: str,
    department: str = "办公室",
    post: str = "综合文秘",
    *,
    job_title: str = "科员",
    tier: str = "工作人员",
    is_key: str = "否",
    phone: object = "",
    email: str = "",
    active: str = "是",
) -> list[object]:
    """One roster line in ROSTER_HEADERS order."""
    return [employee_no, name, department, post, job_title, tier, is_key, phone, email, active]


def roster_xlsx(
    rows: list[list[object]],
    *,
    headers: list[str] | None = None,
    title: str | None = None,
    number_formats: dict[int, str] | None = None,
) -> bytes:
    """An .xlsx roster: an optional merged title row, the header row, then `rows` as given
    (None cells stay empty, [] is a blank row). number_formats: {column index: format}."""
    import io

    import openpyxl

    headers = ROSTER_HEADERS if headers is None else headers
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    for column, fmt in (number_formats or {}).items():
        for cells in sheet.iter_rows(min_row=sheet.min_row + 1, min_col=column + 1):
            cells[0].number_format = fmt
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def roster_csv(
    rows: list[list[object]],
    *,
    headers: list[str] | None = None,
    encoding: str = "utf-8",
) -> bytes:
    """A CSV roster in `encoding` ("utf-8-sig" adds the BOM Excel writes; "gbk" is what Chinese
    Excel saves)."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(ROSTER_HEADERS if headers is None else headers)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return buffer.getvalue().encode(encoding)
