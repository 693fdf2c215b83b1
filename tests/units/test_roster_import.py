"""Roster import: what an admin notices when a real HR spreadsheet goes in (SPEC section 7)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import (
    ROSTER_HEADERS,
    make_department,
    make_person,
    make_post,
    make_unit,
    roster_csv,
    roster_row,
    roster_xlsx,
)
from units import services
from units.enums import GrantedRole, PostTier
from units.models import Department, Person, Post, RoleGrant, RosterImport
from units.roster import RosterFileError

pytestmark = pytest.mark.django_db


@pytest.fixture
def unit():
    return make_unit(code="TEST", name="测试单位")


def run(unit, content, *, file_name="名册.xlsx", dry_run=False, **kw):
    return services.roster_import(
        unit=unit, content=content, file_name=file_name, dry_run=dry_run, **kw
    )


def errors_of(result) -> dict[int | None, str]:
    return {e.row_no: "；".join(e.messages) for e in result.plan.errors}


def db_snapshot():
    return (
        sorted(Person.objects.values_list("employee_no", "name", "phone", "active", "post_id")),
        sorted(Department.objects.values_list("unit_id", "name")),
        sorted(Post.objects.values_list("unit_id", "name", "tier", "is_key")),
    )


# --- What real spreadsheets look like ---------------------------------------------------------


def test_import_creates_people_departments_and_posts(unit):
    result = run(
        unit,
        roster_xlsx(
            [
                roster_row("000101", "周一", "", "党组书记", tier="党政一把手", job_title="书记"),
                roster_row("000201", "钱二", "办公室", "办公室主任", tier="部室负责人"),
                roster_row("000202", "孙三", "办公室", "出纳", is_key="是", phone="13900000005"),
            ]
        ),
    )
    assert result.ok and result.summary == "新增 3, 更新 0, 未变 0, 停用 0"
    principal = Person.objects.get(unit=unit, employee_no="000101")
    assert principal.department is None
    assert principal.post.tier == PostTier.PRINCIPAL and principal.post.department is None
    cashier = Person.objects.get(unit=unit, employee_no="000202")
    assert cashier.department.name == "办公室"
    assert (cashier.post.name, cashier.post.department.name, cashier.post.is_key) == (
        "出纳",
        "办公室",
        True,
    )
    assert cashier.phone == "13900000005"
    assert list(unit.departments.values_list("name", flat=True)) == ["办公室"]


def test_new_person_gets_predictable_login_without_usable_password(unit):
    run(unit, roster_xlsx([roster_row("000123", "张三")]))
    user = Person.objects.get(unit=unit, employee_no="000123").user
    assert user.username == "test-000123"
    assert not user.has_usable_password()
    assert user.is_active


def test_headers_in_any_order_with_spaces_and_extra_columns(unit):
    headers = [
        " 序号",
        "姓\u3000名",
        "性别",
        "岗位层级 ",
        "\u3000工号\u3000",
        "部 室",
        "岗位",
        "手机",
        "备注",
    ]
    rows = [[1, " 张三\u3000", "男", "工作人员", "000123", "办公室", "文秘", 13900000005, "无"]]
    result = run(unit, roster_xlsx(rows, headers=headers))
    assert result.ok, result.plan.errors
    person = Person.objects.get(unit=unit, employee_no="000123")
    assert (person.name, person.department.name, person.post.name, person.phone) == (
        "张三",
        "办公室",
        "文秘",
        "13900000005",
    )


def test_title_row_above_the_header_is_skipped(unit):
    content = roster_xlsx([roster_row("000123", "张三")], title="测试单位在职人员花名册")
    result = run(unit, content)
    assert result.ok and result.created == 1
    assert result.parsed.header_row == 2


def test_employee_number_as_text_keeps_leading_zeros(unit):
    run(unit, roster_xlsx([roster_row("000123", "张三")]))
    assert Person.objects.filter(unit=unit, employee_no="000123").exists()


def test_employee_number_as_a_number(unit):
    run(unit, roster_xlsx([roster_row(123, "张三"), roster_row(124.0, "李四")]))
    assert set(Person.objects.filter(unit=unit).values_list("employee_no", flat=True)) == {
        "123",
        "124",
    }


def test_employee_number_as_a_number_shown_with_zeros_keeps_them(unit):
    # Excel's custom format 000000 shows the number 123 as 000123.
    run(unit, roster_xlsx([roster_row(123, "张三")], number_formats={0: "000000"}))
    assert Person.objects.get(unit=unit).employee_no == "000123"


def test_phone_stored_as_number_has_no_decimal_part(unit):
    run(unit, roster_xlsx([roster_row("1", "张三", phone=13900000005.0)]))
    assert Person.objects.get(unit=unit).phone == "13900000005"


def test_blank_rows_are_skipped_and_row_numbers_stay_excel_row_numbers(unit):
    rows = [roster_row("1", "张三"), [], [None] * 10, roster_row("2", ""), [], []]
    result = run(unit, roster_xlsx(rows, title="花名册"))
    # title = row 1, header = row 2, 张三 = row 3, blanks = rows 4-5, the bad row = row 6
    assert errors_of(result) == {6: "缺少姓名"}
    fixed = [roster_row("1", "张三"), [], [None] * 10, roster_row("2", "李四"), [], []]
    assert run(unit, roster_xlsx(fixed)).created == 2


def test_leadership_rows_have_no_department(unit):
    result = run(
        unit,
        roster_xlsx(
            [
                roster_row("1", "周一", "", "党组书记", tier="党政一把手"),
                roster_row("2", "吴二", None, "副会长", tier="其他班子成员"),
                roster_row("3", "郑三", "领导班子", "秘书长", tier="其他班子成员"),
            ]
        ),
    )
    assert result.ok, result.plan.errors
    assert not Person.objects.filter(unit=unit, department__isnull=False).exists()
    assert set(Post.objects.filter(unit=unit).values_list("name", "tier")) == {
        ("党组书记", PostTier.PRINCIPAL),
        ("副会长", PostTier.LEADER),
        ("秘书长", PostTier.LEADER),
    }


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_in_utf8_with_or_without_bom_and_gbk(unit, encoding):
    content = roster_csv(
        [roster_row("000123", "张三", "赈济救护部", phone="13900000005")], encoding=encoding
    )
    result = run(unit, content, file_name="名册.csv")
    assert result.ok, result.plan.errors
    person = Person.objects.get(unit=unit, employee_no="000123")
    assert (person.name, person.department.name) == ("张三", "赈济救护部")


def test_csv_with_title_row_and_blank_lines(unit):
    text = (
        "测试单位在职人员花名册,,,,,,,,,\r\n"
        ",,,,,,,,,\r\n"
        "序号,工号,姓名,部室,岗位,岗位层级,手机\r\n"
        "1,000123,张三,办公室,文秘,工作人员,13900000005\r\n"
        ",,,,,,\r\n"
        "2,000124,李四,,会长,党政一把手,\r\n"
    )
    result = run(unit, text.encode("gbk"), file_name="花名册.csv")
    assert result.ok, result.plan.errors
    assert result.parsed.header_row == 3
    assert set(Person.objects.values_list("employee_no", "name")) == {
        ("000123", "张三"),
        ("000124", "李四"),
    }


def test_csv_with_phone_written_as_decimal_number(unit):
    run(unit, roster_csv([roster_row("1", "张三", phone="13900000005.0")]), file_name="a.csv")
    assert Person.objects.get(unit=unit).phone == "13900000005"


def test_optional_columns_may_be_left_out(unit):
    headers = ["工号", "姓名", "部室", "岗位", "岗位层级"]
    result = run(unit, roster_xlsx([["1", "张三", "办公室", "文秘", "工作人员"]], headers=headers))
    assert result.ok
    person = Person.objects.get(unit=unit)
    assert person.active and person.phone == "" and not person.post.is_key


def test_missing_optional_column_leaves_existing_values_alone(unit):
    run(unit, roster_xlsx([roster_row("1", "张三", phone="13900000005", is_key="是")]))
    headers = ["工号", "姓名", "部室", "岗位", "岗位层级"]
    result = run(
        unit, roster_xlsx([["1", "张三", "办公室", "综合文秘", "工作人员"]], headers=headers)
    )
    assert result.summary == "新增 0, 更新 0, 未变 1, 停用 0"
    person = Person.objects.get(unit=unit)
    assert person.phone == "13900000005" and person.post.is_key


# --- Row errors: every bad row reported, nothing written ---------------------------------------


def test_every_error_kind_is_reported_with_its_row_number(unit):
    rows = [
        roster_row("1", "张三"),  # row 2: fine
        roster_row("1", "李四"),  # 3: duplicate 工号
        roster_row("3", ""),  # 4: missing 姓名
        roster_row("", "王五"),  # 5: missing 工号
        roster_row("6", "赵六", tier="临时工"),  # 6: unknown 岗位层级
        roster_row("7", "钱七", phone="1390000"),  # 7: malformed phone
        roster_row("8", "孙八", email="sun@@example"),  # 8: malformed email
        roster_row("9", "周九", "", "文秘"),  # 9: staff without 部室
        roster_row("10", "吴十", "办公室", "会长", tier="党政一把手"),  # 10: leader in a 部室
        roster_row("11", "郑十一", is_key="也许"),  # 11: 重点岗位 not 是/否
        roster_row("12", "冯十二", "新部室", "新岗位"),  # 12: unknown 部室: fine, created
    ]
    result = run(unit, roster_xlsx(rows))
    errors = errors_of(result)
    assert not result.ok
    assert sorted(errors) == [3, 4, 5, 6, 7, 8, 9, 10, 11]
    assert "工号 1 与第 2 行重复" in errors[3]
    assert errors[4] == "缺少姓名"
    assert errors[5] == "缺少工号"
    assert "岗位层级“临时工”无法识别" in errors[6]
    assert "手机号“1390000”格式不正确" in errors[7]
    assert "邮箱“sun@@example”格式不正确" in errors[8]
    assert "工作人员须填写部室" in errors[9]
    assert "部室应留空" in errors[10]
    assert "重点岗位应填“是”或“否”" in errors[11]


def test_one_bad_row_writes_nothing(unit):
    dept = make_department(unit=unit, name="办公室")
    post = make_post(unit=unit, department=dept, name="综合文秘")
    make_person(unit=unit, department=dept, post=post, employee_no="1", name="张三")
    before = db_snapshot()
    rows = [
        roster_row("1", "张三改名", phone="13900000001"),
        roster_row("2", "李四", "新部室", "新岗位"),
        roster_row("3", "王五", tier="不知道"),
    ]
    result = run(unit, roster_xlsx(rows), deactivate_missing=True)
    assert not result.ok
    assert db_snapshot() == before
    assert not RosterImport.objects.exists()


def test_duplicate_of_a_bad_row_is_reported_too(unit):
    rows = [roster_row("1", ""), roster_row("1", "李四")]
    assert errors_of(run(unit, roster_xlsx(rows))) == {2: "缺少姓名", 3: "工号 1 与第 2 行重复"}


def test_same_post_with_conflicting_tier_is_an_error(unit):
    rows = [
        roster_row("1", "张三", post="出纳", is_key="是"),
        roster_row("2", "李四", post="出纳", is_key="否"),
    ]
    assert "与本行不一致" in errors_of(run(unit, roster_xlsx(rows)))[3]


def test_new_login_already_taken_is_an_error(unit):
    other = make_unit(code="ELSE")
    make_person(unit=other, employee_no="x", name="占用者")
    person = Person.objects.get(unit=other)
    person.user.username = "test-000123"
    person.user.save()
    result = run(unit, roster_xlsx([roster_row("000123", "张三")]))
    assert "登录名“test-000123”已被其他账号占用" in errors_of(result)[2]


# --- Upsert, idempotence, deactivation ---------------------------------------------------------


def test_second_run_of_the_same_file_changes_nothing(unit):
    content = roster_xlsx(
        [
            roster_row("000101", "周一", "", "党组书记", tier="党政一把手"),
            roster_row("000201", "钱二", "办公室", "主任", tier="部室负责人", phone=13900000001),
            roster_row("000202", "孙三", "财务部", "出纳", is_key="是", email="s@example.cn"),
            roster_row("000203", "李四", active="否"),
        ]
    )
    assert run(unit, content).created == 4
    before = db_snapshot()
    result = run(unit, content)
    assert result.summary == "新增 0, 更新 0, 未变 4, 停用 0"
    assert db_snapshot() == before


def test_existing_person_is_updated_by_employee_number(unit):
    run(unit, roster_xlsx([roster_row("1", "张三", phone="13900000001")]))
    user_id = Person.objects.get(unit=unit).user_id
    result = run(
        unit,
        roster_xlsx([roster_row("1", "张三", "财务部", "会计", phone="13900000002", active="否")]),
    )
    assert result.summary == "新增 0, 更新 1, 未变 0, 停用 0"
    assert "手机：13900000001 → 13900000002" in result.plan.rows[0].changes
    person = Person.objects.get(unit=unit)
    assert (person.department.name, person.post.name, person.phone) == (
        "财务部",
        "会计",
        "13900000002",
    )
    assert person.user_id == user_id
    assert not person.active and not person.user.is_active


def test_changing_a_posts_key_flag_updates_the_post(unit):
    run(unit, roster_xlsx([roster_row("1", "张三", post="出纳")]))
    result = run(unit, roster_xlsx([roster_row("1", "张三", post="出纳", is_key="是")]))
    assert result.updated == 1
    assert Post.objects.get(unit=unit, name="出纳").is_key


def test_deactivate_missing_deactivates_but_keeps_people(unit, client):
    run(unit, roster_xlsx([roster_row("1", "张三"), roster_row("2", "李四")]))
    leaver = Person.objects.get(unit=unit, employee_no="2")
    leaver.user.set_password("Leaver-pass-2026")
    leaver.user.save()
    result = run(unit, roster_xlsx([roster_row("1", "张三")]), deactivate_missing=True)
    assert result.summary == "新增 0, 更新 0, 未变 1, 停用 1"
    leaver.refresh_from_db()
    assert not leaver.active and not leaver.user.is_active
    assert Person.objects.filter(unit=unit).count() == 2
    client.post(
        "/accounts/login/", {"username": leaver.user.username, "password": "Leaver-pass-2026"}
    )
    assert "_auth_user_id" not in client.session


def test_without_deactivate_missing_nobody_is_deactivated(unit):
    run(unit, roster_xlsx([roster_row("1", "张三"), roster_row("2", "李四")]))
    result = run(unit, roster_xlsx([roster_row("1", "张三")]))
    assert result.deactivated == 0
    assert Person.objects.filter(unit=unit, active=True).count() == 2


def test_other_units_people_are_never_touched(unit):
    other = make_unit(code="OTHER")
    outsider = make_person(unit=other, employee_no="1", name="别人")
    run(unit, roster_xlsx([roster_row("1", "张三")]), deactivate_missing=True)
    outsider.refresh_from_db()
    assert outsider.name == "别人" and outsider.active


def test_dry_run_reports_but_writes_nothing(unit):
    result = run(unit, roster_xlsx([roster_row("1", "张三")]), dry_run=True)
    assert result.created == 1
    assert not Person.objects.exists() and not Department.objects.exists()
    assert result.record.dry_run


def test_import_is_recorded(unit, demo):
    admin_user = demo["admin"]
    run(
        unit,
        roster_xlsx([roster_row("1", "张三")]),
        file_name="2026年名册.xlsx",
        imported_by=admin_user,
    )
    record = RosterImport.objects.get()
    assert (record.unit, record.imported_by, record.file_name, record.dry_run) == (
        unit,
        admin_user,
        "2026年名册.xlsx",
        False,
    )
    assert (record.created, record.updated, record.unchanged, record.deactivated) == (1, 0, 0, 0)
    assert record.summary == "新增 1, 更新 0, 未变 0, 停用 0"


def _protect(person, role=GrantedRole.INSPECTOR):
    RoleGrant.objects.create(person=person, role=role, unit=person.unit)


def test_import_leaves_a_protected_persons_record_alone_and_says_so(unit, demo):
    """三员分立: a roster cannot change the record of an inspector or security auditor, nor
    deactivate them; the preview names them and the rest of the file goes in."""
    run(unit, roster_xlsx([roster_row("1", "张三", phone="13900000001"), roster_row("2", "李四")]))
    inspector = Person.objects.get(unit=unit, employee_no="1")
    auditor = Person.objects.get(unit=unit, employee_no="2")
    _protect(inspector)
    _protect(auditor, GrantedRole.AUDIT_ADMIN)
    result = run(
        unit,
        roster_xlsx(
            [roster_row("1", "张三", phone="13900000009", active="否"), roster_row("3", "王五")]
        ),
        deactivate_missing=True,
        imported_by=demo["admin"],
    )
    assert result.ok
    assert result.summary == "新增 1, 更新 0, 未变 1, 停用 0"
    notes = "\n".join(result.plan.protected)
    assert "第 2 行：张三（工号 1）担任安全审计员或纪检监督，导入不更改其信息" in notes
    assert "手机：13900000001 → 13900000009" in notes and "双人审批" in notes
    assert "名册中没有李四（工号 2）" in notes and "不停用其账号" in notes
    inspector.refresh_from_db()
    auditor.refresh_from_db()
    assert (inspector.phone, inspector.active, inspector.user.is_active) == (
        "13900000001",
        True,
        True,
    )
    assert auditor.active and auditor.user.is_active
    assert Person.objects.filter(unit=unit, employee_no="3").exists()


def test_protected_person_unchanged_by_the_file_is_no_news(unit):
    run(unit, roster_xlsx([roster_row("1", "张三")]))
    _protect(Person.objects.get(unit=unit, employee_no="1"))
    result = run(unit, roster_xlsx([roster_row("1", "张三")]))
    assert result.summary == "新增 0, 更新 0, 未变 1, 停用 0" and result.plan.protected == []


def test_admin_cannot_deactivate_themselves(demo):
    admin_user = demo["admin"]
    gyrc = admin_user.person.unit
    result = run(
        gyrc,
        roster_xlsx([roster_row("000999", "新人")]),
        deactivate_missing=True,
        imported_by=admin_user,
    )
    assert "会停用您本人的账号" in errors_of(result)[None]
    assert Person.objects.get(pk=admin_user.person.pk).active


# --- File-level problems: one clear sentence -------------------------------------------------


@pytest.mark.parametrize(
    ("content", "file_name", "expected"),
    [
        (b"", "a.xlsx", "是空的"),
        (b"\xd0\xcf\x11\xe0" + b"\x00" * 100, "a.xls", "旧版 Excel（.xls）"),
        (b"PK\x03\x04 not really a zip", "a.xlsx", "不是有效的 Excel（.xlsx）文件"),
        (
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            "photo.png",
            "既不是 Excel（.xlsx）文件，也不是 CSV",
        ),
        (b"hello\nworld\n", "a.csv", "找不到表头"),
    ],
)
def test_unreadable_files_get_one_clear_message(unit, content, file_name, expected):
    with pytest.raises(RosterFileError, match=expected):
        run(unit, content, file_name=file_name)


def test_empty_sheet(unit):
    import io

    import openpyxl

    buffer = io.BytesIO()
    openpyxl.Workbook().save(buffer)
    with pytest.raises(RosterFileError, match="工作表为空"):
        run(unit, buffer.getvalue())


def test_header_without_data(unit):
    with pytest.raises(RosterFileError, match="没有人员数据"):
        run(unit, roster_xlsx([[], []]))


def test_missing_required_column(unit):
    headers = [h for h in ROSTER_HEADERS if h != "岗位层级"]
    with pytest.raises(RosterFileError, match="缺少必需的列：岗位层级"):
        run(unit, roster_xlsx([["1", "张三", "办公室", "文秘"]], headers=headers))


def test_duplicate_header(unit):
    headers = [*ROSTER_HEADERS, "姓名"]
    with pytest.raises(RosterFileError, match="“姓名”列出现了两次"):
        run(unit, roster_xlsx([roster_row("1", "张三")], headers=headers))


# --- Speed: queries grow with bulk batches, never with rows -----------------------------------


def _queries_for(unit, n: int) -> int:
    rows = [roster_row(f"{i:05d}", f"人员{i}", f"部室{i % 3}", f"岗位{i % 4}") for i in range(n)]
    with CaptureQueriesContext(connection) as ctx:
        assert run(unit, roster_xlsx(rows), dry_run=False).created == n
    return len(ctx.captured_queries)


def test_import_queries_do_not_grow_row_by_row():
    few, many = _queries_for(make_unit(), 10), _queries_for(make_unit(), 300)
    # SQLite caps parameters per statement, so bulk inserts go in batches of about 100 rows.
    assert many - few < 15
