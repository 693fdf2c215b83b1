"""The quarterly summary: numbers against the fixture counted by hand, formats, access, and a
query count that does not grow with the number of units."""

import datetime as dt
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from reports import quarterly
from risks.models import RiskForm, Round
from tests.factories import (
    make_department,
    make_form,
    make_person,
    make_point,
    make_post,
    make_round,
    make_unit,
)
from tests.reports.conftest import FEB_2026, pdf_text
from units.models import Person, Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def q1(reg):
    Round.objects.filter(pk=reg.round.pk).update(self_check_deadline=dt.date(2026, 3, 15))
    return quarterly.build_summary(unit=reg.unit, year=2026, quarter=1)


def test_progress_by_state_and_department(q1):
    # Counted by hand from tests/reports/conftest.py: leadership 3 filed; 办公室 2 filed + the
    # cashier's draft; 赈济救护部 1 filed.
    rows = {e["department"]: e["counts"] for e in q1.progress}
    assert list(rows) == ["领导班子", "办公室", "赈济救护部"]
    assert rows["领导班子"]["filed"] == 3
    assert rows["办公室"]["filed"] == 2 and rows["办公室"]["draft"] == 1
    assert rows["赈济救护部"]["filed"] == 1
    assert q1.progress_totals["filed"] == 6 and q1.progress_totals["draft"] == 1
    assert sum(q1.progress_totals.values()) == 7


def test_points_by_level_and_category(q1):
    assert q1.level_category == {
        (1, "process"): 1,  # 救灾物资
        (1, "duty"): 2,  # 三重一大 (principal), 坐支现金 (cashier, proposed)
        (1, "large_funds"): 1,
        (2, "external"): 1,
        (2, "duty"): 1,  # 秘书长
        (2, "process"): 1,  # 办公室 department form
        (3, "duty"): 1,
    }
    assert q1.total_points == 8


def test_points_by_department(q1):
    rows = {
        e["department"]: (e["levels"][1], e["levels"][2], e["levels"][3], e["total"])
        for e in q1.by_department
    }
    assert rows == {"领导班子": (2, 1, 0, 3), "办公室": (1, 2, 1, 4), "赈济救护部": (1, 0, 0, 1)}


def test_key_posts_with_level_one_points(q1):
    assert {(r["person"], r["description"]) for r in q1.key_level1} == {
        ("周文涛", "“三重一大”事项个人决定，未经集体研究"),
        ("黄海燕", "救灾物资发放不按标准，优亲厚友"),
        ("何静", "坐支现金、公款私存"),
    }


def test_overdue_forms(q1):
    assert [(r["subject"], r["state"], r["deadline"], r["days_overdue"]) for r in q1.overdue] == [
        ("办公室·出纳（何静）", "自查填报", "2026-03-15", 16)
    ]


def test_forms_rerated_in_the_quarter(reg):
    staff = reg.forms["staff"]
    make_form(
        round=reg.round, post=staff.post, filler=staff.filler, version=2, previous_version=staff
    )
    today = timezone.localdate()
    s = quarterly.build_summary(
        unit=reg.unit, year=reg.round.year, quarter=(today.month - 1) // 3 + 1
    )
    if today.year == reg.round.year:
        assert [(r["version"], r["state"]) for r in s.rerated] == [(2, "自查填报")]
    earlier = quarterly.build_summary(unit=reg.unit, year=2026, quarter=1)
    assert earlier.rerated == [] or (today.year == 2026 and today.month <= 3)


JSON_KEYS = {
    "schema",
    "unit",
    "with_subunits",
    "units",
    "year",
    "quarter",
    "period",
    "as_of",
    "generated_at",
    "states",
    "progress",
    "progress_totals",
    "levels",
    "categories",
    "points_by_level_category",
    "points_total",
    "points_by_department",
    "key_posts_level_1",
    "level_changes",
    "level_changes_totals",
    "rerated_forms",
    "objections",
    "rating_windows",
    "rating_totals",
    "overdue_forms",
    "not_yet_available",
    "notes",
    "supervision",
}


def test_json_document(reg, q1):
    doc = json.loads(quarterly.render(q1, fmt="json"))
    assert doc["schema"] == "riskreg.quarterly/3"
    assert doc["unit"] == {"code": "GYRC", "name": "广元市红十字会"}
    assert doc["period"] == {"start": "2026-01-01", "end": "2026-03-31"}
    assert doc["points_total"] == 8
    assert {"level": 1, "category": "duty", "count": 2} in doc["points_by_level_category"]
    assert doc["progress_totals"]["filed"] == 6
    # Dispositions are counted by supervision since schema 3 (none in this quarter).
    assert doc["not_yet_available"] == [] and doc["notes"] == {}
    assert doc["supervision"]["dispositions"]["admonition"] == 0
    assert "dispositions" not in doc["objections"]
    assert set(doc) == JSON_KEYS
    assert set(doc["objections"]) == {
        "raised",
        "answered",
        "upheld",
        "open",
        "by_department",
        "open_items",
    }
    assert doc["level_changes_totals"] == {
        "decision": {"raised": 0, "lowered": 0},
        "rerate": {"raised": 0, "lowered": 0},
    }


SHEETS = [
    "进度",
    "等级×类别",
    "按部室",
    "重点岗位一级风险",
    "等级调整",
    "重新评定",
    "异议",
    "未答复异议",
    "群众评议",
    "逾期",
    "监督处置",
    "未统计事项",
]


def test_workbook_has_one_sheet_per_table_with_numbers(q1):
    wb = load_workbook(io.BytesIO(quarterly.render(q1, fmt="xlsx")))
    assert wb.sheetnames == SHEETS
    rows = list(wb["按部室"].iter_rows(min_row=4, values_only=True))
    assert rows[1][:6] == ("广元市红十字会", "办公室", 1, 2, 1, 0)
    assert isinstance(rows[1][2], int)


def test_pdf_has_the_tables_and_the_heat_map(q1):
    text = pdf_text(quarterly.render(q1, fmt="pdf")).replace("\n", "").replace(" ", "")
    assert "广元市红十字会2026年第1季度廉政风险防控情况汇总" in text
    assert "风险等级×风险类别" in text
    assert "大额资金使用" in text and "坐支现金、公款私存" in text
    assert "第1页共" in text
    # A summary that can be sent upward: its header and footer
    for caption in ("报送单位", "报送日期", "文号", "制表人：", "审核人：", "（盖章）"):
        assert caption in text
    # the charts are drawn in the PDF too (their text is real text): the trend's quarters
    assert "2025年第2季度" in text and "2026年第1季度" in text
    # one date style, one unit: no ISO date, the unit's name is not repeated on every row
    assert "2026-" not in text
    assert text.count("广元市红十字会") <= 4


def test_submission_fields_are_editable_before_export(
    reg, login, demo, immediate_tasks, django_capture_on_commit_callbacks
):
    from tests.reports.conftest import pdf_text as text_of

    params = {
        "year": 2026,
        "quarter": 1,
        "sender": "广元市红十字会纪检组",
        "sent_on": "2026-04-03",
        "doc_no": "广红纪〔2026〕5号",
        "preparer": "杨帆",
        "reviewer": "郑立新",
    }
    client = login(demo["inspector"])
    page = client.get(reverse("reports:quarterly", args=["GYRC"]), params).content.decode()
    assert "广红纪〔2026〕5号" in page and 'name="doc_no"' in page
    # The PDF is always built by the worker (here in the request: immediate_tasks).
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("reports:quarterly_export", args=["GYRC", "pdf"]), params)
    download = client.get(response["Location"] + "download/")
    text = text_of(b"".join(download.streaming_content)).replace("\n", "").replace(" ", "")
    for value in (
        "广元市红十字会纪检组",
        "2026年4月3日",
        "广红纪〔2026〕5号",
        "制表人：杨帆",
        "审核人：郑立新",
    ):
        assert value in text


def test_html_page_has_the_svg_charts(reg, login, demo):
    response = login(demo["inspector"]).get(
        reverse("reports:quarterly", args=["GYRC"]), {"year": 2026, "quarter": 1}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count("<svg") >= 4
    for chart in (
        "各部室进度",
        "风险等级×风险类别热力图",
        "各部室风险点（按等级）",
        "近四个季度趋势",
    ):
        assert f'aria-label="{chart}"' in body
    # 办公室: the cashier's draft and 2 filed forms (自查填报 … 已备案, then the total).
    cells = "".join(f'<td class="num">{n}</td>' for n in (1, 0, 0, 0, 0, 2, 3))
    assert f"<td>办公室</td>{cells}" in body


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("inspector", 200),
        ("office", 200),
        ("principal", 200),
        ("staff", 404),
        ("head", 404),
        ("admin", 404),
        ("auditor", 404),
        ("outsider", 404),
    ],
)
def test_quarterly_access(reg, login, demo, outsider, persona, status):
    user = outsider if persona == "outsider" else demo[persona]
    client = login(user)
    assert client.get(reverse("reports:quarterly", args=["GYRC"])).status_code == status
    assert (
        client.get(reverse("reports:quarterly_export", args=["GYRC", "json"])).status_code == status
    )
    assert client.post(reverse("reports:quarterly_job", args=["GYRC"])).status_code == (
        302 if status == 200 else 404
    )


# The summary's queries whatever the number of units: units, departments, progress, points
# (two), level changes (two), re-rated forms, objections (two), rating windows (four),
# overdue, supervision (one), the four quarters' trend (two); plus the reader's roles and grants.
QUERIES = 19


def _add_subunit_with_form(parent: Unit) -> None:
    unit = make_unit(parent=parent)
    dept = make_department(unit=unit)
    post = make_post(unit=unit, department=dept, is_key=True)
    person = make_person(unit=unit, department=dept, post=post)
    form = make_form(round=make_round(unit=unit), post=post, filler=person)
    make_point(form=form, level=1, likelihood=3, harm=3)


def _level_one_point_in_the_sub_unit() -> None:
    """One level-1 point in a form of GYRC-LZ (the demo's sub-unit)."""
    lz = Unit.objects.get(code="GYRC-LZ")
    lz_person = Person.objects.get(unit=lz, employee_no="LZ0004")
    make_point(
        form=make_form(round=make_round(unit=lz), post=lz_person.post, filler=lz_person),
        level=1,
        likelihood=3,
        harm=3,
    )


def test_subunits_are_counted_and_queries_do_not_grow_with_units(reg, demo):
    _level_one_point_in_the_sub_unit()
    RiskForm.objects.update(created_at=FEB_2026)  # opened in the quarter asked for
    inspector = demo["inspector"]
    quarterly.build_summary(unit=reg.unit, year=2026, quarter=1, user=inspector)  # load roles once
    with CaptureQueriesContext(connection) as two_units:
        s = quarterly.build_summary(
            unit=reg.unit, year=2026, quarter=1, with_subunits=True, user=inspector
        )
    assert s.total_points == 9 and {e["unit"] for e in s.progress} == {
        "广元市红十字会",
        "广元市利州区红十字会",
    }
    for _ in range(3):
        _add_subunit_with_form(Unit.objects.get(code="GYRC-LZ"))
    RiskForm.objects.update(created_at=FEB_2026)
    with CaptureQueriesContext(connection) as five_units:
        s = quarterly.build_summary(
            unit=reg.unit, year=2026, quarter=1, with_subunits=True, user=inspector
        )
    assert s.total_points == 12 and len({e["unit"] for e in s.progress}) == 5
    assert len(five_units) == len(two_units) <= QUERIES


def test_only_forms_the_reader_may_see_count(reg, demo):
    """The principal of GYRC has no grant over the sub-unit: its forms do not count."""
    lz = Unit.objects.get(code="GYRC-LZ")
    lz_person = Person.objects.get(unit=lz, employee_no="LZ0004")
    make_point(form=make_form(round=make_round(unit=lz), post=lz_person.post, filler=lz_person))
    s = quarterly.build_summary(
        unit=reg.unit, year=2026, quarter=1, with_subunits=True, user=demo["principal"]
    )
    assert s.total_points == 8


def test_export_quarterly_json_from_the_command_line(reg, tmp_path):
    from django.core.management import call_command

    out = tmp_path / "q.json"
    call_command(
        "export_report",
        "quarterly",
        "--unit",
        "GYRC",
        "--year",
        "2026",
        "--quarter",
        "1",
        "--with-subunits",
        "--format",
        "json",
        "-o",
        str(out),
    )
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["with_subunits"] is True and doc["points_total"] == 8


def test_quarterly_pdf_job_from_request_to_download(
    reg, login, demo, immediate_tasks, django_capture_on_commit_callbacks
):
    client = login(demo["inspector"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reports:quarterly_job", args=["GYRC"]) + "?year=2026&quarter=1"
        )
    download = client.get(response["Location"] + "download/")
    assert download.status_code == 200
    assert "2026年第1季度" in pdf_text(b"".join(download.streaming_content))


def test_long_lists_are_cut_on_the_page_and_counted_in_full(reg, login, demo, monkeypatch):
    full = quarterly.build_summary(unit=reg.unit, year=2026, quarter=1)
    cut = quarterly.build_summary(unit=reg.unit, year=2026, quarter=1, list_limit=2)
    assert len(full.key_level1) == 3 and full.shortened() == {}
    assert cut.key_level1 == full.key_level1[:2]
    assert cut.list_totals["key_level1"] == 3
    assert cut.shortened() == {"key_level1": {"shown": 2, "total": 3}}
    # Two forms still in 自查填报 after the deadline; a list of one still counts both.
    Round.objects.filter(pk=reg.round.pk).update(self_check_deadline=dt.date(2026, 3, 15))
    driver = Person.objects.get(unit=reg.unit, name="冯大伟")
    make_form(round=reg.round, post=driver.post, filler=driver)
    RiskForm.objects.update(created_at=FEB_2026)
    full = quarterly.build_summary(unit=reg.unit, year=2026, quarter=1)
    one = quarterly.build_summary(unit=reg.unit, year=2026, quarter=1, list_limit=1)
    assert len(full.overdue) == 2 and one.overdue == full.overdue[:1]
    assert one.list_totals["overdue"] == 2 == full.list_totals["overdue"]
    assert one.shortened()["overdue"] == {"shown": 1, "total": 2}
    # Excel and JSON list everything; the page says how much it shows and where the rest is.
    assert quarterly.list_limit_for("xlsx") is None and quarterly.list_limit_for("json") is None
    monkeypatch.setattr(quarterly.summary, "PAGE_LIST_LIMIT", 2)
    body = (
        login(demo["inspector"])
        .get(reverse("reports:quarterly", args=["GYRC"]), {"year": 2026, "quarter": 1})
        .content.decode()
    )
    assert "四、重点岗位一级风险点" in body and "共3个" in body
    assert "共 3 条，此处列出前 2 条；完整清单请下载 Excel 或 JSON。" in body
    document = json.loads(
        login(demo["inspector"])
        .get(
            reverse("reports:quarterly_export", args=["GYRC", "json"]),
            {"year": 2026, "quarter": 1},
        )
        .content
    )
    assert len(document["key_posts_level_1"]) == 3


def test_a_reader_of_every_form_gets_the_same_summary_as_the_operator(reg, demo):
    """The inspector sees every form of the unit, so the summary skips the per-form rule; the
    numbers must be those of an unscoped read."""
    as_operator = quarterly.as_dict(quarterly.build_summary(unit=reg.unit, year=2026, quarter=1))
    as_inspector = quarterly.as_dict(
        quarterly.build_summary(unit=reg.unit, year=2026, quarter=1, user=demo["inspector"])
    )
    for doc in (as_operator, as_inspector):
        doc.pop("generated_at")
    assert as_inspector == as_operator


def test_page_over_many_units_shows_one_row_per_unit(reg, login, demo, monkeypatch):
    """A province's page would list every department of every unit (8,000 rows, 14 MB): above
    PAGE_UNIT_ROWS units the page adds them up per unit and says so; the exports keep them."""
    _level_one_point_in_the_sub_unit()
    RiskForm.objects.update(created_at=FEB_2026)
    client = login(demo["inspector"])
    url = reverse("reports:quarterly", args=["GYRC"])
    params = {"year": 2026, "quarter": 1, "subunits": 1}
    detailed = client.get(url, params).content.decode()
    office_row = '<td>广元市红十字会</td><td>办公室</td><td class="num">'  # progress, levels
    assert "网页按单位合计显示" not in detailed and office_row in detailed
    monkeypatch.setattr(quarterly, "PAGE_UNIT_ROWS", 1)
    page = client.get(url, params).content.decode()
    assert "本汇总涵盖 2 个单位，网页按单位合计显示" in page
    assert office_row not in page
    assert page.count('<td>广元市利州区红十字会</td><td>全单位</td><td class="num">') >= 2
    full = quarterly.build_summary(
        unit=reg.unit, year=2026, quarter=1, with_subunits=True, user=demo["inspector"]
    )
    rolled = full.by_unit()
    assert [e["unit"] for e in rolled.by_department] == ["广元市红十字会", "广元市利州区红十字会"]
    counted_per_unit = quarterly.build_summary(
        unit=reg.unit,
        year=2026,
        quarter=1,
        with_subunits=True,
        user=demo["inspector"],
        by_unit_above=1,
    )  # what the page asks for: the same tables, added up per unit by the database
    assert counted_per_unit.rolled_up
    for table in ("progress", "by_department", "objections_by_department"):
        assert getattr(counted_per_unit, table) == getattr(rolled, table), table
    assert quarterly.as_dict(counted_per_unit) == quarterly.as_dict(rolled)
    assert sum(e["total"] for e in rolled.by_department) == full.total_points == 9
    assert rolled.progress_totals == full.progress_totals
    assert sum(e["total"] for e in rolled.progress) == sum(e["total"] for e in full.progress)
