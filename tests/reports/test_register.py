"""The unit register (台账): filed points only, filters, Excel with the same filters, query
counts that do not grow with rows, and the bound volume through the background job."""

import io
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from reports.models import JobState, ReportJob
from tests.factories import make_form, make_point
from tests.reports.conftest import pdf_text, set_state
from units.models import Department, Person
from workflow.enums import FormState

pytestmark = pytest.mark.django_db

ALL_FILED = {
    "利用文件收发便利泄露未公开信息",
    "接受服务对象请托，违规提供档案查阅",
    "救灾物资发放不按标准，优亲厚友",
    "“三重一大”事项个人决定，未经集体研究",
    "分管部室经费审批把关不严",
    "公务接待超标准、超范围",
    "大额资金使用未经党组集体研究",
}


def _rows(client, **params) -> list[str]:
    response = client.get(reverse("reports:register", args=["GYRC"]), params)
    assert response.status_code == 200
    return [row[7] for row in response.context["rows"]]


def _sheet_rows(client, **params) -> list[tuple]:
    response = client.get(reverse("reports:register_xlsx", args=["GYRC"]), params)
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).active
    return [tuple(c.value for c in row) for row in ws.iter_rows(min_row=4)]


def test_register_lists_every_filed_point_and_no_draft(reg, login, demo):
    rows = _rows(login(demo["staff"]))
    assert set(rows) == ALL_FILED
    assert "坐支现金、公款私存" not in rows


def test_register_is_in_department_order_leadership_first(reg, login, demo):
    response = login(demo["inspector"]).get(reverse("reports:register", args=["GYRC"]))
    departments = [row[1] for row in response.context["rows"]]
    assert departments == ["领导班子"] * 3 + ["办公室"] * 3 + ["赈济救护部"]
    first_office = response.context["rows"][3]
    assert first_office[2] == "（部室）"  # the department form before its posts


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (
            {"department": "office"},
            {
                "利用文件收发便利泄露未公开信息",
                "接受服务对象请托，违规提供档案查阅",
                "公务接待超标准、超范围",
            },
        ),
        ({"tier": "principal"}, {"“三重一大”事项个人决定，未经集体研究"}),
        ({"tier": "leadership"}, {"大额资金使用未经党组集体研究"}),
        ({"tier": "department"}, {"公务接待超标准、超范围"}),
        ({"category": "external"}, {"接受服务对象请托，违规提供档案查阅"}),
        (
            {"level": "1"},
            {
                "救灾物资发放不按标准，优亲厚友",
                "“三重一大”事项个人决定，未经集体研究",
                "大额资金使用未经党组集体研究",
            },
        ),
        (
            {"key": "1"},
            {
                "救灾物资发放不按标准，优亲厚友",
                "“三重一大”事项个人决定，未经集体研究",
                "分管部室经费审批把关不严",
            },
        ),
        (
            {"key": "0", "department": "office"},
            {
                "利用文件收发便利泄露未公开信息",
                "接受服务对象请托，违规提供档案查阅",
                "公务接待超标准、超范围",
            },
        ),
        ({"level": "3", "tier": "staff"}, {"利用文件收发便利泄露未公开信息"}),
    ],
)
def test_register_filters_in_html_and_excel(reg, login, demo, params, expected):
    if params.get("department") == "office":
        params = {**params, "department": Department.objects.get(unit=reg.unit, name="办公室").pk}
    client = login(demo["inspector"])
    assert set(_rows(client, **params)) == expected
    assert {row[7] for row in _sheet_rows(client, **params)} == expected


def test_level_filter_uses_the_decided_level(reg, login, demo):
    point = reg.forms["dept"].points.get()
    type(point).objects.filter(pk=point.pk).update(final_level=1, final_reason="集体审定上调")
    assert "公务接待超标准、超范围" in _rows(login(demo["inspector"]), level="1")


def test_register_workbook_cells(reg, login, demo):
    client = login(demo["inspector"])
    response = client.get(reverse("reports:register_xlsx", args=["GYRC"]), {"level": "1"})
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    ws = load_workbook(io.BytesIO(response.content)).active
    assert ws["A1"].value == "广元市红十字会廉政风险信息档案库（台账）"
    assert "风险等级：一级" in ws["A2"].value
    assert [c.value for c in ws[3]][:4] == ["序号", "部室", "岗位", "姓名"]
    relief = next(
        r for r in ws.iter_rows(min_row=4, values_only=True) if r[7].startswith("救灾物资")
    )
    assert relief[1] == "赈济救护部" and relief[3] == "黄海燕" and relief[5] == "是"
    assert relief[8] == "一级" and relief[9] == "发放名单公示\n双人经办、领导审批"
    assert isinstance(relief[0], int)


def _add_filed_forms(reg, n: int) -> None:
    people = Person.objects.filter(unit=reg.unit, post__department__isnull=False).exclude(
        filled_forms__round=reg.round
    )[:n]
    for person in people:
        form = make_form(round=reg.round, post=person.post, filler=person)
        for i in range(3):
            make_point(form=form, description=f"{person.name}风险{i}", measures=("甲", "乙"))
        set_state(form, FormState.FILED)


def test_register_query_count_does_not_grow_with_rows(reg, login, demo):
    client = login(demo["inspector"])
    url = reverse("reports:register", args=["GYRC"])
    client.get(url)  # warm the session
    cache.clear()  # both measured requests build the table
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    _add_filed_forms(reg, 6)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.context["page"].paginator.count > 20
    assert len(many) == len(few)


def test_register_shown_again_costs_fewer_queries(reg, login, demo):
    client = login(demo["inspector"])
    url = reverse("reports:register", args=["GYRC"])
    client.get(url)  # warm the session
    cache.clear()
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        client.get(url)
        first = len(queries)
        response = client.get(url)
    again = len(queries) - first
    assert response.context["page"].paginator.count == len(ALL_FILED)
    assert set(_rows(client)) == ALL_FILED
    assert again < first


def test_register_shows_every_change_on_the_next_request(reg, login, demo):
    client = login(demo["staff"])
    assert set(_rows(client)) == ALL_FILED  # now in the cache
    _add_filed_forms(reg, 1)  # a new filed form
    rows = _rows(client)
    assert len(rows) == len(ALL_FILED) + 3
    office = Department.objects.get(unit__code="GYRC", name="办公室")
    office.name = "综合办公室"  # a change that touches no form
    office.save()
    response = client.get(reverse("reports:register", args=["GYRC"]))
    departments = {row[1] for row in response.context["rows"]}
    assert "综合办公室" in departments and "办公室" not in departments
    assert "综合办公室" in response.content.decode()


def test_register_asks_access_even_with_the_table_cached(reg, login, demo, outsider):
    assert set(_rows(login(demo["inspector"]))) == ALL_FILED  # in the cache
    response = login(outsider).get(reverse("reports:register", args=["GYRC"]))
    assert response.status_code == 404


def test_register_pages_continue_in_the_register_order(reg, login, demo, monkeypatch):
    monkeypatch.setattr("reports.views.REGISTER_PAGE_SIZE", 3)
    client = login(demo["inspector"])
    url = reverse("reports:register", args=["GYRC"])
    whole = [row[7] for row in _sheet_rows(client)]
    seen, numbers = [], []
    for number in (1, 2, 3):
        response = client.get(url, {"page": number})
        seen += [row[7] for row in response.context["rows"]]
        numbers += [row[0] for row in response.context["rows"]]
    assert len(whole) == 7
    assert seen == whole
    assert numbers == list(range(1, 8))
    assert "第 3 / 3 页" in response.content.decode()


def test_register_xlsx_query_count_does_not_grow_with_rows(reg, login, demo):
    client = login(demo["inspector"])
    url = reverse("reports:register_xlsx", args=["GYRC"])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    _add_filed_forms(reg, 6)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_bound_volume_from_request_to_download(
    reg, login, demo, immediate_tasks, django_capture_on_commit_callbacks
):
    client = login(demo["inspector"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:volume_request", args=["GYRC"]))
    assert response.status_code == 302
    job = ReportJob.objects.get()
    assert job.state == JobState.DONE and job.progress == 100
    page = client.get(response["Location"])
    assert "下载" in page.content.decode()
    download = client.get(reverse("reports:job_download", args=[job.pk]))
    assert download["Content-Type"] == "application/pdf"
    text = pdf_text(b"".join(download.streaming_content))
    assert "廉政风险防控资料汇编" in text and "目" in text and "录" in text
    pages = re.findall(r"第 (\d+) 页 共 (\d+) 页", text)
    total = int(pages[0][1])
    assert [int(p) for p, _ in pages] == list(range(2, total + 1))  # the cover has no number
    # The contents and the forms, in department order: leadership, 办公室, 赈济救护部.
    body = text[text.index("录") :]
    assert body.index("领导班子") < body.index("办公室") < body.index("赈济救护部")
    assert "坐支现金" not in text  # drafts are not in the volume
    assert "草稿" not in text


def test_job_page_polls_while_running(reg, login, demo):
    job = ReportJob.objects.create(
        kind="volume", format="pdf", unit=reg.unit, requested_by=demo["inspector"], progress=40
    )
    client = login(demo["inspector"])
    body = client.get(reverse("reports:job", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in body and "40%" in body
    partial = client.get(reverse("reports:job", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert "<html" not in partial.content.decode()
    assert client.get(reverse("reports:job_download", args=[job.pk])).status_code == 404
