"""The single-form 一览表 as HTML, PDF and Excel, in both seed families."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from reports.models import ReportFile
from tests.factories import make_point
from tests.reports.conftest import pdf_text, set_state
from units.enums import FormLayout
from workflow.enums import FormState

pytestmark = pytest.mark.django_db


def _pdf(client, form) -> str:
    response = client.get(reverse("reports:form_pdf", args=[form.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return pdf_text(
        b"".join(response.streaming_content) if response.streaming else response.content
    )


def _xlsx(client, form):
    response = client.get(reverse("reports:form_xlsx", args=[form.pk]))
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return load_workbook(io.BytesIO(content)).active


def _values(ws) -> list[str]:
    return [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]


def test_staff_form_pdf_in_seed000_layout(reg, login, demo):
    text = _pdf(login(demo["staff"]), reg.forms["staff"]).replace("\n", "").replace(" ", "")
    assert "广元市红十字会廉政风险点及防控措施一览表" in text
    assert "（部室负责人、工作人员）" in text
    for caption in (
        "姓名",
        "部室",
        "职务",
        "工作岗位",
        "岗位职责",
        "风险点",
        "防控措施",
        "风险等级",
    ):
        assert caption in text
    assert "李晓燕" in text and "综合文秘" in text
    assert "利用文件收发便利泄露未公开信息" in text
    assert "严格执行保密制度" in text and "文件收发逐件登记" in text
    assert "三级" in text and "二级" in text
    assert "常规管理" in text  # supervision follows from the level
    assert "填表时间：2026年3月5日" in text
    assert "分管领导签字：王建国（2026年3月20日）" in text
    assert "党组书记签字：周文涛（2026年3月25日）" in text
    assert "第1页共1页" in text
    assert "草稿" not in text


def test_principal_form_pdf_is_the_two_column_leadership_table(reg, login, demo):
    text = _pdf(login(demo["inspector"]), reg.forms["principal"])
    assert "（党政一把手）" in text
    for caption in ("职", "岗位职责", "风险等级", "存在的廉政风险点", "廉政风险防控措施"):
        assert caption in text
    assert "党组书记、常务副会长" in text
    assert "“三重一大”事项个人决定，未经集体研究" in text
    assert "重点管理、实时掌控" in text
    assert "一级" in text


def test_leader_form_has_the_secretary_signature_line(reg, login, demo):
    text = _pdf(login(demo["inspector"]), reg.forms["leader"])
    assert "（其他班子成员）" in text
    assert "党组书记签字：" in text


def test_unsigned_lines_stay_blank_and_a_draft_has_a_watermark(reg, login, demo):
    text = _pdf(login(demo["head"]), reg.forms["draft"])
    assert "草稿" in text
    assert "何静" in text  # the filler's name in the 姓名 cell
    # Nobody signed: the captions are printed, nobody's name follows them.
    assert "分管领导签字：" in text and "王建国" not in text and "周文涛" not in text
    assert "年" in text and "月" in text  # the blank date for a pen


@pytest.mark.parametrize(
    ("form_key", "subtitle", "rows", "signatures"),
    [
        (
            "staff",
            "（岗位）",
            ("岗位职责风险", "外部环境风险", "其他风险"),
            ("负责人签字：李晓燕", "部室领导签字：王建国", "填表日期：2026年3月5日"),
        ),
        (
            "dept",
            "（部室）",
            ("业务流程风险", "制度机制风险", "外部环境风险", "其他风险"),
            ("部室领导签字：", "分管领导签字：", "填表日期："),
        ),
        (
            "leadership",
            "（单位）",
            ("重大事项决策", "重要人事任免", "重大项目安排", "大额资金使用", "其他风险"),
            ("主要领导签字：", "填表日期："),
        ),
    ],
)
def test_seed001_family_has_category_rows_and_review_opinion(
    reg, login, demo, form_key, subtitle, rows, signatures
):
    reg.unit.form_layout = FormLayout.SEED001
    reg.unit.save()
    text = _pdf(login(demo["inspector"]), reg.forms[form_key])
    flat = text.replace("\n", "").replace(" ", "")
    assert "廉政风险辨认防控一览表" in text and subtitle in text
    assert "审核意见" in text and "风险类别" in text
    for row in rows:
        assert row in flat
    # Only the seed's blocks and those holding points: no empty 思想道德 block on a post form.
    assert "思想道德风险" not in flat
    for line in signatures:
        assert line.replace(" ", "") in flat


def test_html_page_shows_the_same_sheet(reg, login, demo):
    response = login(demo["staff"]).get(reverse("reports:form_html", args=[reg.forms["staff"].pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "利用文件收发便利泄露未公开信息" in body
    assert "王建国（2026年3月20日）" in body
    assert reverse("reports:form_pdf", args=[reg.forms["staff"].pk]) in body


def test_form_workbook_has_real_cells_in_the_seed_layout(reg, login, demo):
    ws = _xlsx(login(demo["staff"]), reg.forms["staff"])
    assert ws["A1"].value == "广元市红十字会廉政风险点及防控措施一览表"
    values = _values(ws)
    assert "李晓燕" in values and "综合文秘" in values
    assert "利用文件收发便利泄露未公开信息" in values
    assert "严格执行保密制度\n文件收发逐件登记" in values
    assert any(v.startswith("三级") for v in values)
    assert any("分管领导签字：王建国（2026年3月20日）" in v for v in values)
    assert ws.merged_cells.ranges  # the seed's spans are merged cells


def test_text_that_looks_like_a_formula_is_stored_as_text(reg, login, demo):
    form = reg.forms["draft"]
    make_point(
        form=form,
        description='=HYPERLINK("http://evil.example","点我")',
        measures=("+1", "@SUM(A1)"),
    )
    ws = _xlsx(login(demo["head"]), form)
    cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    formula_like = [c for c in cells if c.value.startswith(("=", "+", "@"))]
    assert any(c.value.startswith("=HYPERLINK") for c in formula_like)
    assert all(c.data_type == "s" for c in formula_like)


def test_filed_form_is_rendered_once_then_served_from_storage(reg, login, demo):
    client = login(demo["staff"])
    url = reverse("reports:form_pdf", args=[reg.forms["staff"].pk])
    first = client.get(url)
    first_bytes = b"".join(first.streaming_content)
    stored = ReportFile.objects.get(form=reg.forms["staff"], format="pdf")
    assert stored.version == 1 and stored.size == len(first_bytes)
    # Overwrite the stored file: if the second download re-rendered, it would not serve this.
    with stored.file.storage.open(stored.file.name, "wb") as fh:
        fh.write(b"%PDF-stored-copy")
    second = client.get(url)
    assert b"".join(second.streaming_content) == b"%PDF-stored-copy"
    assert ReportFile.objects.filter(form=reg.forms["staff"]).count() == 1
    assert "filename*=UTF-8''" in second["Content-Disposition"]
    assert "%E4%B8%80%E8%A7%88%E8%A1%A8" in second["Content-Disposition"]  # 一览表


def test_draft_form_is_rendered_each_time_and_not_stored(reg, login, demo):
    client = login(demo["head"])
    client.get(reverse("reports:form_pdf", args=[reg.forms["draft"].pk]))
    client.get(reverse("reports:form_xlsx", args=[reg.forms["draft"].pk]))
    assert not ReportFile.objects.exists()


def test_a_new_filed_version_gets_its_own_file(reg, login, demo):
    client = login(demo["staff"])
    form = reg.forms["staff"]
    client.get(reverse("reports:form_xlsx", args=[form.pk]))
    set_state(form, FormState.DRAFT)
    type(form).objects.filter(pk=form.pk).update(version=2, state=FormState.FILED)
    client.get(reverse("reports:form_xlsx", args=[form.pk]))
    assert sorted(ReportFile.objects.values_list("version", flat=True)) == [1, 2]
