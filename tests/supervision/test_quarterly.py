"""The supervision section of the quarterly summary: counts over the quarter and the reader's
scope, in the JSON (exact keys), the page, the PDF and the workbook; the demo's numbers."""

import io
import json

from django.core.management import call_command
from openpyxl import load_workbook

from reports import quarterly
from riskreg import clock
from risks.demo import load_demo_risks
from supervision.demo import load_demo_supervision
from units.models import Unit
from workflow.demo import demo_chain_load


def _quarter():
    today = clock.today()
    return today.year, (today.month - 1) // 3 + 1


def _demo(world):
    load_demo_risks()
    demo_chain_load()
    assert load_demo_supervision() > 0
    assert load_demo_supervision() == 0  # idempotent


def test_demo_export_shows_non_zero_supervision_counts(world, tmp_path):
    _demo(world)
    year, q = _quarter()
    out = tmp_path / "q.json"
    call_command(
        "export_report", "quarterly", "--unit", "GYRC", "--year", str(year), "--quarter", str(q),
        "--format", "json", "-o", str(out),
    )  # fmt: skip
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["schema"] == "riskreg.quarterly/3" and "dispositions" not in doc["not_yet_available"]
    s = doc["supervision"]
    assert set(s) == {
        "findings", "warnings", "dispositions", "rectifications", "level_raise_proposals",
    }  # fmt: skip
    assert set(s["warnings"]) == {"red", "orange", "yellow", "overdue"}
    assert set(s["dispositions"]) == {
        "reminder", "inquiry", "admonition", "rectification", "referral",
    }  # fmt: skip
    assert s["findings"] == 1 and s["level_raise_proposals"] == 1
    assert s["warnings"] == {"red": 0, "orange": 1, "yellow": 1, "overdue": 1}
    assert s["dispositions"]["admonition"] == 1 and s["dispositions"]["rectification"] == 1
    assert s["rectifications"] == {"open": 1, "overdue": 1, "closed": 1}


def test_counts_follow_the_readers_scope(world):
    _demo(world)
    year, q = _quarter()
    unit = Unit.objects.get(code="GYRC")
    by_inspector = quarterly.build_summary(
        unit=unit, year=year, quarter=q, user=world.users["inspector"]
    )
    by_principal = quarterly.build_summary(
        unit=unit, year=year, quarter=q, user=world.users["principal"]
    )
    by_office = quarterly.build_summary(unit=unit, year=year, quarter=q, user=world.users["office"])
    assert by_inspector.supervision["findings"] == 1
    assert by_principal.supervision["findings"] == 0  # findings are 纪检's alone
    assert by_principal.supervision["warnings"]["orange"] == 1
    assert by_office.supervision["warnings"]["orange"] == 0
    assert by_office.supervision["level_raise_proposals"] == 1  # the office answers them
    assert by_inspector.supervision["replies"] == {"on_time": 1, "late": 0}


def test_page_and_workbook_show_the_section(world, login):
    _demo(world)
    year, q = _quarter()
    body = (
        login(world.users["inspector"])
        .get(f"/reports/quarterly/GYRC/?year={year}&quarter={q}")
        .content.decode()
    )
    assert "监督发现、预警与处置" in body and "责令限期整改" in body
    s = quarterly.build_summary(unit=Unit.objects.get(code="GYRC"), year=year, quarter=q)
    wb = load_workbook(io.BytesIO(quarterly.render(s, fmt="xlsx")))
    rows = dict(r[:2] for r in wb["监督处置"].iter_rows(min_row=4, values_only=True))
    assert rows["橙色预警"] == 1 and rows["其中逾期"] == 1 and rows["诫勉谈话"] == 1


def test_section_labels_follow_the_units_grade_wording(world):
    from supervision.models import UnitSettings

    _demo(world)
    year, q = _quarter()
    unit = Unit.objects.get(code="GYRC")
    UnitSettings.objects.create(unit=unit, grade_wording="tier")
    s = quarterly.build_summary(unit=unit, year=year, quarter=q)
    assert "grade_wording" not in json.loads(quarterly.render(s, fmt="json"))["supervision"]
    wb = load_workbook(io.BytesIO(quarterly.render(s, fmt="xlsx")))
    rows = dict(r[:2] for r in wb["监督处置"].iter_rows(min_row=4, values_only=True))
    assert rows["二级预警"] == 1 and rows["三级预警"] == 1 and "橙色预警" not in rows
