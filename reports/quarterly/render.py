"""The quarterly summary rendered: the page's context, the PDF, the files and the job."""

from __future__ import annotations

import json

from reports.pdf import html_to_pdf, render_print_html
from reports.quarterly import summary
from reports.quarterly.as_json import as_dict
from reports.quarterly.charts import heatmap_svg, progress_svg
from reports.quarterly.sections import build_summary
from reports.quarterly.summary import Summary
from reports.quarterly.tables import level_change_rows
from reports.quarterly.workbook import workbook


def template_context(s: Summary) -> dict:
    grid = [
        (s.level_label(level), [s.level_category.get((level, c.value), 0) for c in s.categories])
        for level in s.levels
    ]
    return {
        "s": s,
        "grid": grid,
        "heatmap": heatmap_svg(s),
        "progress_chart": progress_svg(s),
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
    }


def render(s: Summary, *, fmt: str) -> bytes:
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
    progress(60, "正在生成文件")
    return render(s, fmt=job.format), filename(s, job.format)
