"""Printed output that holds up on real content: a 25-point form with 300-character measures
in every layout family, workbooks that print, the round's documents and the bound volume."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from reports import quarterly, services
from reports.models import RoundGroupMember, RoundPhase
from reports.selectors import OPERATOR, form_queryset, volume_forms
from tests.factories import make_form, make_point, make_round
from units.models import Post

pytestmark = pytest.mark.django_db

MEASURE = (
    "严格执行相关制度规定，建立健全内部控制机制，实行双人经办、交叉复核，定期开展自查自纠，"
    "发现问题及时整改，主动接受纪检监督和群众监督，重大事项集体研究决定并留存记录备查。"
)
# Three measures of about 100 characters each: 300 characters per point.
MEASURES = tuple(MEASURE + f"（第{i}项）" for i in range(1, 4))


def _stress_form(reg, kind: str):
    rnd = make_round(unit=reg.unit)
    p = reg.people
    if kind == "staff":
        form = make_form(round=rnd, post=p["staff2"].post, filler=p["staff2"])
        categories = ("duty", "external", "other", "process")
    elif kind == "leader":
        post = Post.objects.get(unit=reg.unit, name="秘书长")
        form = make_form(round=rnd, post=post, filler=p["leader"])
        categories = ("duty", "external", "other")
    else:
        form = make_form(round=rnd, subject_kind="leadership", filler=p["principal"])
        categories = ("major_decision", "personnel", "large_funds", "other")
    for i in range(25):
        make_point(
            form=form,
            category=categories[i % len(categories)],
            description=f"第{i + 1}个风险点：办理业务中可能违反规定程序、优亲厚友或收受好处",
            level=2,
            measures=MEASURES,
        )
    return form_queryset().get(pk=form.pk)


def _pages(data: bytes) -> list[str]:
    return [
        page.extract_text().replace("\n", "").replace(" ", "")
        for page in PdfReader(io.BytesIO(data)).pages
    ]


# (layout, form kind, a header on every page (any of), most pages allowed, labels continue)
STRESS = [
    ("seed000", "staff", ("防控措施",), 9, True),
    ("seed000", "leadership", ("存在的廉政风险点", "廉政风险防控措施"), 9, True),
    ("seed001", "staff", ("防控措施",), 10, True),
    ("seed004", "staff", ("防范措施",), 10, False),
]


@pytest.mark.parametrize(("layout", "kind", "headers", "most", "continued"), STRESS)
def test_stress_form_paginates_like_a_typist(reg, layout, kind, headers, most, continued):
    reg.unit.form_layout = layout
    reg.unit.save()
    form = _stress_form(reg, kind)
    pages = _pages(services.render_form(form=form, fmt="pdf"))
    assert 2 <= len(pages) <= most
    for n, text in enumerate(pages, 1):
        assert any(h in text for h in headers), f"page {n} lacks the table header"
        assert f"第{n}页共{len(pages)}页" in text
    # the label column continues with （续）
    if continued:
        assert any("（续）" in text for text in pages[1:])
    # the last page holds rows of the table, not just the signature block
    assert "（第3项）" in pages[-1]
    # every point and every measure is printed once
    whole = "".join(pages)
    for i in range(1, 26):
        assert f"第{i}个风险点" in whole


def test_stress_form_pages_are_full_but_the_last(reg):
    """No page of the seed 000 stress form is less than half full (by text), but the last."""
    form = _stress_form(reg, "staff")
    pages = _pages(services.render_form(form=form, fmt="pdf"))
    fullest = max(len(t) for t in pages)
    assert all(len(t) > fullest / 2 for t in pages[:-1])


def test_leadership_form_prints_unit_duties_and_no_stray_punctuation(reg):
    reg.unit.duties = "负责本会人道救助、应急救护和无偿献血宣传工作。"
    reg.unit.save()
    form = reg.forms["leadership"]
    make_point(
        form=form,
        category="other",
        description="无措施的风险点",
        level=3,
        likelihood=1,
        harm=1,
        measures=(),
    )
    text = "".join(_pages(services.render_form(form=form_queryset().get(pk=form.pk), fmt="pdf")))
    assert "单位职能负责本会人道救助" in text
    assert "。；" not in text and "；；" not in text
    assert "大额资金使用党组会集体决定。" in text


def test_seed004_layout_has_its_titles_columns_and_levels(reg):
    reg.unit.form_layout = "seed004"
    reg.unit.save()
    expected = {
        "staff": "（个人）",
        "dept": "（科室、中心）",
        "leadership": "（领导班子）",
    }
    for key, subtitle in expected.items():
        form = form_queryset().get(pk=reg.forms[key].pk)
        text = "".join(_pages(services.render_form(form=form, fmt="pdf")))
        assert "广元市红十字会廉政风险识别及防范措施一览表" in text and subtitle in text
        for column in ("序号", "风险类别", "廉政风险点", "风险等级", "防范措施", "责任人"):
            assert column in text
    staff = "".join(
        _pages(services.render_form(form=form_queryset().get(pk=reg.forms["staff"].pk), fmt="pdf"))
    )
    assert "低" in staff and "一般" in staff and "三级" not in staff


def _workbook_checks(wb):
    for ws in wb.worksheets:
        assert ws.print_area, ws.title
        assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.oddFooter.center.text == "第 &P 页 共 &N 页"
        heights = [d.height for d in ws.row_dimensions.values() if d.height]
        assert heights and max(heights) <= 409
        fonts = {c.font.name for row in ws.iter_rows() for c in row if c.value is not None}
        assert fonts == {"Noto Sans CJK SC"}, (ws.title, fonts)


def test_every_workbook_prints(reg, login, demo):
    client = login(demo["inspector"])
    form = _stress_form(reg, "leadership")
    books = {
        "form": services.render_form(form=form, fmt="xlsx"),
        "register": client.get(reverse("reports:register_xlsx", args=["GYRC"])).content,
        "quarterly": client.get(
            reverse("reports:quarterly_export", args=["GYRC", "xlsx"]),
            {"year": 2026, "quarter": 1},
        ).content,
        "round": services.round_documents(round=reg.round, fmt="xlsx"),
    }
    for name, data in books.items():
        wb = load_workbook(io.BytesIO(data))
        _workbook_checks(wb)
        if name != "form":
            for ws in wb.worksheets:
                assert ws.print_title_rows in ("3:3", "$3:$3"), (name, ws.title)
    register = load_workbook(io.BytesIO(books["register"])).active
    assert register.page_setup.orientation == "landscape"


def test_quarterly_workbook_totals_dates_and_charts(reg):
    s = quarterly.build_summary(unit=reg.unit, year=2026, quarter=1, user=OPERATOR)
    wb = load_workbook(io.BytesIO(quarterly.render(s, fmt="xlsx")))
    for name in ("进度", "等级×类别", "按部室"):
        ws = wb[name]
        assert ws._charts, name  # a native chart
        last = ws.max_row
        total_row = next(r for r in range(4, last + 1) if ws.cell(row=r, column=1).value == "合计")
        assert ws.cell(row=total_row, column=1).font.bold
        # the 合计 row is below the filter range
        assert (
            int(ws.auto_filter.ref.split(":")[1].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")) < total_row
        )


def test_a_very_long_cell_continues_on_the_next_row(reg):
    from openpyxl import Workbook

    from reports import excel

    wb = Workbook()
    excel.write_table(
        wb.active,
        title="长文本",
        headers=["序号", "内容"],
        widths=[6, 40],
        rows=[[1, "很长的防控措施。" * 800], [2, "短"]],
    )
    wb = load_workbook(io.BytesIO(excel.workbook_bytes(wb)))
    ws = wb.active
    heights = [ws.row_dimensions[r].height for r in range(4, ws.max_row + 1)]
    assert max(heights) <= 409
    texts = [ws.cell(row=r, column=2).value for r in range(4, ws.max_row + 1)]
    long_rows = [t for t in texts if t and t != "短"]
    assert len(long_rows) > 1
    assert "".join(long_rows).replace("\n", "") == "很长的防控措施。" * 800
    assert any("A4" in str(rng) for rng in ws.merged_cells.ranges)  # 序号 spans the block


def _round_documents(reg):
    RoundGroupMember.objects.create(
        round=reg.round, role="leader", name="周文涛", title="党组书记、常务副会长"
    )
    RoundGroupMember.objects.create(round=reg.round, role="deputy", name="郑立新", title="纪检组长")
    RoundGroupMember.objects.create(round=reg.round, role="office", name="杨帆", title="廉政联络员")
    RoundPhase.objects.create(
        round=reg.round,
        name="排查廉政风险点",
        start=dt.date(2026, 4, 1),
        end=dt.date(2026, 5, 31),
        work="按岗位、部室、单位三个层面查找风险点",
        due="5月31日前报送一览表",
    )


def test_round_documents_print_as_the_seeds_annexes(reg, login, demo):
    _round_documents(reg)
    client = login(demo["staff"])
    url = reverse("reports:round_documents", args=["GYRC", reg.round.pk, "pdf"])
    text = "".join(_pages(client.get(url).content))
    assert (
        "领导小组成员名单" in text
        and "组长：" in text
        and "党组书记、常务副会长\u3000周文涛" in text
    )
    assert "工作安排表" in text and "2026年4月1日至2026年5月31日" in text
    ws = load_workbook(io.BytesIO(client.get(url.replace("/pdf/", "/xlsx/")).content))["工作安排表"]
    assert isinstance(ws["C4"].value, dt.datetime) and ws["C4"].number_format.startswith("yyyy")


def test_bound_volume_opens_with_cover_contents_and_round_documents(reg):
    _round_documents(reg)
    forms = volume_forms(user=OPERATOR, unit=reg.unit, round=reg.round)
    pages = _pages(services.render_volume(unit=reg.unit, round=reg.round, forms=forms))
    assert "编印单位：广元市红十字会" in pages[0]
    assert "目\u3000录" in pages[1] and "领导小组成员名单" in pages[1]
    assert "领导小组成员名单" in pages[2]
    # contents list each department once, with page numbers
    assert pages[1].count("办公室") == 1
    assert "工作安排表" in pages[3]
