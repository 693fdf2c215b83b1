"""Large exports are background jobs (REPORT_SYNC_MAX_POINTS lowered here), small ones are
immediate, the summary PDF never renders in the request, and a finished file is offered again
until its data changes."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from audit.enums import AuditAction
from audit.models import AuditEvent
from audit.services import audit_record
from reports.models import JobKind, JobState, ReportJob
from tests.factories import make_point

pytestmark = pytest.mark.django_db

QUARTER = {"year": 2026, "quarter": 1}


@pytest.fixture
def small_threshold(settings):
    settings.REPORT_SYNC_MAX_POINTS = 1


def _no_rendering(monkeypatch):
    """Any rendering of a summary or register file in the request fails the test."""
    from reports import quarterly, services

    def refuse(*args, **kwargs):
        raise AssertionError("rendered in the request")

    monkeypatch.setattr(quarterly, "render", refuse)
    monkeypatch.setattr(quarterly, "build_summary", refuse)
    monkeypatch.setattr(services, "register_workbook", refuse)


def _assert_job_redirect(response, kind: str, fmt: str) -> ReportJob:
    assert response.status_code == 302
    assert "Content-Disposition" not in response
    job = ReportJob.objects.get(kind=kind, format=fmt)
    assert response["Location"] == reverse("reports:job", args=[job.pk])
    return job


@pytest.mark.parametrize("fmt", ["xlsx", "json", "pdf"])
@pytest.mark.parametrize("subunits", [False, True])
def test_large_quarterly_exports_answer_with_a_job(
    reg, login, demo, small_threshold, monkeypatch, fmt, subunits
):
    _no_rendering(monkeypatch)
    client = login(demo["inspector"])
    params = {**QUARTER, **({"subunits": 1} if subunits else {})}
    response = client.get(reverse("reports:quarterly_export", args=["GYRC", fmt]), params)
    job = _assert_job_redirect(response, JobKind.QUARTERLY, fmt)
    assert {k: job.params[k] for k in ("year", "quarter", "with_subunits")} == {
        "year": 2026,
        "quarter": 1,
        "with_subunits": subunits,
    }
    assert job.params["submission"]["sender"] == "广元市红十字会"  # the header travels with it
    assert job.requested_by == demo["inspector"] and job.fingerprint
    page = client.get(response["Location"])
    assert page.status_code == 200 and "季度汇总" in page.content.decode()


@pytest.mark.parametrize("subunits", [False, True])
def test_summary_pdf_never_renders_in_the_request_even_when_small(
    reg, login, demo, monkeypatch, subunits
):
    """One unit's PDF of a few hundred points already takes seconds (bench/cases_exports.py):
    it is a job at any size, like the PDF over sub-units."""
    _no_rendering(monkeypatch)
    client = login(demo["inspector"])
    params = {**QUARTER, **({"subunits": 1} if subunits else {})}
    response = client.get(reverse("reports:quarterly_export", args=["GYRC", "pdf"]), params)
    job = _assert_job_redirect(response, JobKind.QUARTERLY, "pdf")
    assert job.params["with_subunits"] is subunits


def test_small_exports_are_immediate(reg, login, demo):
    client = login(demo["inspector"])
    summary = client.get(reverse("reports:quarterly_export", args=["GYRC", "xlsx"]), QUARTER)
    assert summary.status_code == 200 and summary["Content-Disposition"].startswith("attachment")
    document = client.get(reverse("reports:quarterly_export", args=["GYRC", "json"]), QUARTER)
    assert document.json()["points_total"] > 0
    register = client.get(reverse("reports:register_xlsx", args=["GYRC"]))
    assert register.status_code == 200 and register["Content-Disposition"].startswith("attachment")
    assert not ReportJob.objects.exists()


def test_large_register_workbook_is_a_job_with_the_chosen_filters(
    reg,
    login,
    demo,
    small_threshold,
    immediate_tasks,
    django_capture_on_commit_callbacks,
):
    client = login(demo["inspector"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("reports:register_xlsx", args=["GYRC"]), {"level": "1"})
    job = _assert_job_redirect(response, JobKind.REGISTER, "xlsx")
    job.refresh_from_db()
    assert job.state == JobState.DONE, job.message
    download = client.get(reverse("reports:job_download", args=[job.pk]))
    ws = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    described = {row[7] for row in ws.iter_rows(min_row=4, values_only=True) if row[7]}
    assert "救灾物资发放不按标准，优亲厚友" in described
    assert "分管部室经费审批把关不严" not in described  # level 2: filtered out as asked


def test_large_audit_export_is_a_job_and_small_is_immediate(
    client, demo, settings, immediate_tasks, django_capture_on_commit_callbacks
):
    for _ in range(3):
        audit_record(actor=demo["staff"], action=AuditAction.LOGIN)
    client.force_login(demo["auditor"])
    url = reverse("admin:audit_auditevent_export")

    small = client.get(url)
    assert small.status_code == 200 and small["Content-Disposition"].startswith("attachment")

    settings.REPORT_SYNC_MAX_POINTS = 1
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(url, {"q": "demo_staff"})
    job = _assert_job_redirect(response, JobKind.AUDIT_LOG, "xlsx")
    job.refresh_from_db()
    assert job.state == JobState.DONE and job.unit is None, job.message
    page = client.get(response["Location"]).content.decode()
    assert "审计日志导出" in page and "返回审计日志" in page
    download = client.get(reverse("reports:job_download", args=[job.pk]))
    ws = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    users = {row[1] for row in ws.iter_rows(min_row=2, values_only=True)}
    assert users == {"demo_staff"}  # the search the auditor had, applied in the worker
    # Only the auditor may follow or download it.
    client.force_login(demo["admin"])
    assert client.get(reverse("reports:job_download", args=[job.pk])).status_code == 404


def test_same_export_with_unchanged_data_reuses_the_finished_job(
    reg,
    login,
    demo,
    small_threshold,
    immediate_tasks,
    django_capture_on_commit_callbacks,
):
    client = login(demo["inspector"])
    url = reverse("reports:quarterly_export", args=["GYRC", "xlsx"])
    with django_capture_on_commit_callbacks(execute=True):
        first = client.get(url, QUARTER)
    job = ReportJob.objects.get()
    assert job.state == JobState.DONE

    again = client.get(url, QUARTER)
    assert again["Location"] == first["Location"]
    assert ReportJob.objects.count() == 1

    # Other parameters are another file.
    with django_capture_on_commit_callbacks(execute=True):
        other = client.get(url, {**QUARTER, "quarter": 2})
    assert other["Location"] != first["Location"] and ReportJob.objects.count() == 2

    # A change in the data makes a new job.
    make_point(form=reg.forms["staff"], category="duty", description="新增风险点", level=2)
    with django_capture_on_commit_callbacks(execute=True):
        changed = client.get(url, QUARTER)
    assert changed["Location"] not in (first["Location"], other["Location"])
    assert ReportJob.objects.count() == 3


def test_a_failed_job_is_not_offered_again(reg, login, demo, small_threshold):
    client = login(demo["inspector"])
    url = reverse("reports:quarterly_export", args=["GYRC", "json"])
    first = client.get(url, QUARTER)
    ReportJob.objects.all().update(state=JobState.FAILED)
    second = client.get(url, QUARTER)
    assert second["Location"] != first["Location"]


def test_audit_export_job_records_the_export(
    client, demo, settings, immediate_tasks, django_capture_on_commit_callbacks
):
    audit_record(actor=demo["staff"], action=AuditAction.LOGIN)
    settings.REPORT_SYNC_MAX_POINTS = 0
    client.force_login(demo["auditor"])
    with django_capture_on_commit_callbacks(execute=True):
        client.get(reverse("admin:audit_auditevent_export"))
    recorded = AuditEvent.objects.filter(action=AuditAction.AUDIT_EXPORT).get()
    assert recorded.actor_username == "demo_audit" and recorded.details["background"] is True


def test_scope_size_counts_without_sorting(reg, settings):
    """Risk points' default ordering joins and sorts every row of a city before the LIMIT:
    the count must not (a city-wide export request took over a second for it)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reports import exports
    from risks.models import RiskPoint

    settings.REPORT_SYNC_MAX_POINTS = 2
    with CaptureQueriesContext(connection) as queries:
        assert exports.scope_size(RiskPoint.objects.all()) == 3
    assert "ORDER BY" not in queries[0]["sql"].upper()
