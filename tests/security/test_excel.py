"""Excel exports cannot smuggle formulas: text starting with = + - @ stays text."""

import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from audit.excel import append_row, safe_cell

PAYLOADS = ["=1+1", "+SUM(A1:A2)", "-2+3", "@SUM(A1)", '=HYPERLINK("http://evil","x")', "\t=1"]


@pytest.mark.parametrize("write_only", [False, True])
def test_append_row_writes_formula_like_text_as_text(write_only):
    workbook = Workbook(write_only=write_only)
    sheet = workbook.create_sheet() if write_only else workbook.active
    append_row(sheet, [*PAYLOADS, -5, 3.5, "普通文字"])
    buffer = io.BytesIO()
    workbook.save(buffer)

    archive = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml
    cells = next(load_workbook(io.BytesIO(buffer.getvalue())).worksheets[0].iter_rows())
    assert [c.value for c in cells[: len(PAYLOADS)]] == PAYLOADS
    assert all(c.data_type == "s" and c.quotePrefix for c in cells[: len(PAYLOADS)])
    assert [c.value for c in cells[len(PAYLOADS) :]] == [-5, 3.5, "普通文字"]
    assert cells[len(PAYLOADS)].data_type == "n"


@pytest.mark.parametrize("value", PAYLOADS)
def test_safe_cell_prefixes_formula_like_text(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["文字", "a=b", 42, -3, None, "2026-01-01"])
def test_safe_cell_leaves_other_values_alone(value):
    assert safe_cell(value) == value


# --- Every workbook the application writes goes through audit.excel -------------------------


def test_reports_write_their_cells_with_the_shared_helper():
    from reports import excel as report_excel

    workbook = Workbook()
    report_excel.write_table(
        workbook.active,
        title="=标题",
        subtitle="+说明",
        headers=["部室", "风险点"],
        widths=[10, 20],
        rows=[["=SUM(1,2)", '@HYPERLINK("http://evil")'], ["-1+2", 3]],
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    sheet_xml = zipfile.ZipFile(buffer).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml
    cells = [c for row in load_workbook(buffer).active.iter_rows() for c in row if c.value]
    texts = [c for c in cells if isinstance(c.value, str) and c.value[0] in "=+-@"]
    assert len(texts) == 5
    assert all(c.data_type == "s" for c in texts)


@pytest.mark.django_db
def test_register_and_quarterly_workbooks_keep_a_formula_like_department_as_text(client):
    from django.contrib.auth.models import User
    from django.urls import reverse

    from risks.demo import load_demo_risks
    from units.demo import load_demo_org
    from units.models import Department
    from workflow.demo import demo_chain_load

    load_demo_org()
    load_demo_risks()
    demo_chain_load()
    Department.objects.filter(unit__code="GYRC", name="办公室").update(name="=cmd|' /C calc'!A0")
    client.force_login(User.objects.get(username="demo_inspector"))
    found = []
    for url in (
        reverse("reports:quarterly_export", args=["GYRC", "xlsx"]) + "?year=2026&quarter=1",
        reverse("reports:register_xlsx", args=["GYRC"]),
    ):
        response = client.get(url)
        assert response.status_code == 200
        content = b"".join(response) if response.streaming else response.content
        archive = zipfile.ZipFile(io.BytesIO(content))
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert "<f>" not in archive.read(name).decode(), (url, name)
        found.append(any("=cmd" in archive.read(n).decode() for n in archive.namelist()))
    assert any(found), "the department name should appear in at least one workbook"


@pytest.mark.django_db
def test_roster_export_keeps_formula_like_text_as_text(client):
    from django.contrib.auth.models import User
    from django.urls import reverse

    from units.demo import load_demo_org
    from units.models import Person, Unit

    load_demo_org()
    unit = Unit.objects.get(code="GYRC")
    Person.objects.filter(user__username="demo_staff").update(job_title="=1+1")
    client.force_login(User.objects.get(username="demo_admin"))
    response = client.get(reverse("admin:units_person_roster_export", args=[unit.pk]))

    workbook = load_workbook(io.BytesIO(response.content))
    cells = [c for row in workbook.active.iter_rows() for c in row if c.value == "=1+1"]
    assert cells and all(c.data_type == "s" and c.quotePrefix for c in cells)
    assert (
        "<f>"
        not in zipfile.ZipFile(io.BytesIO(response.content))
        .read("xl/worksheets/sheet1.xml")
        .decode()
    )
