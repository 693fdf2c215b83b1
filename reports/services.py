"""Writes of the reports app: rendering reports into bytes, keeping the files of filed forms,
and running the background jobs. Callers have already checked access (reports.selectors)."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from reports import excel, layouts
from reports.models import JobKind, JobState, ReportFile, ReportFormat, ReportJob
from reports.pdf import html_to_pdf, render_print_html, sheets_document, sheets_to_pdf
from riskreg import clock
from risks.models import RiskForm, RiskPoint, Round
from units.models import Unit
from workflow.enums import FormState

logger = logging.getLogger(__name__)

Progress = Callable[[int, str], None]


def _clean(name: str) -> str:
    return "".join("-" if ch in '/\\:*?"<>|' else ch for ch in name).strip()


def clean_filename(name: str) -> str:
    return _clean(name)


def form_filename(form: RiskForm, fmt: str) -> str:
    draft = "" if form.state == FormState.FILED else "-草稿"
    return (
        _clean(f"{form.unit.name}-{layouts.toc_title(form)}-一览表-第{form.version}版{draft}.{fmt}")
        .replace(" ", "")
        .replace("　", "")
    )


def form_print_html(form: RiskForm) -> str:
    sheet = layouts.build_sheet(form)
    return render_print_html(
        "reports/print/form.html", {"sheet": sheet, "doc_title": sheet.title + sheet.subtitle}
    )


def render_form(*, form: RiskForm, fmt: str) -> bytes:
    """The 一览表 of a form as PDF or Excel bytes (form from reports.selectors.form_queryset)."""
    if fmt == ReportFormat.PDF:
        sheet = layouts.build_sheet(form)
        context = {"sheet": sheet, "doc_title": sheet.title + sheet.subtitle}
        return sheets_to_pdf("reports/print/form.html", context, [sheet])
    if fmt == ReportFormat.XLSX:
        return excel.form_workbook(layouts.build_sheet(form))
    raise ValueError(f"一览表不支持格式 {fmt}")


def form_report_file(*, form: RiskForm, fmt: str) -> ReportFile:
    """The stored file of a filed form: produced on first request, then reused as is."""
    if form.state != FormState.FILED:
        raise ValueError("只有已备案的一览表才存档。")
    existing = ReportFile.objects.filter(form=form, format=fmt, version=form.version).first()
    if existing is not None and existing.file and existing.file.storage.exists(existing.file.name):
        return existing
    data = render_form(form=form, fmt=fmt)
    digest = hashlib.sha256(data).hexdigest()
    if existing is not None:  # the row survived but its file was lost: produce it again
        existing.file.save(form_filename(form, fmt), ContentFile(data), save=False)
        existing.size, existing.sha256 = len(data), digest
        existing.save()
        return existing
    record = ReportFile(form=form, format=fmt, version=form.version, size=len(data), sha256=digest)
    record.file.save(form_filename(form, fmt), ContentFile(data), save=False)
    try:
        with transaction.atomic():
            record.full_clean()
            record.save()
    except IntegrityError:
        # Another request stored it first: keep theirs, drop ours.
        record.file.delete(save=False)
        return ReportFile.objects.get(form=form, format=fmt, version=form.version)
    return record


# ---------------------------------------------------------------- the register


def register_workbook(
    *, unit: Unit, round: Round | None, points: Sequence[RiskPoint], filter_text: str
) -> bytes:
    wb = excel.new_workbook()
    ws = wb.active
    ws.title = "廉政风险信息档案库"
    round_text = round.title if round else "无排查轮次"
    excel.write_table(
        ws,
        title=f"{unit.name}廉政风险信息档案库（台账）",
        subtitle=f"{round_text}　筛选：{filter_text}　导出时间：{_now_text()}",
        headers=layouts.REGISTER_HEADERS,
        widths=layouts.REGISTER_WIDTHS,
        rows=(layouts.register_row(i, p) for i, p in enumerate(points, 1)),
    )
    return excel.workbook_bytes(wb)


def register_filename(unit: Unit, fmt: str) -> str:
    return _clean(f"{unit.name}-廉政风险信息档案库-{timezone.localdate():%Y%m%d}.{fmt}")


def volume_filename(unit: Unit, round: Round | None) -> str:
    title = round.title if round else ""
    return _clean(f"{unit.name}-{title}-廉政风险防控资料汇编.pdf")


@dataclass
class VolumePart:
    """One part of the bound volume after its contents page: a title in the contents (with
    its entries, each under an optional group heading) and the template that prints it."""

    title: str
    anchor: str
    template: str
    entries: list[dict] = field(default_factory=list)
    context: dict = field(default_factory=dict)


def round_documents_context(round: Round) -> dict:
    """The 领导小组成员名单 (by role) and the 工作安排表 of a round."""
    from reports.models import GroupRole

    members = list(round.group_members.all())
    group = [
        (role.label, [m for m in members if m.role == role])
        for role in (GroupRole.LEADER, GroupRole.DEPUTY, GroupRole.MEMBER)
    ]
    return {
        "round": round,
        "group": [(label, ms) for label, ms in group if ms],
        "office": [m for m in members if m.role == GroupRole.OFFICE],
        "phases": list(round.phases.all()),
    }


def volume_parts(
    *, unit: Unit, round: Round | None, sheets: list, powers_html: str = ""
) -> list[VolumePart]:
    """The parts of the bound volume, in order: the round's documents, then the 一览表 by
    department. Other parts (the power list, the flow charts) slot into this list."""
    parts = []
    if round is not None:
        parts.append(
            VolumePart(
                "领导小组成员名单及工作安排",
                f"round-{round.pk}",
                "reports/_round_documents.html",
                entries=[
                    {"title": "领导小组成员名单", "anchor": f"round-{round.pk}-group"},
                    {"title": "工作安排表", "anchor": f"round-{round.pk}-phases"},
                ],
                context=round_documents_context(round),
            )
        )
    if (
        powers_html
    ):  # 职权目录 and 流程图, before the 一览表 (seed 002 §4: the handbook's parts 3, 5)
        parts.append(
            VolumePart(
                "清权确权：职权目录与权力运行流程图",
                "powers",
                "reports/_volume_powers.html",
                entries=[
                    {"title": "职权目录", "anchor": "powers-catalogue"},
                    {"title": "权力运行流程图", "anchor": "powers-flowcharts"},
                ],
                context={"html": powers_html},
            )
        )
    entries, last_group = [], None
    for sheet in sheets:
        group = sheet.department_name if sheet.department_name != last_group else ""
        last_group = sheet.department_name
        entries.append({"title": sheet.toc_title, "anchor": sheet.anchor, "group": group})
    parts.append(
        VolumePart(
            "廉政风险点及防控措施一览表",
            "forms",
            "reports/_volume_forms.html",
            entries=entries,
            context={"sheets": sheets},
        )
    )
    return parts


def volume_context(
    *, unit: Unit, round: Round | None, forms: Sequence[RiskForm], user: Any = None
) -> dict:
    from powers.reports import volume_part_html as powers_volume_part

    sheets = [layouts.build_sheet(form) for form in forms]
    return {
        "unit": unit,
        "round": round,
        "sheets": sheets,
        "parts": volume_parts(
            unit=unit,
            round=round,
            sheets=sheets,
            powers_html=powers_volume_part(user=user, unit=unit),
        ),
        "n_points": sum(len(form.points.all()) for form in forms),
        "generated_on": layouts.cn_date(clock.today()),
        "title": f"{unit.name}廉政风险防控资料汇编",
        "doc_title": f"{unit.name}廉政风险防控资料汇编",
    }


def volume_html(
    *, unit: Unit, round: Round | None, forms: Sequence[RiskForm], user: Any = None
) -> str:
    return render_print_html(
        "reports/print/volume.html",
        volume_context(unit=unit, round=round, forms=forms, user=user),
    )


def render_volume(
    *,
    unit: Unit,
    round: Round | None,
    forms: Sequence[RiskForm],
    progress: Progress | None = None,
    user: Any = None,
) -> bytes:
    """The bound volume (资料汇编): cover, contents with page numbers, the round's documents,
    the forms by department (laid out twice, like a single form: see reports.pdf)."""
    report = progress or (lambda pct, msg: None)
    report(20, "正在排版")
    context = volume_context(unit=unit, round=round, forms=forms, user=user)
    document = sheets_document("reports/print/volume.html", context, context["sheets"])
    report(80, f"正在生成 PDF（{len(document.pages)} 页）")
    return document.write_pdf()


def round_documents(*, round: Round, fmt: str) -> bytes:
    """The round's 领导小组成员名单 and 工作安排表 as the seeds' 附件, PDF or Excel."""
    context = round_documents_context(round)
    if fmt == ReportFormat.PDF:
        return html_to_pdf(
            render_print_html(
                "reports/print/round_documents.html",
                {"docs": context, "doc_title": f"{round.title}领导小组成员名单及工作安排表"},
            )
        )
    wb = excel.new_workbook()
    ws = wb.active
    ws.title = "领导小组成员名单"
    members = [*[m for _l, ms in context["group"] for m in ms], *context["office"]]
    excel.write_table(
        ws,
        title=f"{round.unit.name}廉政风险防控工作领导小组成员名单",
        subtitle=round.title,
        headers=["小组职务", "姓名", "单位职务"],
        widths=[12, 14, 40],
        rows=[[m.get_role_display(), m.name, m.title] for m in members],
    )
    excel.write_table(
        wb.create_sheet("工作安排表"),
        title=f"{round.unit.name}廉政风险防控工作安排表",
        subtitle=round.title,
        headers=["序号", "工作阶段", "开始日期", "完成日期", "工作内容", "完成要求"],
        widths=[6, 18, 16, 16, 50, 28],
        rows=[
            [n, p.name, p.start, p.end, p.work, p.due] for n, p in enumerate(context["phases"], 1)
        ],
    )
    return excel.workbook_bytes(wb)


def _register_for_job(job: ReportJob, progress: Progress) -> tuple[bytes, str]:
    """The register workbook with the filters the requester had chosen (params: the query)."""
    from django.http import QueryDict

    from reports import selectors
    from reports.forms import RegisterFilterForm

    unit = job.unit
    query = QueryDict(mutable=True)
    for key, value in job.params.get("query", {}).items():
        query[key] = value
    filter_form = RegisterFilterForm(
        query or None, unit=unit, default_round=selectors.default_round(unit)
    )
    round = filter_form.selected_round()
    filters = filter_form.filters()
    points = selectors.register_points(
        user=job.requested_by, unit=unit, round=round, filters=filters
    )
    progress(30, "正在生成工作簿")
    departments = dict(unit.departments.values_list("pk", "name"))
    data = register_workbook(
        unit=unit,
        round=round,
        points=list(points),
        filter_text=filters.describe(unit=unit, departments=departments),
    )
    return data, register_filename(unit, "xlsx")


def _now_text() -> str:
    return timezone.localtime().strftime("%Y-%m-%d %H:%M")


# ---------------------------------------------------------------- background jobs


def report_job_create(
    *,
    user: User,
    kind: str,
    unit: Unit | None,
    fmt: str,
    params: dict[str, Any],
    fingerprint: str = "",
) -> ReportJob:
    """Record a job and hand it to the worker once the transaction commits."""
    from reports.tasks import run_report_job

    job = ReportJob(
        kind=kind,
        unit=unit,
        format=fmt,
        params=params,
        requested_by=user,
        fingerprint=fingerprint,
    )
    job.full_clean()
    job.save()
    job_id = str(job.pk)
    transaction.on_commit(lambda: run_report_job.enqueue(job_id))
    return job


def _job_progress(job: ReportJob) -> Progress:
    def report(pct: int, message: str) -> None:
        ReportJob.objects.filter(pk=job.pk).update(progress=pct, message=message)

    return report


def may_read_job(user, job: ReportJob) -> bool:
    """Whether the user may still read what the job reports on (checked again at run time and
    at download: a role lost since the request means no file)."""
    from access.rules import can_read_quarterly, can_read_register
    from audit.selectors import may_read_audit

    if job.kind == JobKind.AUDIT_LOG:
        return may_read_audit(user)
    if job.kind == JobKind.QUARTERLY:
        return can_read_quarterly(user, job.unit)
    return can_read_register(user, job.unit)


def report_job_run(*, job_id: str, worker_id: str = "") -> None:
    """Build a job's file. Access is checked again as the requester, at run time: a role lost
    since the request means no file. The job records its worker, so that another worker takes
    it over if this one dies (ops/workers.py)."""
    from django.db.models import F

    from reports import selectors

    job = ReportJob.objects.select_related("unit", "requested_by").get(pk=job_id)
    if job.is_finished:
        return
    ReportJob.objects.filter(pk=job.pk).update(
        state=JobState.RUNNING,
        progress=5,
        message="正在读取数据",
        worker_id=worker_id[:64],
        attempts=F("attempts") + 1,
    )
    report = _job_progress(job)
    try:
        user = job.requested_by
        if not may_read_job(user, job):
            raise PermissionError("无权查看该单位的报表。")
        if job.kind == JobKind.VOLUME:
            round = Round.objects.filter(unit=job.unit, pk=job.params.get("round")).first()
            forms = selectors.volume_forms(user=user, unit=job.unit, round=round)
            data = render_volume(
                unit=job.unit, round=round, forms=forms, progress=report, user=user
            )
            filename = volume_filename(job.unit, round)
        elif job.kind == JobKind.REGISTER:
            data, filename = _register_for_job(job, report)
        elif job.kind == JobKind.AUDIT_LOG:
            from audit.admin import export_for_job

            data, filename = export_for_job(user=user, params=job.params, progress=report)
        else:
            from reports import quarterly

            data, filename = quarterly.render_for_job(job=job, progress=report)
        job.file.save(filename, ContentFile(data), save=False)
        job.filename = filename
        job.state, job.progress, job.message = JobState.DONE, 100, "已完成"
    except Exception as exc:  # the user sees the failure; the log keeps the traceback
        logger.exception("report job %s failed", job_id)
        job.state = JobState.FAILED
        job.message = (
            str(exc)[:200] if isinstance(exc, PermissionError) else "生成失败，请联系管理员。"
        )
    job.finished_at = timezone.now()
    job.save(update_fields=["file", "filename", "state", "progress", "message", "finished_at"])
