"""Report pages and downloads. Thin: access through reports.selectors (404 when not visible),
bytes from reports.services."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_POST

from access.rules import can_read_quarterly
from audit.enums import AuditAction
from audit.services import audit_record
from reports import exports, layouts, quarterly, selectors, services
from reports.forms import RegisterFilterForm
from reports.models import CONTENT_TYPES, JobKind, JobState, ReportFormat, ReportJob
from riskreg import clock
from risks.models import Round
from workflow.enums import FormState

REGISTER_PAGE_SIZE = 100


def content_disposition(filename: str, fallback: str) -> str:
    """attachment with an ASCII fallback name and the real (Chinese) name per RFC 5987/6266."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


def _bytes_response(data: bytes, *, fmt: str, filename: str, fallback: str) -> HttpResponse:
    response = HttpResponse(data, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = content_disposition(filename, fallback)
    return response


def _file_response(fieldfile, *, fmt: str, filename: str, fallback: str) -> FileResponse:
    response = FileResponse(fieldfile.open("rb"), content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = content_disposition(filename, fallback)
    return response


def _audit_export(request: HttpRequest, *, obj, report: str, fmt: str, **details) -> None:
    """Every export and download goes to the security log: who, which report, which object."""
    action = AuditAction.DOWNLOAD if report == "job" else AuditAction.EXPORT
    audit_record(
        request=request,
        action=action,
        obj=obj,
        details={"report": report, "format": fmt, **details},
    )


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """报表: the registers the user may open."""
    units = selectors.register_units(request.user)
    summary_units = [u for u in units if can_read_quarterly(request.user, u)]
    return render(request, "reports/index.html", {"units": units, "summary_units": summary_units})


@login_required
def form_html(request: HttpRequest, pk: int) -> HttpResponse:
    form = selectors.form_for_report(user=request.user, pk=pk)
    return render(
        request,
        "reports/form.html",
        {
            "form": form,
            "sheet": layouts.build_sheet(form),
            "is_filed": form.state == FormState.FILED,
        },
    )


def _form_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    form = selectors.form_for_report(user=request.user, pk=pk)
    filename = services.form_filename(form, fmt)
    fallback = f"riskform-{form.pk}-v{form.version}.{fmt}"
    if form.state == FormState.FILED:
        stored = services.form_report_file(form=form, fmt=fmt)
        _audit_export(request, obj=form, report="form", fmt=fmt, version=form.version, filed=True)
        return _file_response(stored.file, fmt=fmt, filename=filename, fallback=fallback)
    data = services.render_form(form=form, fmt=fmt)
    _audit_export(request, obj=form, report="form", fmt=fmt, version=form.version, filed=False)
    return _bytes_response(data, fmt=fmt, filename=filename, fallback=fallback)


@login_required
def form_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return _form_download(request, pk, ReportFormat.PDF)


@login_required
def form_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    return _form_download(request, pk, ReportFormat.XLSX)


def _register_query(request: HttpRequest, code: str):
    unit = selectors.register_unit(user=request.user, code=code)
    filter_form = RegisterFilterForm(
        request.GET or None, unit=unit, default_round=selectors.default_round(unit)
    )
    round = filter_form.selected_round()
    filters = filter_form.filters()
    form_ids = selectors.register_form_ids(user=request.user, unit=unit, round=round)
    points = selectors.register_points(
        user=request.user, unit=unit, round=round, filters=filters, form_ids=form_ids
    )
    return unit, filter_form, round, filters, points, form_ids


class _Counted:
    """What the paginator checks the page number against: a size known beforehand (the rows
    themselves are read, or found in the cache, once the page is known)."""

    def __init__(self, n: int) -> None:
        self.n = n

    def count(self) -> int:
        return self.n

    def __getitem__(self, index: slice) -> range:
        return range(self.n)[index]


# The register's table is read very often and changes rarely: its count and each page's rows
# (with their HTML) stay in the cache under a key made of the data's last change and the
# reader's access answer (selectors.register_cache_key), so any change shows on the next page.
# Who may open the register is still asked on every request.
REGISTER_CACHE_SECONDS = 3600


@login_required
def register(request: HttpRequest, code: str) -> HttpResponse:
    """台账 / 廉政风险信息档案库: the unit's filed risk points, filtered."""
    unit, filter_form, round, filters, points, form_ids = _register_query(request, code)
    key = selectors.register_cache_key(unit=unit, round=round, filters=filters, form_ids=form_ids)
    count = cache.get_or_set(f"{key}:count", points.count, REGISTER_CACHE_SECONDS)
    page = Paginator(_Counted(count), REGISTER_PAGE_SIZE).get_page(request.GET.get("page"))
    table = cache.get(f"{key}:page:{page.number}")
    if table is None:
        start = (page.number - 1) * REGISTER_PAGE_SIZE
        found = selectors.KeysFirst(points)[start : start + REGISTER_PAGE_SIZE]
        rows = [layouts.register_row(start + i, p) for i, p in enumerate(found, 1)]
        html = render_to_string(
            "reports/_register_rows.html", {"rows": rows, "headers": layouts.REGISTER_HEADERS}
        )
        table = {"rows": rows, "html": html}
        cache.set(f"{key}:page:{page.number}", table, REGISTER_CACHE_SECONDS)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "reports/register.html",
        {
            "unit": unit,
            "filter_form": filter_form,
            "round": round,
            "page": page,
            "rows": table["rows"],
            "rows_html": table["html"],
            "headers": layouts.REGISTER_HEADERS,
            "query": query.urlencode(),
            "jobs": ReportJob.objects.filter(requested_by=request.user, unit=unit)[:5],
        },
    )


@login_required
def register_xlsx(request: HttpRequest, code: str) -> HttpResponse:
    unit, _filter_form, round, filters, points, _form_ids = _register_query(request, code)
    large = _large_export(
        request,
        kind=JobKind.REGISTER,
        unit=unit,
        fmt=ReportFormat.XLSX,
        params={"query": request.GET.dict()},
        size=exports.scope_size(points),
    )
    if large is not None:
        return large
    departments = dict(unit.departments.values_list("pk", "name"))
    data = services.register_workbook(
        unit=unit,
        round=round,
        points=list(points),
        filter_text=filters.describe(unit=unit, departments=departments),
    )
    _audit_export(
        request,
        obj=unit,
        report="register",
        fmt=ReportFormat.XLSX,
        round=round.pk if round else None,
        filters=request.GET.dict(),
    )
    return _bytes_response(
        data,
        fmt=ReportFormat.XLSX,
        filename=services.register_filename(unit, "xlsx"),
        fallback=f"register-{unit.code}.xlsx",
    )


@login_required
@require_POST
def volume_request(request: HttpRequest, code: str) -> HttpResponse:
    """Ask the worker for the bound volume (资料汇编) of a round; follow it on the job page."""
    unit = selectors.register_unit(user=request.user, code=code)
    filter_form = RegisterFilterForm(
        request.POST, unit=unit, default_round=selectors.default_round(unit)
    )
    round = filter_form.selected_round()
    return _large_export(
        request,
        kind=JobKind.VOLUME,
        unit=unit,
        fmt=ReportFormat.PDF,
        params={"round": round.pk if round else None},
        always=True,
    )


@login_required
def round_documents(request: HttpRequest, code: str, round_id: int, fmt: str) -> HttpResponse:
    """The round's 领导小组成员名单 and 工作安排表 (the seeds' 附件), PDF or Excel."""
    if fmt not in (ReportFormat.PDF, ReportFormat.XLSX):
        raise Http404
    unit = selectors.register_unit(user=request.user, code=code)
    round = get_object_or_404(Round.objects.select_related("unit"), pk=round_id, unit=unit)
    data = services.round_documents(round=round, fmt=fmt)
    _audit_export(request, obj=round, report="round_documents", fmt=fmt)
    return _bytes_response(
        data,
        fmt=fmt,
        filename=services.clean_filename(f"{unit.name}-{round.title}-领导小组及工作安排.{fmt}"),
        fallback=f"round-{round.pk}-documents.{fmt}",
    )


def _own_job(request: HttpRequest, pk) -> ReportJob:
    """A job is seen by its requester only, and only while they may still read the unit."""
    job = get_object_or_404(
        ReportJob.objects.select_related("unit"), pk=pk, requested_by=request.user
    )
    if not services.may_read_job(request.user, job):
        raise Http404
    return job


@login_required
def job(request: HttpRequest, pk) -> HttpResponse:
    job = _own_job(request, pk)
    template = (
        "reports/_job_status.html" if request.headers.get("HX-Request") else "reports/job.html"
    )
    return render(request, template, {"job": job, "done": job.state == JobState.DONE})


@login_required
def job_download(request: HttpRequest, pk) -> HttpResponse:
    job = _own_job(request, pk)
    if job.state != JobState.DONE or not job.file:
        raise Http404("文件尚未生成。")
    _audit_export(request, obj=job, report="job", fmt=job.format, kind=job.kind, job=str(job.pk))
    return _file_response(
        job.file, fmt=job.format, filename=job.filename, fallback=f"report-{job.pk}.{job.format}"
    )


def _quarter_params(request: HttpRequest) -> tuple[int, int, bool]:
    """Year and quarter from the query; bad or missing values fall back to the current quarter."""
    today = clock.today()
    try:
        year = int(request.GET.get("year", today.year))
        quarter = int(request.GET.get("quarter", (today.month - 1) // 3 + 1))
    except ValueError:
        year, quarter = today.year, (today.month - 1) // 3 + 1
    if not (2000 <= year <= 2100 and 1 <= quarter <= 4):
        year, quarter = today.year, (today.month - 1) // 3 + 1
    return year, quarter, request.GET.get("subunits") == "1"


@login_required
def quarterly_view(request: HttpRequest, code: str) -> HttpResponse:
    """季度汇总 for discipline inspection."""
    unit = selectors.summary_unit(user=request.user, code=code)
    year, quarter, subunits = _quarter_params(request)
    summary = quarterly.build_summary(
        unit=unit,
        year=year,
        quarter=quarter,
        with_subunits=subunits,
        user=request.user,
        list_limit=quarterly.list_limit_for("html"),
        by_unit_above=quarterly.PAGE_UNIT_ROWS,
    )
    summary.submission = quarterly.submission_from(request.GET, unit)
    query = urlencode(
        {
            "year": year,
            "quarter": quarter,
            **({"subunits": 1} if subunits else {}),
            **{
                key: request.GET[key]
                for key, _ in quarterly.SUBMISSION_FIELDS
                if key in request.GET
            },
        }
    )
    return render(
        request,
        "reports/quarterly.html",
        {
            **quarterly.template_context(summary),
            "unit": unit,
            "quarters": (1, 2, 3, 4),
            "submission_fields": [
                (key, label, summary.submission[key]) for key, label in quarterly.SUBMISSION_FIELDS
            ],
            "query": query,
        },
    )


@login_required
def quarterly_export(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    if fmt not in (ReportFormat.XLSX, ReportFormat.JSON, ReportFormat.PDF):
        raise Http404
    unit = selectors.summary_unit(user=request.user, code=code)
    year, quarter, subunits = _quarter_params(request)
    large = _quarterly_job(request, unit, fmt=fmt, year=year, quarter=quarter, subunits=subunits)
    if large is not None:
        return large
    summary = quarterly.build_summary(
        unit=unit,
        year=year,
        quarter=quarter,
        with_subunits=subunits,
        user=request.user,
        list_limit=quarterly.list_limit_for(fmt),
    )
    summary.submission = quarterly.submission_from(request.GET, unit)
    data = quarterly.render(summary, fmt=fmt)
    _audit_export(
        request,
        obj=unit,
        report="quarterly",
        fmt=fmt,
        year=year,
        quarter=quarter,
        subunits=subunits,
    )
    return _bytes_response(
        data,
        fmt=fmt,
        filename=quarterly.filename(summary, fmt),
        fallback=f"quarterly-{unit.code}-{year}Q{quarter}.{fmt}",
    )


@login_required
@require_POST
def quarterly_job(request: HttpRequest, code: str) -> HttpResponse:
    """The summary's PDF (possibly over many sub-units) by the background worker."""
    unit = selectors.summary_unit(user=request.user, code=code)
    year, quarter, subunits = _quarter_params(request)
    return _quarterly_job(
        request,
        unit,
        fmt=ReportFormat.PDF,
        year=year,
        quarter=quarter,
        subunits=subunits,
        always=True,
    )


def _quarterly_job(request, unit, *, fmt, year, quarter, subunits, always=False):
    """The summary as PDF is always a job (it never renders in the request: one unit's PDF of
    a few hundred points already takes seconds, its lists laid out page by page — see
    docs/benchmarks.md); the workbook and JSON when the scope holds more than
    REPORT_SYNC_MAX_POINTS points."""
    from risks.models import RiskPoint

    units = quarterly.summary_units(unit, subunits)
    return _large_export(
        request,
        kind=JobKind.QUARTERLY,
        unit=unit,
        fmt=fmt,
        params={
            "year": year,
            "quarter": quarter,
            "with_subunits": subunits,
            "submission": quarterly.submission_from(request.GET, unit),
        },
        size=exports.scope_size(RiskPoint.objects.filter(form__unit__in=units)),
        stamp=exports.risk_data_stamp(u.pk for u in units),
        always=always or fmt == ReportFormat.PDF,
    )


def _large_export(request, *, kind, unit, fmt, params, size=0, stamp=None, always=False):
    """The one place deciding between the file now and a background job (reports.exports)."""
    return exports.job_or_none(
        request,
        kind=kind,
        unit=unit,
        fmt=fmt,
        params=params,
        size=size,
        stamp=stamp,
        always=always,
    )
