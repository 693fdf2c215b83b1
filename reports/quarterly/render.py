"""The quarterly summary rendered: the page's context, the PDF, the files and the job."""

from __future__ import annotations

import contextlib
import datetime as dt
import json

from reports.layouts import cn_date
from reports.pdf import html_to_pdf, render_print_html
from reports.quarterly import summary
from reports.quarterly.as_json import as_dict
from reports.quarterly.charts import (
    agreement_svg,
    heatmap_svg,
    levels_by_department_svg,
    progress_svg,
    trend_svg,
)
from reports.quarterly.sections import build_summary
from reports.quarterly.summary import Summary
from reports.quarterly.tables import level_change_rows
from reports.quarterly.workbook import workbook
from riskreg.clock import today
from supervision import quarterly as supervision_quarterly


def template_context(s: Summary) -> dict:
    grid = []
    for level in s.levels:
        counts = [s.level_category.get((level, c.value), 0) for c in s.categories]
        grid.append((s.level_label(level), counts, sum(counts)))
    return {
        "s": s,
        "grid": grid,
        "heatmap": heatmap_svg(s),
        "progress_chart": progress_svg(s),
        "levels_chart": levels_by_department_svg(s),
        "agreement_chart": agreement_svg(s),
        "trend_chart": trend_svg(s),
        "multi": s.multi,
        # the same counts by category (rows) × level (columns): fits a portrait page
        "category_rows": [
            (
                c.label,
                [s.level_category.get((lv, c.value), 0) for lv in s.levels],
                sum(s.level_category.get((lv, c.value), 0) for lv in s.levels),
            )
            for c in s.categories
        ],
        "level_totals": [
            sum(s.level_category.get((lv, c.value), 0) for c in s.categories) for lv in s.levels
        ],
        "grid_totals": [
            sum(s.level_category.get((lv, c.value), 0) for lv in s.levels) for c in s.categories
        ],
        "dept_totals": [sum(e["levels"][lv] for e in s.by_department) for lv in s.levels],
        "dept_total": sum(e["total"] for e in s.by_department),
        "progress_total": sum(e["total"] for e in s.progress),
        "level_headers": [s.level_label(level) for level in s.levels],
        "dept_rows": [
            (e["unit"], e["department"], [e["levels"][lv] for lv in s.levels], e["total"])
            for e in s.by_department
        ],
        "progress_rows": [
            (e["unit"], e["department"], [e["counts"][st.value] for st in s.states], e["total"])
            for e in s.progress
        ],
        "progress_totals": [s.progress_totals[st.value] for st in s.states],
        "level_change_rows": level_change_rows(s),
        "level_change_totals": s.level_change_totals(),
        "shortened": s.shortened(),
        "supervision_groups": supervision_quarterly.table_groups(s.supervision),
    }


def render(s: Summary, *, fmt: str) -> bytes:
    if not s.submission:
        s.submission = submission_from({}, s.unit)
    if fmt == "json":
        return json.dumps(as_dict(s), ensure_ascii=False, indent=2).encode("utf-8")
    if fmt == "xlsx":
        return workbook(s)
    if fmt == "pdf":
        html = render_print_html(
            "reports/print/quarterly.html", {**template_context(s), "doc_title": s.title}
        )
        return html_to_pdf(html)
    raise ValueError(f"季度汇总不支持格式 {fmt}")


def list_limit_for(fmt: str) -> int | None:
    """How many rows of each long list a format shows: all of them in Excel and JSON."""
    return {"html": summary.PAGE_LIST_LIMIT, "pdf": summary.PDF_LIST_LIMIT}.get(fmt)


def filename(s: Summary, fmt: str) -> str:
    return f"{s.title}.{fmt}"


def render_for_job(*, job, progress) -> tuple[bytes, str]:
    """Background job entry (reports.services.report_job_run)."""
    params = job.params
    progress(20, "正在统计")
    s = build_summary(
        unit=job.unit,
        year=params["year"],
        quarter=params["quarter"],
        with_subunits=params.get("with_subunits", False),
        user=job.requested_by,
        list_limit=list_limit_for(job.format),
    )
    s.submission = params.get("submission") or submission_from({}, job.unit)
    progress(60, "正在生成文件")
    return render(s, fmt=job.format), filename(s, job.format)


# The header and footer of a summary sent upward, editable before export (GET parameters of
# the page, the downloads and the PDF job).
SUBMISSION_FIELDS = (
    ("sender", "报送单位"),
    ("sent_on", "报送日期"),
    ("doc_no", "文号"),
    ("preparer", "制表人"),
    ("reviewer", "审核人"),
)


def submission_from(data, unit) -> dict[str, str]:
    """报送单位 (default: the unit), 报送日期 (default: today; an ISO date is written out),
    文号, 制表人, 审核人 — each at most 60 characters."""
    out = {key: str(data.get(key, "")).strip()[:60] for key, _label in SUBMISSION_FIELDS}
    out["sender"] = out["sender"] or unit.name
    # An ISO date is written out; text (e.g. 2026年12月1日) is printed as typed.
    with contextlib.suppress(ValueError):
        out["sent_on"] = cn_date(dt.date.fromisoformat(out["sent_on"] or today().isoformat()))
    return out
