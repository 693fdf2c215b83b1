"""Pages of supervision. Thin: access through supervision.access / selectors (no access → 404,
may read but not act → 403), writes through supervision.services."""

import datetime
import mimetypes

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from access import rules as roles
from audit.enums import AuditAction
from audit.net import client_address
from audit.services import audit_record
from riskreg import clock
from supervision import access, documents, selectors, services
from supervision.enums import Action, DispositionKind, RecordKind
from supervision.forms import (
    CorrectionForm,
    DispositionForm,
    FindingForm,
    ProposalForm,
    UnitSettingsForm,
    WarningForm,
)
from supervision.models import Evidence, UnitSettings
from units.models import Unit


def _sweep() -> None:
    """Deadlines are checked when pages open too (besides the daily command)."""
    services.overdue_sweep()


def _unit_for_issuing(request: HttpRequest, units: list[Unit] | None = None) -> Unit:
    """The unit a 纪检 works on (?unit=CODE, default their first): anyone else gets 404.
    `units` narrows or widens the choice (findings: also where 廉防办 is allowed)."""
    units = access.inspected_units(request.user) if units is None else units
    if not units:
        raise Http404("没有找到该页面。")
    code = request.GET.get("unit") or request.POST.get("unit_code")
    if code:
        for unit in units:
            if unit.code == code:
                return unit
        raise Http404("没有找到该单位。")
    return sorted(units, key=lambda u: u.path)[0]


def _refused(request: HttpRequest, error: services.SupervisionError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _detail_context(request: HttpRequest, record) -> dict:
    """The record, its log, the buttons this user may press now, and the 更正 form if allowed."""
    available = selectors.available_actions(request.user, record)
    may_correct = any(t.action == Action.CORRECT for t in available)
    names = services.CORRECTABLE[type(record)]
    return {
        "record": record,
        "log": selectors.log_of(record),
        "actions": [t for t in available if t.action != Action.CORRECT],
        "correction_form": CorrectionForm(record=record, names=names) if may_correct else None,
        "kind": services.KIND_OF[type(record)].value,
    }


# ------------------------------------------------------------------------- overview pages


def _create_page(request: HttpRequest, *, form, unit, title: str, units=None) -> HttpResponse:
    """The one page on which 纪检 records a finding, a warning, a disposition or a proposal
    (廉防办 a finding, where allowed)."""
    return render(
        request,
        "supervision/create.html",
        {
            "form": form,
            "unit": unit,
            "title": title,
            "units": access.inspected_units(request.user) if units is None else units,
            "has_desk": access.may_use_desk(request.user),
        },
    )


@login_required
@require_GET
def desk(request: HttpRequest) -> HttpResponse:
    if not access.may_use_desk(request.user):
        raise Http404("没有找到该页面。")
    _sweep()
    d = selectors.desk(request.user)
    unit_settings = [
        (unit, UnitSettingsForm(instance=UnitSettings.of(unit), prefix=unit.code))
        for unit in d.units
    ]
    return render(request, "supervision/desk.html", {"d": d, "unit_settings": unit_settings})


@login_required
@require_POST
def unit_settings(request: HttpRequest, code: str) -> HttpResponse:
    """纪检 sets a unit's supervision settings (廉防办 may record findings; grade wording)."""
    unit = next((u for u in access.inspected_units(request.user) if u.code == code), None)
    if unit is None:
        raise Http404("没有找到该单位。")
    current = UnitSettings.of(unit)
    before = {"office_records_findings": current.office_records_findings,
              "grade_wording": current.grade_wording}  # fmt: skip
    form = UnitSettingsForm(request.POST, instance=current, prefix=unit.code)
    if not form.is_valid():
        messages.error(request, "监督设置未保存：请检查所填内容。")
        return redirect("supervision:desk")
    settings = form.save(commit=False)
    settings.updated_by = roles.person_for(request.user)
    after = {"office_records_findings": settings.office_records_findings,
             "grade_wording": settings.grade_wording}  # fmt: skip
    changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if changes or settings.pk is None:
        settings.full_clean()
        settings.save()
        audit_record(
            request=request,
            action=AuditAction.SUPERVISION_SETTINGS,
            obj=settings,
            details={"unit": unit.code, "changes": changes},
        )
    messages.success(request, f"{unit.name}的监督设置已保存。")
    return redirect("supervision:desk")


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    _sweep()
    return render(
        request,
        "supervision/mine.html",
        {"r": selectors.my_records(request.user), "today": clock.today()},
    )


# ------------------------------------------------------------------------- 监督发现


@login_required
@require_GET
def finding_list(request: HttpRequest) -> HttpResponse:
    if not access.may_list_findings(request.user):
        raise Http404("没有找到该页面。")
    return render(
        request,
        "supervision/finding_list.html",
        {"findings": selectors.findings_list(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def finding_create(request: HttpRequest) -> HttpResponse:
    units = access.finding_units(request.user)
    unit = _unit_for_issuing(request, units)
    form = FindingForm(request.POST or None, unit=unit, initial={"found_on": clock.today()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            finding = services.finding_record(
                actor=request.user,
                unit=unit,
                source=data["source"],
                found_on=data["found_on"],
                text=data["text"],
                subject_kind=data["subject_kind"],
                subject_person=data["subject_person"],
                subject_post=data["subject_post"],
                subject_department=data["subject_department"],
                risk_points=data["risk_points"],
            )
        except services.SupervisionError as error:
            _refused(request, error)
        else:
            messages.success(request, "监督发现已登记。")
            return redirect("supervision:finding", finding.pk)
    return _create_page(request, form=form, unit=unit, title="登记监督发现", units=units)


@login_required
@require_GET
def finding_detail(request: HttpRequest, pk: int) -> HttpResponse:
    finding = selectors.finding_for(request.user, pk)
    return render(
        request,
        "supervision/finding_detail.html",
        {
            **_detail_context(request, finding),
            "points": finding.risk_points.select_related("form"),
            "warnings": finding.warnings.select_related("unit__supervision_settings"),
            "dispositions": finding.dispositions.select_related("subject"),
            "may_issue": access.may_issue(request.user, finding.unit),
        },
    )


# ------------------------------------------------------------------------- 预警


@login_required
@require_http_methods(["GET", "POST"])
def warning_create(request: HttpRequest) -> HttpResponse:
    unit = _unit_for_issuing(request)
    initial = {"reply_due": clock.today() + datetime.timedelta(days=15)}
    finding_id = request.GET.get("finding")
    if finding_id and finding_id.isdigit():
        initial["finding"] = finding_id
    form = WarningForm(request.POST or None, unit=unit, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        by_department = data["recipient_kind"] == "department"
        try:
            warning = services.warning_issue(
                actor=request.user,
                unit=unit,
                grade=data["grade"],
                recipient=None if by_department else data["recipient"],
                recipient_department=data["recipient_department"] if by_department else None,
                risk_text=data["risk_text"],
                requirement=data["requirement"],
                reply_due=data["reply_due"],
                finding=data["finding"],
                risk_points=data["risk_points"],
            )
        except services.SupervisionError as error:
            _refused(request, error)
        else:
            messages.success(request, f"预警已开具，文号 {warning.doc_number}。")
            return redirect("supervision:warning", warning.pk)
    return _create_page(request, form=form, unit=unit, title="开具预警")


@login_required
@require_GET
def warning_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _sweep()
    warning = selectors.warning_for(request.user, pk)
    return render(
        request,
        "supervision/warning_detail.html",
        {**_detail_context(request, warning), "points": warning.risk_points.select_related("form")},
    )


@login_required
@require_GET
def warning_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    warning = selectors.warning_for(request.user, pk)
    data = documents.warning_notice_pdf(warning)
    audit_record(
        request=request,
        action=AuditAction.EXPORT,
        obj=warning,
        details={"report": "warning_notice", "format": "pdf"},
    )
    return documents.pdf_response(
        data,
        filename=f"廉政风险预警提示书{warning.doc_number}.pdf",
        fallback=f"warning-{warning.pk}.pdf",
    )


# ------------------------------------------------------------------------- 处置


@login_required
@require_http_methods(["GET", "POST"])
def disposition_create(request: HttpRequest, kind: str) -> HttpResponse:
    unit = _unit_for_issuing(request)
    try:
        kind = DispositionKind(kind)
    except ValueError:
        raise Http404("未知的处置方式。") from None
    initial = {"decided_on": clock.today()}
    for name in ("finding", "warning"):
        value = request.GET.get(name)
        if value and value.isdigit():
            initial[name] = value
    form = DispositionForm(request.POST or None, unit=unit, kind=kind, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            disposition = services.disposition_issue(
                actor=request.user,
                unit=unit,
                kind=kind,
                subject=data["subject"],
                subject_department=data.get("subject_department"),
                basis=data["basis"],
                finding=data["finding"],
                warning=data["warning"],
                risk_points=data["risk_points"],
                items=data.get("items", ()),
                decided_on=data["decided_on"],
                **form.record_fields(),
            )
        except services.SupervisionError as error:
            _refused(request, error)
        else:
            messages.success(request, f"{kind.label}已登记。")
            return redirect("supervision:disposition", disposition.pk)
    return _create_page(request, form=form, unit=unit, title=f"登记处置：{kind.label}")


@login_required
@require_GET
def disposition_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _sweep()
    disposition = selectors.disposition_for(request.user, pk)
    items = selectors.visible_items(request.user, disposition)
    for item in items:
        item.actions = selectors.available_actions(request.user, item)
    return render(
        request,
        "supervision/disposition_detail.html",
        {
            **_detail_context(request, disposition),
            "items": items,
            "points": disposition.risk_points.select_related("form"),
            "is_talk": disposition.kind in DispositionKind.talks(),
        },
    )


@login_required
@require_GET
def talk_record_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    disposition = selectors.disposition_for(request.user, pk)
    if disposition.kind not in DispositionKind.talks():
        raise Http404("此处置没有谈话记录。")
    data = documents.talk_record_pdf(disposition)
    audit_record(
        request=request,
        action=AuditAction.EXPORT,
        obj=disposition,
        details={"report": "talk_record", "format": "pdf"},
    )
    return documents.pdf_response(
        data,
        filename=f"谈话记录（{disposition.subject.name}）.pdf",
        fallback=f"talk-{disposition.pk}.pdf",
    )


# ------------------------------------------------------------------------- 提高等级建议


@login_required
@require_http_methods(["GET", "POST"])
def proposal_create(request: HttpRequest) -> HttpResponse:
    unit = _unit_for_issuing(request)
    form = ProposalForm(request.POST or None, unit=unit)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            proposal = services.proposal_issue(
                actor=request.user,
                point=data["point"],
                proposed_level=data["proposed_level"],
                reason=data["reason"],
                finding=data["finding"],
            )
        except services.SupervisionError as error:
            _refused(request, error)
        else:
            messages.success(request, "提高等级建议已提出，待该一览表集体审定时答复。")
            return redirect("supervision:proposal", proposal.pk)
    return _create_page(request, form=form, unit=unit, title="提出提高等级建议")


@login_required
@require_GET
def proposal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = selectors.proposal_for(request.user, pk)
    return render(request, "supervision/proposal_detail.html", _detail_context(request, proposal))


# ------------------------------------------------------------------------- acting


RECORD_GETTERS = {
    RecordKind.FINDING: selectors.finding_for,
    RecordKind.WARNING: selectors.warning_for,
    RecordKind.DISPOSITION: selectors.disposition_for,
    RecordKind.ITEM: selectors.item_for,
    RecordKind.PROPOSAL: selectors.proposal_for,
}


@login_required
@require_POST
def act(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """One endpoint for every action on every record: the service decides."""
    try:
        getter = RECORD_GETTERS[RecordKind(kind)]
        action = Action(request.POST.get("action", ""))
    except ValueError:
        raise Http404("未知的操作。") from None
    record = getter(request.user, pk)
    back = services.record_url(record)
    comment = request.POST.get("comment", "")
    extra = {}
    if action == Action.CORRECT:
        comment = request.POST.get("reason", "")
        name = request.POST.get("field", "")
        extra["changes"] = {name: request.POST.get("value", "")} if name else {}
    try:
        services.record_transition(
            record=record,
            action=action,
            actor=request.user,
            comment=comment,
            files=request.FILES.getlist("files"),
            extra=extra,
            client_address=client_address(request),
        )
    except services.ActionForbidden as error:
        raise PermissionDenied(" ".join(error.messages)) from error
    except services.ActionRefused as error:
        _refused(request, error)
        return redirect(back)
    messages.success(request, f"{action.label}完成，现为「{record.get_state_display()}」。")
    return redirect(back)


@login_required
@require_GET
def evidence_file(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = get_object_or_404(Evidence.objects.select_related("entry"), pk=pk)
    record = services.record_of(evidence.entry)
    if not access.can_view(request.user, record):
        raise Http404("没有找到该附件。")
    audit_record(
        request=request,
        action=AuditAction.DOWNLOAD,
        obj=record,
        details={"report": "supervision_evidence", "file": evidence.file.name},
    )
    content_type = mimetypes.guess_type(evidence.file.name)[0] or "application/octet-stream"
    return FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=evidence.name,
        content_type=content_type,
    )
