"""manage.py export_report: files for operators, clear Chinese errors, exit codes."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from tests.reports.conftest import pdf_text

pytestmark = pytest.mark.django_db


def test_export_form_pdf(reg, tmp_path):
    out = tmp_path / "form.pdf"
    call_command(
        "export_report",
        "form",
        "--form",
        str(reg.forms["staff"].pk),
        "--format",
        "pdf",
        "-o",
        str(out),
    )
    text = pdf_text(out.read_bytes()).replace("\n", "")
    assert "李晓燕" in text and "利用文件收发便利泄露未公开信息" in text


def test_export_form_xlsx(reg, tmp_path):
    out = tmp_path / "form.xlsx"
    call_command(
        "export_report",
        "form",
        "--form",
        str(reg.forms["draft"].pk),
        "--format",
        "xlsx",
        "-o",
        str(out),
    )
    values = [c.value for row in load_workbook(out).active.iter_rows() for c in row]
    assert "坐支现金、公款私存" in values and "草稿（尚未备案）" in values


def test_export_register_xlsx_with_filters(reg, tmp_path):
    out = tmp_path / "register.xlsx"
    call_command(
        "export_report",
        "register",
        "--unit",
        "GYRC",
        "--level",
        "1",
        "--department",
        "赈济救护部",
        "--format",
        "xlsx",
        "-o",
        str(out),
    )
    rows = list(load_workbook(out).active.iter_rows(min_row=4, values_only=True))
    assert [r[7] for r in rows] == ["救灾物资发放不按标准，优亲厚友"]


def test_export_register_pdf_is_the_bound_volume(reg, tmp_path):
    out = tmp_path / "volume.pdf"
    call_command("export_report", "register", "--unit", "GYRC", "--format", "pdf", "-o", str(out))
    text = pdf_text(out.read_bytes())
    assert "廉政风险防控资料汇编" in text and "第 2 页 共" in text


@pytest.mark.parametrize(
    ("args", "message", "code"),
    [
        (["form", "--form", "999999", "--format", "pdf"], "没有编号为 999999 的一览表", 1),
        (["register", "--unit", "NOPE", "--format", "xlsx"], "没有代码为 NOPE 的单位", 1),
        (
            ["register", "--unit", "GYRC", "--department", "不存在部", "--format", "xlsx"],
            "没有名为 不存在部 的部室",
            1,
        ),
        (["register", "--unit", "GYRC", "--level", "1", "--format", "pdf"], "不支持筛选", 2),
    ],
)
def test_export_errors_are_one_chinese_line(reg, tmp_path, args, message, code):
    with pytest.raises(CommandError) as err:
        call_command("export_report", *args, "-o", str(tmp_path / "x"))
    assert message in str(err.value)
    assert err.value.returncode == code


def test_unknown_form_from_the_shell_exits_without_traceback(tmp_path):
    """A real process on a fresh database: exit code 1, one line, no traceback."""
    import subprocess
    import sys

    from django.conf import settings

    env = {
        "DJANGO_SETTINGS_MODULE": "riskreg.settings_test",
        "PATH": "/usr/bin:/bin",
        "DATABASE_URL": "sqlite:///" + str(tmp_path / "fresh.sqlite3"),
    }

    def manage(*args):
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            env=env,
        )

    assert manage("migrate", "--noinput").returncode == 0
    result = manage(
        "export_report",
        "form",
        "--form",
        "999999",
        "--format",
        "pdf",
        "-o",
        str(tmp_path / "x.pdf"),
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "没有编号为 999999 的一览表" in result.stderr


def test_export_to_stdout(reg, capsysbinary):
    call_command(
        "export_report", "form", "--form", str(reg.forms["staff"].pk), "--format", "xlsx", "-o", "-"
    )
    data = capsysbinary.readouterr().out
    assert load_workbook(io.BytesIO(data)).active["A1"].value.endswith("一览表")
