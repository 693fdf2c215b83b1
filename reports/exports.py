"""Large exports go to the background worker; finished files are offered again until the data
changes.

One helper for every export view (the quarterly workbook/JSON/PDF, the register workbook, the
audit-log export): a scope of at most `REPORT_SYNC_MAX_POINTS` risk points (audit rows for the
audit export) is answered in the request; above it the view gets back a redirect to a job's
progress page. Jobs are keyed by a fingerprint of the export's parameters and of its data's last
change, so the same export asked again with nothing changed finds the job already queued,
running or done instead of building the file again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Min, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from reports.models import JobState, ReportJob
from riskreg import clock


def is_large(size: int) -> bool:
    return size > settings.REPORT_SYNC_MAX_POINTS


def scope_size(queryset: QuerySet) -> int:
    """How many rows, counted no further than the threshold (a LIMIT subquery, cheap even on
    a million rows). Unordered: a model's default ordering (risk points sort across their form,
    round, department and post) would sort every row of a city before the LIMIT."""
    return queryset.order_by()[: settings.REPORT_SYNC_MAX_POINTS + 1].count()


def risk_data_stamp(unit_ids: Iterable[int]) -> list[Any]:
    """The last change to the risk data of these units: forms (saved, versioned), their points
    and their transitions. Any save of a point saves its form (revision), and every workflow
    step writes a transition row."""
    from risks.models import RiskForm, RiskPoint
    from workflow.models import TransitionLog

    unit_ids = sorted(unit_ids)
    forms = RiskForm.objects.filter(unit_id__in=unit_ids).aggregate(
        n=Count("id"), last=Max("updated_at")
    )
    points = RiskPoint.objects.filter(form__unit_id__in=unit_ids).aggregate(
        n=Count("id"), top=Max("id")
    )
    steps = TransitionLog.objects.filter(form__unit_id__in=unit_ids).aggregate(
        n=Count("id"), last=Max("created_at")
    )
    return [unit_ids, forms, points, steps]


def audit_data_stamp(queryset: QuerySet) -> list[Any]:
    """The audit log is append-only: new rows raise the highest id, a purge raises the lowest."""
    return [queryset.aggregate(first=Min("id"), last=Max("id"))]


def fingerprint(*, kind: str, fmt: str, params: dict[str, Any], stamp: list[Any]) -> str:
    # The day too: a file carries its date (导出时间, as_of), so it is built again each day.
    key = [kind, fmt, params, stamp, clock.today().isoformat()]
    return hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()


def job_or_none(
    request: HttpRequest,
    *,
    kind: str,
    fmt: str,
    unit,
    params: dict[str, Any],
    size: int,
    stamp: list[Any] | None = None,
    always: bool = False,
) -> HttpResponse | None:
    """None when the export is small enough to answer in the request; else a redirect to the
    progress page of the job building it — an unchanged earlier one if there is one."""
    from reports.services import report_job_create

    if not always and not is_large(size):
        return None
    if stamp is None:
        stamp = risk_data_stamp([unit.pk])
    key = fingerprint(kind=kind, fmt=fmt, params=params, stamp=stamp)
    reusable = (
        ReportJob.objects.filter(requested_by=request.user, fingerprint=key)
        .exclude(state=JobState.FAILED)
        .first()
    )
    if reusable is not None and (reusable.state != JobState.DONE or _file_kept(reusable)):
        return redirect("reports:job", pk=reusable.pk)
    job = report_job_create(
        user=request.user, kind=kind, unit=unit, fmt=fmt, params=params, fingerprint=key
    )
    return redirect("reports:job", pk=job.pk)


def _file_kept(job: ReportJob) -> bool:
    return bool(job.file) and job.file.storage.exists(job.file.name)
