"""`manage.py import_roster`: its summary line, its error lines and its exit codes."""

import io

import pytest
from django.core.management import call_command

from tests.factories import make_unit, roster_csv, roster_row, roster_xlsx
from units.models import Person, RosterImport

pytestmark = pytest.mark.django_db


@pytest.fixture
def unit():
    return make_unit(code="TEST", name="测试单位")


def import_roster(path, *args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_roster", str(path), *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def write(tmp_path, name: str, content: bytes):
    path = tmp_path / name
    path.write_bytes(content)
    return path


def test_success_prints_one_summary_line_and_exits_0(unit, tmp_path):
    path = write(
        tmp_path, "名册.xlsx", roster_xlsx([roster_row("1", "张三"), roster_row("2", "李四")])
    )
    code, out, err = import_roster(path, "--unit", "TEST")
    assert (code, out, err) == (0, "新增 2, 更新 0, 未变 0, 停用 0\n", "")
    assert Person.objects.filter(unit=unit).count() == 2
    record = RosterImport.objects.get()
    assert (record.source, record.file_name, record.dry_run) == ("command", "名册.xlsx", False)


def test_second_run_reports_unchanged(unit, tmp_path):
    path = write(tmp_path, "名册.csv", roster_csv([roster_row("1", "张三")], encoding="gbk"))
    import_roster(path, "--unit", "TEST")
    assert import_roster(path, "--unit", "TEST")[1] == "新增 0, 更新 0, 未变 1, 停用 0\n"


def test_dry_run_writes_nothing(unit, tmp_path):
    path = write(tmp_path, "名册.xlsx", roster_xlsx([roster_row("1", "张三")]))
    code, out, _err = import_roster(path, "--unit", "TEST", "--dry-run")
    assert code == 0
    assert out == "新增 1, 更新 0, 未变 0, 停用 0（试运行，未写入数据库）\n"
    assert not Person.objects.exists()


def test_deactivate_missing(unit, tmp_path):
    both = write(
        tmp_path, "a.xlsx", roster_xlsx([roster_row("1", "张三"), roster_row("2", "李四")])
    )
    one = write(tmp_path, "b.xlsx", roster_xlsx([roster_row("1", "张三")]))
    import_roster(both, "--unit", "TEST")
    code, out, _err = import_roster(one, "--unit", "TEST", "--deactivate-missing")
    assert (code, out) == (0, "新增 0, 更新 0, 未变 1, 停用 1\n")
    assert not Person.objects.get(employee_no="2").user.is_active


def test_bad_rows_are_all_listed_and_exit_1(unit, tmp_path):
    rows = [roster_row("1", "张三"), roster_row("1", "重复"), roster_row("3", "", tier="临时工")]
    path = write(tmp_path, "名册.xlsx", roster_xlsx(rows, title="测试单位花名册"))
    code, out, err = import_roster(path, "--unit", "TEST")
    assert code == 1 and out == ""
    lines = err.splitlines()
    assert lines[0] == "第 4 行：工号 1 与第 3 行重复"
    assert lines[1].startswith("第 5 行：缺少姓名；岗位层级“临时工”无法识别")
    assert lines[-1] == "共 2 行有误，未写入任何数据。"
    assert not Person.objects.exists() and not RosterImport.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("空.xlsx", b"", "是空的"),
        ("照片.xlsx", b"\x89PNG\r\n\x1a\n\x00\x00", "不是有效的 Excel（.xlsx）文件"),
        ("缺列.csv", "工号,姓名\n1,张三\n".encode(), "缺少必需的列：部室、岗位、岗位层级"),
    ],
)
def test_unusable_file_one_line_exit_2(unit, tmp_path, name, content, message):
    code, out, err = import_roster(write(tmp_path, name, content), "--unit", "TEST")
    assert code == 2 and out == ""
    assert message in err and len(err.splitlines()) == 1
    assert "Traceback" not in err


def test_missing_file_exit_2(unit, tmp_path):
    code, _out, err = import_roster(tmp_path / "没有这个文件.xlsx", "--unit", "TEST")
    assert code == 2 and err.startswith("找不到文件：")


def test_unknown_unit_code_exit_2(unit, tmp_path):
    path = write(tmp_path, "名册.xlsx", roster_xlsx([roster_row("1", "张三")]))
    code, _out, err = import_roster(path, "--unit", "NOPE")
    assert code == 2
    assert err == "找不到单位代码“NOPE”；现有单位代码：TEST。\n"
    assert not Person.objects.exists()
