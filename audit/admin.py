"""The audit log in the admin: read-only, searchable, exportable, and only for audit admins."""

import contextlib
import io
import ipaddress
import json

from django import forms
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Q
from django.db.models.functions import Upper
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.test import RequestFactory
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from openpyxl import Workbook

from audit.chain import DigestKeyMissing
from audit.enums import AuditAction
from audit.excel import append_row
from audit.models import AuditEvent
from audit.selectors import audit_events_for, may_read_audit
from audit.services import audit_digest_export, audit_record

EXPORT_MAX_ROWS = 100_000
EXPORT_HEADER = [
    "时间",
    "操作人账号",
    "操作人姓名",
    "角色",
    "单位",
    "客户端地址",
    "操作代码",
    "操作",
    "结果",
    "对象类型",
    "对象编号",
    "对象",
    "详情",
]
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Below this many rows (by PostgreSQL's estimate) the list counts exactly.
EXACT_COUNT_BELOW = 10_000
# Query parameters that do not filter the list.
NOT_FILTERS = {"p", "o", "e", "_changelist_filters"}


class EstimatedCountPaginator(Paginator):
    """Pages of the audit log without COUNT(*) over a million rows: the unfiltered list on
    PostgreSQL takes the planner's row estimate for the reader's scope (from pg_class.reltuples,
    kept by autovacuum's ANALYZE); a filtered or searched list, a small log and SQLite count
    exactly."""

    def __init__(self, *args, estimate: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.estimate = estimate
        self.estimated = False

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        connection = connections[queryset.db]
        if self.estimate and connection.vendor == "postgresql":
            rows = _planner_rows(queryset, connection)
            if rows >= EXACT_COUNT_BELOW:
                self.estimated = True
                return rows
        return queryset.count()


def _planner_rows(queryset, connection) -> int:
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


# Above every character: UPPER(col) between the word and the word + this is its prefix range.
_TOP = chr(0x10FFFF)
PREFIX_FIELDS = {
    "_s_username": "actor_username",
    "_s_name": "actor_name",
    "_s_object": "object_repr",
}


def _search(queryset, term: str):
    """Each word matches the start of the account, name or object (case-insensitive), or the
    whole object number or client address. Every branch reads an index (migration
    audit/0005_admin_search_indexes): a prefix is asked as a range on UPPER(column), which a
    plain btree serves under the code-point collations used here (C.UTF-8 on PostgreSQL,
    BINARY on SQLite) — LIKE 'x%' would need text_pattern_ops on PostgreSQL — and istartswith
    rechecks each row. Words are combined with AND, as in Django's own search."""
    queryset = queryset.alias(**{alias: Upper(field) for alias, field in PREFIX_FIELDS.items()})
    for word in term.split():
        low = word.upper()
        match = Q(object_id=word)
        for alias, field in PREFIX_FIELDS.items():
            match |= Q(**{f"{alias}__gte": low, f"{alias}__lt": low + _TOP}) & Q(
                **{f"{field}__istartswith": word}
            )
        with contextlib.suppress(ValueError):
            match |= Q(client_address=str(ipaddress.ip_address(word)))
        queryset = queryset.filter(match)
    return queryset


class ActionFilter(admin.SimpleListFilter):
    title = "操作"
    parameter_name = "action"

    def lookups(self, request, model_admin):
        return AuditAction.choices

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(action=value) if value else queryset


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = [
        "at",
        "actor_username",
        "actor_name",
        "action_label",
        "outcome",
        "object_repr",
        "client_address",
        "unit_name",
    ]
    # No date_hierarchy: its DISTINCT-by-month ran over the whole table on every page view;
    # the date filter (今天 / 过去7天 / 本月 / 今年) costs no query of its own.
    list_filter = [ActionFilter, "outcome", ("at", admin.DateFieldListFilter)]
    # Shown as the search box; the search itself is _search (prefix and exact matches only).
    search_fields = ["actor_username", "actor_name", "object_repr", "object_id", "client_address"]
    search_help_text = "按账号、姓名或对象名称的开头查找，或输入完整的对象编号、客户端地址。"
    list_per_page = 100
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    actions = None

    def get_search_results(self, request: HttpRequest, queryset, search_term: str):
        if not search_term.strip():
            return queryset, False
        return _search(queryset, search_term), False

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        unfiltered = not (set(request.GET) - NOT_FILTERS)
        return self.paginator(
            queryset, per_page, orphans, allow_empty_first_page, estimate=unfiltered
        )

    def get_queryset(self, request: HttpRequest):
        return audit_events_for(request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return may_read_audit(request.user)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return may_read_audit(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def history_view(self, request, object_id, extra_context=None):
        # Django looks the object up before checking permission and would redirect; refuse.
        if not self.has_view_permission(request):
            raise PermissionDenied
        return super().history_view(request, object_id, extra_context)

    def get_fields(self, request, obj=None):
        return [
            "at",
            "actor_username",
            "actor_name",
            "actor_roles",
            "unit_name",
            "client_address",
            "action",
            "action_label",
            "outcome",
            "object_type",
            "object_id",
            "object_repr",
            "details",
        ]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def get_urls(self):
        export = path(
            "export/",
            self.admin_site.admin_view(self.export_view),
            name="audit_auditevent_export",
        )
        digest = path(
            "digest/",
            self.admin_site.admin_view(self.digest_view),
            name="audit_auditevent_digest",
        )
        return [export, digest, *super().get_urls()]

    def digest_view(self, request: HttpRequest) -> HttpResponse:
        """A signed digest (HMAC) of a period of the whole log, to keep outside the server."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = DigestForm(request.POST or None)
        error = ""
        if request.method == "POST" and form.is_valid():
            start, end = form.cleaned_data["start"], form.cleaned_data["end"]
            try:
                digest = audit_digest_export(request=request, start=start, end=end)
            except DigestKeyMissing as exc:
                error = str(exc)
            else:
                filename = f"audit-digest-{start:%Y%m%d}-{end:%Y%m%d}.json"
                response = HttpResponse(
                    json.dumps(digest, ensure_ascii=False, indent=2),
                    content_type="application/json; charset=utf-8",
                )
                response["Content-Disposition"] = f'attachment; filename="{filename}"'
                return response
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "导出审计日志签名摘要",
            "form": form,
            "error": error,
        }
        return TemplateResponse(request, "admin/audit/auditevent/digest.html", context)

    def export_view(self, request: HttpRequest) -> HttpResponse:
        """The current list (search and filters applied) as an Excel workbook; a list of more
        than REPORT_SYNC_MAX_POINTS rows is written by the background worker (reports.exports)."""
        from reports import exports
        from reports.models import JobKind

        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return HttpResponseRedirect(reverse("admin:audit_auditevent_changelist") + "?e=1")
        queryset = changelist.get_queryset(request)
        params = {"query": request.GET.dict()}
        job = exports.job_or_none(
            request,
            kind=JobKind.AUDIT_LOG,
            fmt="xlsx",
            unit=None,
            params=params,
            size=exports.scope_size(queryset),
            stamp=exports.audit_data_stamp(queryset),
        )
        if job is not None:
            return job
        data, count = _workbook(queryset)
        audit_record(
            request=request,
            action=AuditAction.AUDIT_EXPORT,
            details={"rows": count, "filters": dict(request.GET.items())},
        )
        filename = f"audit-log-{timezone.localdate():%Y%m%d}.xlsx"
        response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


def export_for_job(*, user, params: dict, progress) -> tuple[bytes, str]:
    """The audit export in the background worker: the same list, rebuilt by the admin's own
    changelist for the requester with the query they had (reports.services.report_job_run)."""
    request = RequestFactory().get(
        reverse("admin:audit_auditevent_changelist"), params.get("query", {})
    )
    request.user = user
    model_admin = admin.site._registry[AuditEvent]
    queryset = model_admin.get_changelist_instance(request).get_queryset(request)
    progress(20, "正在写入工作簿")
    data, count = _workbook(queryset)
    audit_record(
        request=None,
        actor=user,
        action=AuditAction.AUDIT_EXPORT,
        details={"rows": count, "filters": params.get("query", {}), "background": True},
    )
    return data, f"审计日志-{timezone.localdate():%Y%m%d}.xlsx"


def _workbook(queryset) -> tuple[bytes, int]:
    rows = queryset[:EXPORT_MAX_ROWS]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("审计日志")
    append_row(sheet, EXPORT_HEADER)
    count = 0
    for event in rows.iterator(chunk_size=2000):
        count += 1
        append_row(
            sheet,
            [
                timezone.localtime(event.at).strftime("%Y-%m-%d %H:%M:%S"),
                event.actor_username,
                event.actor_name,
                event.actor_roles,
                event.unit_name,
                event.client_address or "",
                event.action,
                event.action_label,
                event.get_outcome_display(),
                event.object_type,
                event.object_id,
                event.object_repr,
                _details_text(event.details),
            ],
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), count


class DigestForm(forms.Form):
    start = forms.DateField(label="开始日期", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="结束日期", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and start > end:
            raise forms.ValidationError("开始日期不能晚于结束日期。")
        return cleaned


def _details_text(details) -> str:
    return json.dumps(details, ensure_ascii=False, sort_keys=True) if details else ""


# The second factor's devices are managed from 账号安全 and 双人审批 (audit/mfa.py), never as
# rows in the admin: django-otp's own admins are taken out.
for _device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_device_model):
        admin.site.unregister(_device_model)
