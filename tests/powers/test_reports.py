"""The power list on paper and in Excel, from the demo: export_report powers / flowcharts, the
pages' downloads, the bound volume's part, and the demo's own 职权目录."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from openpyxl import load_workbook

from powers.demo import load_demo_powers
from powers.models import PowerItem, StepRiskLink
from powers.reports import CATALOGUE_HEADERS
from risks.demo import load_demo_risks
from tests.conftest import replayed
from tests.reports.conftest import pdf_text
from workflow.demo import demo_chain_load

pytestmark = pytest.mark.django_db

SEED_002_COLUMNS = ("职权名称", "职权内容", "办理主体", "法律依据")


def _load_demo_powers() -> None:
    load_demo_risks()
    demo_chain_load()
    load_demo_powers()


@pytest.fixture
def demo_powers(demo):
    """The demo's round along the chain and GYRC's 职权目录: built by the first test of the
    process, replayed from memory for the others (tests/conftest.replayed)."""
    replayed("demo_powers", _load_demo_powers)
    return PowerItem.objects.filter(unit__code="GYRC")


def test_demo_list_is_real_and_tied(demo_powers):
    names = set(demo_powers.values_list("name", flat=True))
    assert {"救灾物资接收与发放", "捐赠款物接收与使用", "政府采购", "财务报销审批", "人事招录",
            "公务接待", "车辆使用", "红十字会员发展"} <= names  # fmt: skip
    assert all(item.legal_basis and item.steps.exists() for item in demo_powers)
    assert StepRiskLink.objects.count() >= 15
    assert load_demo_powers() == 0  # idempotent


def test_export_powers_pdf_holds_the_seed_columns_and_every_item(demo_powers, tmp_path):
    out = tmp_path / "职权目录.pdf"
    call_command("export_report", "powers", "--unit", "GYRC", "--format", "pdf", "-o", str(out))
    text = pdf_text(out.read_bytes()).replace("\n", "").replace(" ", "")
    for column in SEED_002_COLUMNS:
        assert column in text
    for name in demo_powers.values_list("name", flat=True):
        assert name.replace(" ", "") in text


def test_export_powers_xlsx_is_print_ready(demo_powers, tmp_path):
    out = tmp_path / "职权目录.xlsx"
    call_command(
        "export_report", "powers", "--unit", "GYRC", "--department", "办公室",
        "--format", "xlsx", "-o", str(out),
    )  # fmt: skip
    ws = load_workbook(out).active
    assert [c.value for c in ws[3]] == list(CATALOGUE_HEADERS)
    names = {row[2] for row in ws.iter_rows(min_row=4, values_only=True)}
    assert {"政府采购", "财务报销审批", "车辆使用"} <= names and "救灾物资接收与发放" not in names
    assert ws.print_title_rows == "$1:$3"
    assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.oddFooter.center.text == "第 &P 页 共 &N 页"


def test_export_flowcharts_pdf_has_every_item_and_its_points(demo_powers, tmp_path):
    out = tmp_path / "流程图.pdf"
    call_command("export_report", "flowcharts", "--unit", "GYRC", "--format", "pdf", "-o", str(out))
    text = pdf_text(out.read_bytes()).replace("\n", "").replace(" ", "")
    for name in demo_powers.exclude(status="abolish").values_list("name", flat=True):
        assert f"{name}·权力运行内部流程图".replace(" ", "") in text
        assert f"{name}·权力运行外部流程图".replace(" ", "") in text
    assert "风险点" in text


def test_unknown_department_is_one_line_and_exit_1(demo_powers, tmp_path):
    with pytest.raises(CommandError) as exc:
        call_command(
            "export_report", "powers", "--unit", "GYRC", "--department", "无此部室",
            "--format", "pdf", "-o", str(tmp_path / "x.pdf"),
        )  # fmt: skip
    assert exc.value.returncode == 1 and "无此部室" in str(exc.value)


def test_catalogue_xlsx_download_for_a_member(login, demo, demo_powers):
    response = login(demo["staff2"]).get(reverse("powers:catalogue_xlsx", args=["GYRC"]))
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).active
    names = {row[2] for row in ws.iter_rows(min_row=4, values_only=True)}
    assert "救灾物资接收与发放" in names
    assert "志愿者招募与管理" not in names  # a draft of another department


def test_volume_part_precedes_the_forms(demo_powers):
    from reports import selectors, services

    unit = demo_powers.first().unit
    rnd = selectors.default_round(unit)
    forms = selectors.volume_forms(user=selectors.OPERATOR, unit=unit, round=rnd)
    html = services.volume_html(unit=unit, round=rnd, forms=forms, user=selectors.OPERATOR)
    assert "职权目录" in html and "权力运行内部流程图" in html
    assert html.index('id="powers-catalogue"') < html.index('<div class="volume-part">')


def test_register_page_shows_the_network_chart(login, demo, demo_powers):
    html = login(demo["staff"]).get(reverse("reports:register", args=["GYRC"])).content.decode()
    assert "廉政风险防控网络图" in html and 'class="power-chart"' in html
