"""The 职权目录 in Excel: export → import changes nothing; bad rows are named and nothing is
written; the admin shows a preview before anything is imported."""

import io

import pytest
import tablib
from django.urls import reverse
from openpyxl import load_workbook

from powers.models import PowerChange, PowerItem
from powers.resources import COLUMNS, PowerItemResource
from tests.powers.conftest import make_item

pytestmark = pytest.mark.django_db

HEADERS = [label for _key, label in COLUMNS]


@pytest.fixture
def catalogue(demo, gyrc, office_dept, clerk_post):
    make_item(unit=gyrc, department=office_dept, name="政府采购", content="货物和服务采购")
    make_item(unit=gyrc, post=clerk_post, name="公文与印章管理", time_limit="即时")
    return PowerItem.objects.filter(unit=gyrc)


def _resource(user, unit):
    return PowerItemResource(user=user, unit_ids={unit.pk})


def _snapshot():
    return sorted(
        PowerItem.objects.values_list("pk", "name", "content", "kind", "state", "updated_at")
    )


def test_export_has_the_seed_columns(demo, gyrc, catalogue):
    dataset = _resource(demo["office"], gyrc).export()
    assert dataset.headers == HEADERS
    assert {"职权名称", "职权内容", "办理主体", "法律依据"} <= set(dataset.headers)
    rows = {row[3]: row for row in dataset}
    assert rows["政府采购"][1] == "办公室" and rows["政府采购"][2] == ""
    assert rows["公文与印章管理"][2] == "综合文秘" and rows["公文与印章管理"][10] == "保留"


def test_round_trip_changes_nothing(demo, gyrc, catalogue):
    exported = _resource(demo["office"], gyrc).export()
    xlsx = exported.export("xlsx")
    before, changes = _snapshot(), PowerChange.objects.count()
    dataset = tablib.Dataset().load(xlsx, format="xlsx")
    result = _resource(demo["office"], gyrc).import_data(dataset, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    assert result.totals["skip"] == 2 and result.totals["new"] == 0 and result.totals["update"] == 0
    assert _snapshot() == before and PowerChange.objects.count() == changes


def test_an_edited_row_updates_and_needs_confirming(demo, gyrc, catalogue):
    dataset = _resource(demo["office"], gyrc).export()
    rows = [list(r) for r in dataset]
    for r in rows:
        if r[3] == "政府采购":
            r[5] = "货物、服务和工程采购"
    edited = tablib.Dataset(*rows, headers=dataset.headers)
    result = _resource(demo["office"], gyrc).import_data(edited, dry_run=False)
    assert result.totals["update"] == 1 and result.totals["skip"] == 1
    item = PowerItem.objects.get(name="政府采购")
    assert item.content == "货物、服务和工程采购" and item.state == "draft"
    assert PowerChange.objects.filter(item=item, action="import").exists()


def test_bad_rows_are_named_and_nothing_is_written(demo, gyrc, catalogue):
    before = _snapshot()
    rows = [
        ["GYRC", "办公室", "", "新增事项", "内部管理", "", "", "", "", "", "保留", ""],
        ["GYRC", "不存在的部室", "", "甲", "内部管理", "", "", "", "", "", "保留", ""],
        ["GYRC", "办公室", "", "乙", "内部管理", "", "", "", "", "", "作废", ""],
        ["GYRC", "办公室", "", "丙", "胡乱类别", "", "", "", "", "", "保留", ""],
    ]
    result = _resource(demo["office"], gyrc).import_data(
        tablib.Dataset(*rows, headers=HEADERS), dry_run=False
    )
    assert result.has_validation_errors()
    messages = {
        row.number: " ".join(row.error.messages) if hasattr(row, "error") else str(row.errors)
        for row in result.invalid_rows
    }
    text = " ".join(messages.values())
    assert "不存在的部室" in text and "作废" in text and "胡乱类别" in text
    assert len(result.invalid_rows) == 3
    assert _snapshot() == before  # the good row was not written either


def test_another_unit_is_refused(demo, gyrc, catalogue):
    rows = [["GYRC-LZ", "综合办公室", "", "越权", "内部管理", "", "", "", "", "", "保留", ""]]
    result = _resource(demo["office"], gyrc).import_data(
        tablib.Dataset(*rows, headers=HEADERS), dry_run=False
    )
    assert result.has_validation_errors()
    assert not PowerItem.objects.filter(name="越权").exists()


def test_admin_preview_lists_bad_rows_and_offers_no_confirm(login, demo, gyrc, catalogue):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(HEADERS)
    ws.append(["GYRC", "不存在的部室", "", "甲", "内部管理", "", "", "", "", "", "保留", ""])
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = "职权目录.xlsx"
    client = login(demo["office"])
    page = client.get(reverse("admin:powers_poweritem_import"))
    assert page.status_code == 200
    response = client.post(
        reverse("admin:powers_poweritem_import"),
        {"import_file": buf, "format": "0", "resource": "0"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "不存在的部室" in html
    assert "process_import" not in html  # no confirm form
    assert not PowerItem.objects.filter(name="甲").exists()


def test_admin_export_is_scoped_to_the_office_units(login, demo, gyrc, catalogue):
    client = login(demo["office"])
    response = client.post(
        reverse("admin:powers_poweritem_export"),
        {"format": "0", "resource": "0", **{f"poweritemresource_{k}": "on" for k, _ in COLUMNS}},
    )
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).active
    names = [row[3] for row in ws.iter_rows(min_row=2, values_only=True)]
    assert sorted(names) == ["公文与印章管理", "政府采购"]
