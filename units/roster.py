"""Roster import core (SPEC section 7): read an HR spreadsheet, validate it, plan the upsert.

One core serves the admin (preview and confirm) and `manage.py import_roster`:

1. `read_roster(content, file_name)` turns .xlsx or .csv bytes into `RosterRow`s. It finds the
   header row under any title rows, maps Chinese headers in any order, ignores extra columns
   and blank rows, and normalises cells (工号 and phones stored as numbers, full-width spaces).
   A file it cannot use raises `RosterFileError` with one Chinese sentence.
2. `plan_roster(unit=..., rows=...)` checks every row (without stopping at the first bad one),
   then compares the rows with the unit's departments, posts and people in a fixed number of
   queries and says, row by row, what would be created, updated or left unchanged.

Real HR sheets are not trusted blindly: a 工号 Excel turned into a number (204) matches its
zero-padded twin (000204) and the row says so; a newcomer named like an active colleague is a
warning that must be accepted before anything is written; a blank optional cell keeps the
stored value unless `blank_clears`; the departments and posts the file would create are listed
apart, to be confirmed (or refused) before the rows.

Writing the plan is `units.services.roster_import`. The library's row-by-row import path is not
used: it costs several queries per row, which a 5,000-row roster cannot afford.
"""

import csv
import io
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from xml.etree.ElementTree import ParseError

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

from units import services
from units.enums import PostTier
from units.models import (
    Department,
    Person,
    Post,
    RoleGrant,
    RosterImport,
    Unit,
    phone_validator,
)

# How many rows above the header row may hold titles, notes or blank lines.
HEADER_SEARCH_ROWS = 20


# A roster of tens of thousands of people is a few MB; more is most likely the wrong file.
MAX_ROSTER_BYTES = 20 * 1024 * 1024


class RosterFileError(Exception):
    """The file as a whole cannot be imported; the message is one Chinese sentence."""


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool
    aliases: tuple[str, ...] = ()


# The roster's columns, in the order of the exported file.
COLUMNS: tuple[Column, ...] = (
    Column("employee_no", "工号", True, ("职工号", "人员编号", "员工编号")),
    Column("name", "姓名", True),
    Column("department", "部室", True, ("部门", "科室", "所在部室")),
    Column("post", "岗位", True, ("岗位名称",)),
    Column("job_title", "职务", False),
    Column("tier", "岗位层级", True),
    Column("is_key", "重点岗位", False, ("是否重点岗位",)),
    Column("phone", "手机", False, ("手机号", "手机号码")),
    Column("email", "邮箱", False, ("电子邮箱", "电子邮件")),
    Column("active", "在岗", False, ("是否在岗",)),
)
HEADERS = [c.header for c in COLUMNS]
_HEADER_KEYS = {name: c.key for c in COLUMNS for name in (c.header, *c.aliases)}
_LABELS = {c.key: c.header for c in COLUMNS}

TIERS_BY_LABEL: dict[str, PostTier] = {
    **{str(tier.label): tier for tier in PostTier},
    # Words HR offices use for the same tiers.
    "主要领导": PostTier.PRINCIPAL,
    "班子成员": PostTier.LEADER,
    "中层": PostTier.MIDDLE,
    "中层干部": PostTier.MIDDLE,
    "一般工作人员": PostTier.STAFF,
}
TIER_NAMES = "、".join(str(t.label) for t in PostTier)
# What some rosters write in 部室 for the leadership; it means "no department".
LEADERSHIP_DEPARTMENT_WORDS = {"领导班子", "班子成员", "单位领导"}
_YES = {"是", "Y", "YES", "TRUE", "√", "1"}
_NO = {"否", "N", "NO", "FALSE", "×", "0"}

_EMPLOYEE_NO_RE = re.compile(r"^[\w.\-]+$")
_ZERO_FORMAT_RE = re.compile(r"^0+$")
_SCIENTIFIC_RE = re.compile(r"^\d(\.\d+)?E\+\d+$", re.IGNORECASE)
_email_validator = EmailValidator()


def _max_length(model, name: str) -> int:
    return model._meta.get_field(name).max_length


MAX_LENGTHS = {
    "employee_no": _max_length(Person, "employee_no"),
    "name": _max_length(Person, "name"),
    "department": _max_length(Department, "name"),
    "post": _max_length(Post, "name"),
    "job_title": _max_length(Person, "job_title"),
    "phone": _max_length(Person, "phone"),
    "email": _max_length(Person, "email"),
}


@dataclass
class RosterRow:
    """One data row of the file, cells as stripped text; `present` lists the file's columns."""

    row_no: int
    cells: dict[str, str]

    def get(self, key: str) -> str:
        return self.cells.get(key, "")


@dataclass
class ParsedRoster:
    header_row: int
    present: frozenset[str]
    rows: list[RosterRow]
    sheet: str = ""


# --- Reading ------------------------------------------------------------------------------


def normalize_header(value: object) -> str:
    """Headers match with every space removed: "工 号", " 姓名\u3000", "手机\\n号码"."""
    return "".join(ch for ch in _cell_text(value) if not ch.isspace())


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # Excel keeps every number as a float: 13900000005.0 is the phone 13900000005.
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    # str.strip() also removes full-width (U+3000) and no-break spaces.
    return str(value).strip()


def read_roster(content: bytes, file_name: str) -> ParsedRoster:
    """Read .xlsx or .csv bytes (the kind is told by the content, not the name)."""
    shown = file_name or "上传的文件"
    if not content:
        raise RosterFileError(f"文件“{shown}”是空的。")
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        raise RosterFileError(
            f"“{shown}”是旧版 Excel（.xls）文件，暂不支持；请在 Excel 中“另存为” .xlsx 后再导入。"
        )
    if content.startswith(b"PK\x03\x04"):
        return _read_xlsx(content, shown)
    if file_name.lower().endswith((".xlsx", ".xlsm")):
        raise RosterFileError(f"无法读取“{shown}”：不是有效的 Excel（.xlsx）文件，或文件已损坏。")
    return _read_csv(content, shown)


# What a hostile or damaged workbook raises while it is read (audit: every one is a refusal).
_UNREADABLE = (zipfile.BadZipFile, ParseError, zlib.error, EOFError)


def _read_xlsx(content: bytes, shown: str) -> ParsedRoster:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (*_UNREADABLE, KeyError, ValueError, OSError, TypeError) as exc:
        raise RosterFileError(
            f"无法读取“{shown}”：不是有效的 Excel（.xlsx）文件，或文件已损坏。"
        ) from exc
    try:
        failure: RosterFileError | None = None
        sheets = [workbook.active, *[ws for ws in workbook.worksheets if ws != workbook.active]]
        for sheet in sheets:
            if sheet is None:
                continue
            # Some writers record a wrong sheet size; read until the real end instead.
            sheet.reset_dimensions()
            try:
                parsed = _parse_rows(_xlsx_rows(sheet), shown)
            except RosterFileError as exc:
                failure = failure or exc
                continue
            except _UNREADABLE as exc:
                # Sheets are parsed while read: a DTD or entity expansion (refused by the XML
                # parser) or a damaged zip member shows up here, not at opening.
                raise RosterFileError(
                    f"无法读取“{shown}”：文件内容不是正常的 Excel 工作簿（含有不允许的 XML "
                    "声明或实体，或文件已损坏），请在 Excel 中另存为 .xlsx 后重新上传。"
                ) from exc
            parsed.sheet = sheet.title
            return parsed
        raise failure or RosterFileError(f"文件“{shown}”中没有工作表。")
    finally:
        workbook.close()


def _xlsx_rows(sheet) -> Iterator[list[object]]:
    for cells in sheet.iter_rows():
        row = []
        for cell in cells:
            value = getattr(cell, "value", None)
            # A 工号 typed as a number but shown with leading zeros ("000123" via format
            # 000000) keeps its zeros: the number format says how many digits it has.
            if isinstance(value, int | float) and not isinstance(value, bool):
                fmt = getattr(cell, "number_format", "") or ""
                if _ZERO_FORMAT_RE.match(fmt) and float(value).is_integer():
                    value = str(int(value)).zfill(len(fmt))
            row.append(value)
        yield row


def _decode_csv(content: bytes, shown: str) -> str:
    if content.startswith(b"\xef\xbb\xbf"):
        return content[3:].decode("utf-8", errors="strict")
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        return content.decode("utf-16")
    if b"\x00" in content[:4096]:
        raise RosterFileError(
            f"无法读取“{shown}”：它既不是 Excel（.xlsx）文件，也不是 CSV 文本文件。"
        )
    # Chinese Excel saves CSV in GBK; GB18030 is its superset.
    for encoding in ("utf-8", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RosterFileError(
        f"无法识别“{shown}”的文字编码；请另存为 UTF-8 或 GBK 编码的 CSV，或直接导入 .xlsx。"
    )


def _read_csv(content: bytes, shown: str) -> ParsedRoster:
    try:
        text = _decode_csv(content, shown)
    except UnicodeDecodeError as exc:
        raise RosterFileError(f"无法识别“{shown}”的文字编码。") from exc
    sample = text[:4096]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), dialect))
    except csv.Error as exc:
        raise RosterFileError(f"无法读取“{shown}”：CSV 格式有误。") from exc
    return _parse_rows(iter(rows), shown)


def _find_header(
    candidates: list[tuple[int, list[object]]], shown: str
) -> tuple[int, dict[int, str]]:
    best: tuple[int, dict[int, str]] | None = None
    for row_no, values in candidates:
        mapping: dict[int, str] = {}
        seen: dict[str, int] = {}
        for index, value in enumerate(values):
            key = _HEADER_KEYS.get(normalize_header(value))
            if key is None:
                continue
            if key in seen:
                raise RosterFileError(f"表头（第 {row_no} 行）中“{_LABELS[key]}”列出现了两次。")
            seen[key] = index
            mapping[index] = key
        if mapping and (best is None or len(mapping) > len(best[1])):
            best = (row_no, mapping)
        if {"employee_no", "name"} <= set(mapping.values()):
            return row_no, mapping
    if best is None:
        if all(not any(_cell_text(v) for v in values) for _row, values in candidates):
            raise RosterFileError(f"文件“{shown}”中没有任何内容（工作表为空）。")
        raise RosterFileError(
            f"在“{shown}”的前 {HEADER_SEARCH_ROWS} 行中找不到表头（应有“工号”“姓名”等列名）。"
        )
    return best


def _parse_rows(rows: Iterator[list[object]], shown: str) -> ParsedRoster:
    candidates: list[tuple[int, list[object]]] = []
    for row_no, values in enumerate(rows, start=1):
        candidates.append((row_no, list(values)))
        if row_no >= HEADER_SEARCH_ROWS:
            break
    header_row, mapping = _find_header(candidates, shown)
    present = frozenset(mapping.values())
    missing = [c.header for c in COLUMNS if c.required and c.key not in present]
    if missing:
        raise RosterFileError(
            f"“{shown}”缺少必需的列：{'、'.join(missing)}（表头在第 {header_row} 行）。"
        )

    def data_rows() -> Iterable[tuple[int, list[object]]]:
        yield from ((n, v) for n, v in candidates if n > header_row)
        yield from enumerate(rows, start=len(candidates) + 1)

    parsed: list[RosterRow] = []
    for row_no, values in data_rows():
        cells = {}
        for index, key in mapping.items():
            if index < len(values):
                text = _cell_text(values[index])
                if text:
                    cells[key] = text
        if cells:  # blank rows (and rows with only ignored columns, e.g. 序号) are skipped
            parsed.append(RosterRow(row_no=row_no, cells=cells))
    if not parsed:
        raise RosterFileError(f"“{shown}”中没有人员数据：表头（第 {header_row} 行）下面都是空行。")
    return ParsedRoster(header_row=header_row, present=present, rows=parsed)


# --- Checking one row ------------------------------------------------------------------------


@dataclass
class RowValues:
    """A row after its own checks: what the file says about one person."""

    row_no: int
    employee_no: str
    name: str
    department: str | None  # None: no department (leadership, or nothing given)
    post: str | None
    tier: PostTier | None
    is_key: bool | None  # None: column absent (an existing post keeps its flag)
    job_title: str | None  # None for an optional column that is not in the file
    phone: str | None
    email: str | None
    active: bool | None
    # How the row found its person when the file's 工号 differs from the stored one.
    match_note: str = ""


def _nfkc(text: str) -> str:
    """Full-width digits and letters (１３９…, ＡＢＣ) to ASCII."""
    return unicodedata.normalize("NFKC", text)


def _parse_bool(text: str, label: str, errors: list[str]) -> bool | None:
    if not text:
        return None
    word = _nfkc(text).strip().upper()
    if word in _YES:
        return True
    if word in _NO:
        return False
    errors.append(f"{label}应填“是”或“否”（现为“{text}”）")
    return None


def _check_row(
    row: RosterRow, present: frozenset[str], blank_clears: bool = False
) -> tuple[RowValues | None, list[str]]:
    errors: list[str] = []
    cells = row.cells
    for key, limit in MAX_LENGTHS.items():
        if len(cells.get(key, "")) > limit:
            errors.append(f"{_LABELS[key]}超过 {limit} 个字")

    employee_no = _nfkc(cells.get("employee_no", "")).strip()
    if not employee_no:
        errors.append("缺少工号")
    elif _SCIENTIFIC_RE.match(employee_no):
        errors.append(f"工号“{employee_no}”被存成了科学计数法，请把工号列设为文本后重新填写")
    elif not _EMPLOYEE_NO_RE.match(employee_no):
        errors.append(f"工号“{employee_no}”只能由字母、数字和“-”“_”“.”组成")

    name = cells.get("name", "")
    if not name:
        errors.append("缺少姓名")

    post = cells.get("post") or None
    tier_text = cells.get("tier", "")
    tier = None
    if tier_text:
        tier = TIERS_BY_LABEL.get("".join(tier_text.split()))
        if tier is None:
            errors.append(f"岗位层级“{tier_text}”无法识别，应为{TIER_NAMES}之一")
    if post and not tier_text:
        errors.append("缺少岗位层级")
    if tier_text and not post:
        errors.append("填写了岗位层级，但缺少岗位")

    department = cells.get("department") or None
    if tier in PostTier.leadership():
        if department in LEADERSHIP_DEPARTMENT_WORDS:
            department = None
        elif department:
            errors.append(
                f"{tier.label}属于领导班子，不属于任何部室，部室应留空（现为“{department}”）"
            )
    elif tier is not None and not department:
        errors.append(f"{tier.label}须填写部室")

    is_key = _parse_bool(cells.get("is_key", ""), "重点岗位", errors)
    active = _parse_bool(cells.get("active", ""), "在岗", errors)

    phone = _nfkc(cells.get("phone", ""))
    phone = "".join(phone.split())
    if re.fullmatch(r"\d+\.0+", phone):  # a CSV of numbers: "13900000005.0"
        phone = phone.split(".")[0]
    if phone:
        if _SCIENTIFIC_RE.match(phone):
            errors.append(f"手机号“{phone}”被存成了科学计数法，号码已丢失，请把手机列设为文本")
        else:
            try:
                phone_validator(phone)
            except ValidationError:
                errors.append(
                    f"手机号“{cells.get('phone')}”格式不正确，"
                    "应为 11 位手机号（以 1 开头）或带区号的固定电话"
                )

    email = _nfkc(cells.get("email", "")).strip()
    if email:
        try:
            _email_validator(email)
        except ValidationError:
            errors.append(f"邮箱“{cells.get('email')}”格式不正确")

    if errors:
        return None, errors

    def optional(key: str, value):
        """None keeps the stored value: the column is absent, or its cell is blank and blank
        cells do not clear (a blank 手机 must not erase a stored phone)."""
        if key not in present or (not cells.get(key) and not blank_clears):
            return None
        return value

    return (
        RowValues(
            row_no=row.row_no,
            employee_no=employee_no,
            name=name,
            department=department if tier not in PostTier.leadership() else None,
            post=post,
            tier=tier,
            is_key=optional("is_key", is_key or False),
            job_title=optional("job_title", cells.get("job_title", "")),
            phone=optional("phone", phone),
            email=optional("email", email),
            active=optional("active", True if active is None else active),
        ),
        [],
    )


# --- Planning ------------------------------------------------------------------------------

PostKey = tuple[str | None, str]  # (department name or None for leadership, post name)


@dataclass
class RowError:
    row_no: int | None  # None: about the file as a whole
    messages: list[str]

    def __str__(self) -> str:
        text = "；".join(self.messages)
        return f"第 {self.row_no} 行：{text}" if self.row_no else text


@dataclass
class RowWarning:
    """Something to confirm before writing (the admin ticks it, the CLI --accept-warnings)."""

    row_no: int
    message: str

    def __str__(self) -> str:
        return f"第 {self.row_no} 行：提醒：{self.message}"


@dataclass
class RowPlan:
    values: RowValues
    action: str  # "new" | "update" | "unchanged"
    person: Person | None = None
    changes: list[str] = field(default_factory=list)
    # How the row found its person when the file's 工号 differs from the stored one.
    match_note: str = ""

    @property
    def action_label(self) -> str:
        return ACTION_LABELS[self.action]


ACTION_LABELS = {"new": "新增", "update": "更新", "unchanged": "未变"}


@dataclass
class NewPost:
    department: str | None
    name: str
    tier: PostTier
    is_key: bool


@dataclass
class RosterPlan:
    unit: Unit
    rows: list[RowPlan] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    departments: dict[str, Department] = field(default_factory=dict)
    new_departments: list[str] = field(default_factory=list)
    posts: dict[PostKey, Post] = field(default_factory=dict)
    new_posts: dict[PostKey, NewPost] = field(default_factory=dict)
    # post id -> (post, new tier, new is_key)
    changed_posts: dict[int, tuple[Post, PostTier, bool]] = field(default_factory=dict)
    deactivate: list[Person] = field(default_factory=list)
    warnings: list[RowWarning] = field(default_factory=list)
    # What the import leaves alone because the person holds a protected role (三员分立).
    protected: list[str] = field(default_factory=list)
    # The first row naming each department / post that does not exist yet.
    new_department_rows: dict[str, int] = field(default_factory=dict)
    new_post_rows: dict[PostKey, int] = field(default_factory=dict)

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def creates_org(self) -> bool:
        return bool(self.new_department_rows or self.new_posts)

    @property
    def new_org_items(self) -> list[tuple[str, str, int]]:
        """(key, label, first row) of every department and post the file would create; the key
        names the item in the admin's confirmation boxes."""
        items = [
            (f"dept:{name}", f"部室“{name}”", row_no)
            for name, row_no in self.new_department_rows.items()
        ]
        items += [
            (
                f"post:{key[0] or ''}/{key[1]}",
                f"岗位“{_post_label(key)}”（{spec.tier.label}）",
                self.new_post_rows.get(key, 0),
            )
            for key, spec in self.new_posts.items()
        ]
        return items


def _yes_no(value: bool) -> str:
    return "是" if value else "否"


def _post_label(key: PostKey) -> str:
    department, name = key
    return f"{department}·{name}" if department else name


def plan_roster(
    *,
    unit: Unit,
    rows: list[RosterRow],
    present: frozenset[str],
    deactivate_missing: bool = False,
    acting_user: User | None = None,
    blank_clears: bool = False,
    create_org: bool = True,
) -> RosterPlan:
    """Check every row and compare the file with the unit, in a fixed number of queries.
    `create_org=False` (`--no-create`) makes every department and post the file would create
    an error instead."""
    plan = RosterPlan(unit=unit)
    checked: list[RowValues] = []
    first_row_of_no: dict[str, int] = {}
    first_row_of_post: dict[PostKey, RowValues] = {}
    for row in rows:
        values, errors = _check_row(row, present, blank_clears)
        # Duplicates are found among all rows, the bad ones included.
        employee_no = _nfkc(row.get("employee_no")).strip()
        if employee_no:
            earlier = first_row_of_no.setdefault(employee_no, row.row_no)
            if earlier != row.row_no:
                errors.append(f"工号 {employee_no} 与第 {earlier} 行重复")
        if values is not None and values.post:
            key = (values.department, values.post)
            first = first_row_of_post.setdefault(key, values)
            if first.tier != values.tier:
                errors.append(
                    f"岗位“{_post_label(key)}”在第 {first.row_no} 行的岗位层级为"
                    f"“{first.tier.label}”，与本行“{values.tier.label}”不一致"
                )
            if (
                values.is_key is not None
                and first.is_key is not None
                and first.is_key != values.is_key
            ):
                errors.append(
                    f"岗位“{_post_label(key)}”在第 {first.row_no} 行的重点岗位为"
                    f"“{_yes_no(first.is_key)}”，与本行不一致"
                )
        if errors:
            plan.errors.append(RowError(row.row_no, errors))
        elif values is not None:
            checked.append(values)

    plan.departments = {d.name: d for d in Department.objects.filter(unit=unit)}
    # Unknown departments are listed up front, from every row that names one (bad rows too),
    # so that a misspelt 部室 shows at the first upload, not after every other error is fixed.
    for row in rows:
        name = row.get("department")
        if name and name not in LEADERSHIP_DEPARTMENT_WORDS and name not in plan.departments:
            if _is_leadership_tier(row.get("tier")):
                continue
            plan.new_department_rows.setdefault(name, row.row_no)
    plan.posts = {
        (p.department.name if p.department_id else None, p.name): p
        for p in Post.objects.filter(unit=unit).select_related("department")
    }
    # Departments and posts are shared by many people: look them up by id, not per person.
    department_names = {d.pk: d.name for d in plan.departments.values()}
    post_keys = {p.pk: key for key, p in plan.posts.items()}
    people = {
        p.employee_no: p
        for p in Person.objects.filter(unit=unit)
        .select_related("user")
        .only(
            *("employee_no", "name", "department", "post", "job_title", "phone", "email"),
            *("active", "user__is_active", "user__email"),
        )
    }
    unmatched = _match_padded_numbers(plan, checked, people)
    checked = [v for v in checked if v.row_no not in unmatched]
    new_nos = [v.employee_no for v in checked if v.employee_no not in people]
    usernames = {no: services.username_for(unit=unit, employee_no=no) for no in new_nos}
    taken = set(
        User.objects.filter(username__in=list(usernames.values())).values_list(
            "username", flat=True
        )
    )
    acting_person = getattr(acting_user, "person", None) if acting_user else None
    protected = _protected_ids(unit, acting_user)
    active_by_name: dict[str, list[Person]] = {}
    for p in people.values():
        if p.active:
            active_by_name.setdefault(p.name, []).append(p)

    for values in checked:
        errors: list[str] = []
        if values.employee_no in usernames and usernames[values.employee_no] in taken:
            errors.append(
                f"新人员的登录名“{usernames[values.employee_no]}”已被其他账号占用，"
                "请联系系统管理员处理"
            )
        person = people.get(values.employee_no)
        if (
            values.active is False
            and person is not None
            and acting_person is not None
            and person.pk == acting_person.pk
        ):
            errors.append("不能通过导入停用您本人的账号")
        if errors:
            plan.errors.append(RowError(values.row_no, errors))
            continue
        changes = _plan_org(plan, values)
        if person is None:
            plan.rows.append(RowPlan(values=values, action="new"))
            namesakes = active_by_name.get(values.name, [])
            if namesakes:
                who = "、".join(
                    f"{p.name}（工号 {p.employee_no}，{_where(p, department_names)}）"
                    for p in namesakes
                )
                plan.warnings.append(
                    RowWarning(
                        values.row_no,
                        f"新增人员“{values.name}”（工号 {values.employee_no}）与本单位在岗人员"
                        f"{who}同名；如是同一人，请改用其原工号",
                    )
                )
            continue
        changes += _person_changes(person, values, department_names, post_keys)
        if changes and person.pk in protected:
            # 三员分立: the record of someone who watches the admin changes only through the
            # two-person procedure, never by a roster (audit/duties.py).
            plan.protected.append(
                f"第 {values.row_no} 行：{person.name}（工号 {person.employee_no}）担任安全审计员"
                f"或纪检监督，导入不更改其信息（本行的变更：{'；'.join(changes)}）；"
                "如需更改，请通过“双人审批”办理"
            )
            plan.rows.append(
                RowPlan(values=values, action="unchanged", person=person,
                        match_note="受保护人员，未更改")
            )  # fmt: skip
            continue
        kept = [
            f"{_LABELS[key]}空白，保留原值 {getattr(person, key)}"
            for key in ("job_title", "phone", "email")
            if key in present and getattr(values, key) is None and getattr(person, key)
        ]
        if kept:
            values.match_note = "；".join(filter(None, [values.match_note, *kept]))
        plan.rows.append(
            RowPlan(
                values=values,
                action="update" if changes else "unchanged",
                person=person,
                changes=changes,
                match_note=values.match_note,
            )
        )

    if deactivate_missing:
        in_file = set(first_row_of_no)
        missing = [p for no, p in sorted(people.items()) if p.active and no not in in_file]
        plan.deactivate = [p for p in missing if p.pk not in protected]
        for p in missing:
            if p.pk in protected:
                plan.protected.append(
                    f"名册中没有{p.name}（工号 {p.employee_no}），但其担任安全审计员或纪检监督，"
                    "导入不停用其账号；如需停用，请通过“双人审批”办理"
                )
        if acting_person is not None and any(p.pk == acting_person.pk for p in plan.deactivate):
            plan.errors.append(
                RowError(
                    None,
                    [
                        f"名册中没有您本人（工号 {acting_person.employee_no}），"
                        "“停用名册外人员”会停用您本人的账号；请把本人加入名册后再导入"
                    ],
                )
            )
    if not create_org:
        for _key, label, row_no in plan.new_org_items:
            plan.errors.append(
                RowError(row_no or None, [f"{label}在系统中不存在，已按要求不新建（--no-create）"])
            )
    plan.errors.sort(key=lambda e: e.row_no or 0)
    plan.warnings.sort(key=lambda w: w.row_no)
    return plan


def _protected_ids(unit: Unit, acting_user: User | None) -> set[int]:
    """The people of the unit whose record a roster import may not change: holders of a
    protected role and superusers' own records (unless the break-glass superuser imports)."""
    from audit import duties

    if acting_user is not None and acting_user.is_authenticated and acting_user.is_superuser:
        return set()
    return set(
        RoleGrant.objects.filter(person__unit=unit, role__in=duties.PROTECTED_ROLES).values_list(
            "person_id", flat=True
        )
    ) | set(Person.objects.filter(unit=unit, user__is_superuser=True).values_list("pk", flat=True))


def _where(person: Person, department_names: dict[int, str]) -> str:
    return department_names.get(person.department_id) or "领导班子"


def _is_leadership_tier(text: str) -> bool:
    tier = TIERS_BY_LABEL.get("".join((text or "").split()))
    return tier in PostTier.leadership()


def _match_padded_numbers(
    plan: RosterPlan, checked: list[RowValues], people: dict[str, Person]
) -> set[int]:
    """A 工号 that Excel stored as a number (204) is the stored 工号 it equals once left-padded
    with zeros to that 工号's width (000204). The row then speaks of the stored 工号 and says
    how it was matched; two stored candidates (0204 and 000204) are an error to fix by hand."""
    padded: dict[str, list[str]] = {}
    for no in people:
        if no.isdigit() and no.startswith("0"):
            padded.setdefault(no.lstrip("0") or "0", []).append(no)
    in_file = {v.employee_no for v in checked}
    bad: set[int] = set()
    for values in checked:
        no = values.employee_no
        if no in people or not no.isdigit():
            continue
        candidates = [c for c in padded.get(no.lstrip("0") or "0", []) if no.zfill(len(c)) == c]
        if len(candidates) > 1:
            plan.errors.append(
                RowError(
                    values.row_no,
                    [
                        f"工号 {no} 可能是 {'、'.join(sorted(candidates))} 中的任何一个，"
                        + "请填写完整工号"
                    ],
                )
            )
            bad.add(values.row_no)
            continue
        if candidates:
            stored = candidates[0]
            if stored in in_file:
                plan.errors.append(
                    RowError(values.row_no, [f"工号 {no} 即工号 {stored}，与文件中另一行重复"])
                )
                bad.add(values.row_no)
                continue
            values.employee_no = stored
            values.match_note = f"按工号 {stored} 匹配（文件中为 {no}）"
    return bad


def _plan_org(plan: RosterPlan, values: RowValues) -> list[str]:
    """Departments and posts the row names: note the missing ones and the posts' changes."""
    changes: list[str] = []
    if (
        values.department
        and values.department not in plan.departments
        and values.department not in plan.new_departments
    ):
        plan.new_departments.append(values.department)
    if not values.post:
        return changes
    key = (values.department, values.post)
    post = plan.posts.get(key)
    if post is None:
        if key not in plan.new_posts:
            plan.new_post_rows[key] = values.row_no
            plan.new_posts[key] = NewPost(
                department=values.department,
                name=values.post,
                tier=values.tier,
                is_key=bool(values.is_key),
            )
        return changes
    if post.tier != values.tier:
        changes.append(f"岗位层级：{post.get_tier_display()} → {values.tier.label}")
    if values.is_key is not None and post.is_key != values.is_key:
        changes.append(f"重点岗位：{_yes_no(post.is_key)} → {_yes_no(values.is_key)}")
    if changes:
        is_key = post.is_key if values.is_key is None else values.is_key
        plan.changed_posts[post.pk] = (post, values.tier, is_key)
    return changes


def _person_changes(
    person: Person,
    values: RowValues,
    department_names: dict[int, str],
    post_keys: dict[int, PostKey],
) -> list[str]:
    changes = []

    def compare(label: str, old: str, new: str | None) -> None:  # None: keep the stored value
        if new is not None and old != new:
            changes.append(f"{label}：{old or '（空）'} → {new or '（空）'}")

    compare("姓名", person.name, values.name)
    compare("部室", department_names.get(person.department_id, ""), values.department or "")
    old_key = post_keys.get(person.post_id)
    new_key = (values.department, values.post) if values.post else None
    if old_key != new_key:
        changes.append(
            f"岗位：{_post_label(old_key) if old_key else '（空）'} → "
            f"{_post_label(new_key) if new_key else '（空）'}"
        )
    compare("职务", person.job_title, values.job_title)
    compare("手机", person.phone, values.phone)
    compare("邮箱", person.email, values.email)
    if values.active is not None and person.active != values.active:
        changes.append(f"在岗：{_yes_no(person.active)} → {_yes_no(values.active)}")
    return changes


@dataclass
class RosterImportResult:
    parsed: ParsedRoster
    plan: RosterPlan
    dry_run: bool
    record: RosterImport | None = None
    # Warnings not accepted and departments/posts not confirmed: a real import then writes
    # nothing until they are.
    pending_warnings: list[RowWarning] = field(default_factory=list)
    unconfirmed_org: list[tuple[str, str, int]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.plan.errors

    @property
    def needs_confirmation(self) -> bool:
        return bool(self.pending_warnings or self.unconfirmed_org)

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run and not self.needs_confirmation

    @property
    def created(self) -> int:
        return self.plan.count("new")

    @property
    def updated(self) -> int:
        return self.plan.count("update")

    @property
    def unchanged(self) -> int:
        return self.plan.count("unchanged")

    @property
    def deactivated(self) -> int:
        return len(self.plan.deactivate)

    @property
    def summary(self) -> str:
        return (
            f"新增 {self.created}, 更新 {self.updated}, "
            f"未变 {self.unchanged}, 停用 {self.deactivated}"
        )
