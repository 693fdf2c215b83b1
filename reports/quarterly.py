"""The quarterly summary for discipline inspection (季度汇总), for a unit and optionally its
sub-units: progress of the round by state and department, risk points by level × category (a
heat map drawn as server-side SVG, so the HTML and the PDF show the same chart) and by
department, key posts with level-1 points, forms re-rated in the quarter, overdue forms.

Every table is one grouped query over the whole set of units, so the number of queries does not
grow with the number of units or points. Only forms the reader may see count
(risks.permissions.forms_visible_to); the command line reads unscoped (selectors.OPERATOR).

Not here yet, because they need the workflow's records: levels raised or lowered and when,
objections raised and answered, dispositions issued. `Summary.pending` names them and the JSON
lists them under "not_yet_available" so upstream systems can tell "none" from "not reported".
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from reports import excel
from reports.pdf import html_to_pdf, render_print_html
from reports.selectors import OPERATOR, Reader, scoped_forms
from risks.enums import RiskCategory, RiskLevel
from risks.models import RiskForm, RiskPoint
from units.models import Department, Unit
from workflow.enums import FormState

SCHEMA = "riskreg.quarterly/1"
PENDING = (
    ("levels_raised_lowered", "风险等级上调、下调情况"),
    ("objections", "异议提出与答复情况"),
    ("dispositions", "警示提醒、诫勉谈话、责令限期整改等处置情况"),
)
# The deadline a form in each state is waiting on (Round fields).
DEADLINE_BY_STATE = {
    FormState.DRAFT: "self_check_deadline",
    FormState.DEPT_REVIEW: "dept_review_deadline",
    FormState.MASS_REVIEW: "mass_review_deadline",
    FormState.COLLECTIVE: "collective_deadline",
}
UNRATED = 0


@dataclass
class Summary:
    unit: Unit
    units: list[Unit]
    year: int
    quarter: int
    with_subunits: bool
    period_start: dt.date
    period_end: dt.date  # inclusive
    as_of: dt.date
    progress: list[dict] = field(default_factory=list)
    progress_totals: dict[str, int] = field(default_factory=dict)
    level_category: dict[tuple[int, str], int] = field(default_factory=dict)
    by_department: list[dict] = field(default_factory=list)
    key_level1: list[dict] = field(default_factory=list)
    rerated: list[dict] = field(default_factory=list)
    overdue: list[dict] = field(default_factory=list)

    @property
    def title(self) -> str:
        scope = "（含下级单位）" if self.with_subunits else ""
        return f"{self.unit.name}{scope}{self.year}年第{self.quarter}季度廉政风险防控情况汇总"

    @property
    def states(self) -> list[FormState]:
        return list(FormState)

    @property
    def levels(self) -> list[int]:
        return [level.value for level in RiskLevel] + [UNRATED]

    @property
    def categories(self) -> list[RiskCategory]:
        return list(RiskCategory)

    def level_label(self, level: int) -> str:
        return "未定级" if level == UNRATED else self.unit.level_label(level)

    @property
    def pending(self) -> list[str]:
        return [label for _key, label in PENDING]

    @property
    def total_points(self) -> int:
        return sum(self.level_category.values())


def quarter_bounds(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    start = dt.date(year, 3 * (quarter - 1) + 1, 1)
    end = dt.date(year + 1, 1, 1) if quarter == 4 else dt.date(year, 3 * quarter + 1, 1)
    return start, end - dt.timedelta(days=1)


def summary_units(unit: Unit, with_subunits: bool) -> list[Unit]:
    return list(unit.subtree()) if with_subunits else [unit]


def _current_forms(user: Reader, units: list[Unit], year: int) -> QuerySet[RiskForm]:
    """The current version of every form of the units' rounds of the year, as the user sees."""
    newer = RiskForm.objects.filter(previous_version=OuterRef("pk"))
    qs = RiskForm.objects.filter(unit__in=units, round__year=year).exclude(Exists(newer))
    return scoped_forms(user, qs)


def build_summary(
    *,
    unit: Unit,
    year: int,
    quarter: int,
    with_subunits: bool = False,
    user: Reader = OPERATOR,
) -> Summary:
    start, end = quarter_bounds(year, quarter)
    as_of = min(end, timezone.localdate())
    units = summary_units(unit, with_subunits)
    s = Summary(unit, units, year, quarter, with_subunits, start, end, as_of)
    forms = _current_forms(user, units, year)
    form_ids = forms.values("pk")
    multi = len(units) > 1

    def dept_name(name: str | None) -> str:
        return name or "领导班子"

    # 1. progress by state and department (one query)
    progress: dict[tuple[str, str], dict] = {}
    for row in (
        RiskForm.objects.filter(pk__in=form_ids)
        .values("unit__path", "unit__name", "department__order", "department__name", "state")
        .annotate(n=Count("id"))
        .order_by("unit__path", F("department__order").asc(nulls_first=True), "department__name")
    ):
        key = (row["unit__path"], dept_name(row["department__name"]))
        entry = progress.setdefault(
            key,
            {
                "unit": row["unit__name"],
                "department": dept_name(row["department__name"]),
                "counts": {state.value: 0 for state in FormState},
            },
        )
        entry["counts"][row["state"]] += row["n"]
    s.progress = list(progress.values())
    for entry in s.progress:
        entry["total"] = sum(entry["counts"].values())
        entry["filed"] = entry["counts"][FormState.FILED]
    s.progress_totals = {
        state.value: sum(e["counts"][state.value] for e in s.progress) for state in FormState
    }

    points = RiskPoint.objects.filter(form__in=form_ids).annotate(
        level=Coalesce("final_level", "proposed_level")
    )
    # 2 + 3. level × category and department × level from one aggregation over the points
    # (grouped on ids only: names come from the small unit and department tables).
    unit_by_id = {u.pk: u for u in units}
    departments = {
        d["pk"]: d for d in Department.objects.filter(unit__in=units).values("pk", "name", "order")
    }
    by_dept: dict[tuple[int, int | None], dict] = {}
    for row in (
        points.values("form__unit_id", "form__department_id", "level", "category")
        .annotate(n=Count("id"))
        .order_by()
    ):
        level = row["level"] or UNRATED
        key = (level, row["category"])
        s.level_category[key] = s.level_category.get(key, 0) + row["n"]
        dept_id = row["form__department_id"]
        entry = by_dept.setdefault(
            (row["form__unit_id"], dept_id),
            {
                "unit": unit_by_id[row["form__unit_id"]].name,
                "department": dept_name(departments[dept_id]["name"] if dept_id else None),
                "levels": {lv: 0 for lv in s.levels},
                "_order": (
                    unit_by_id[row["form__unit_id"]].path,
                    -1 if dept_id is None else departments[dept_id]["order"],
                    dept_id or 0,
                ),
            },
        )
        entry["levels"][level] += row["n"]
    s.by_department = sorted(by_dept.values(), key=lambda e: e.pop("_order"))
    for entry in s.by_department:
        entry["total"] = sum(entry["levels"].values())

    # 4. key posts with level-1 points (one query; plain values, no model instances)
    labels = dict(RiskCategory.choices)
    for row in (
        points.filter(level=RiskLevel.ONE, form__post__is_key=True)
        .order_by(
            "form__unit__path",
            F("form__department__order").asc(nulls_first=True),
            "form__post__order",
            "order",
        )
        .values_list(
            "form__unit__name",
            "form__department__name",
            "form__post__name",
            "form__filler__name",
            "category",
            "description",
        )
    ):
        s.key_level1.append(
            {
                "unit": row[0],
                "department": dept_name(row[1]),
                "post": row[2],
                "person": row[3] or "",
                "category": labels[row[4]],
                "description": row[5],
            }
        )

    # 5. forms re-rated in the quarter: new versions opened in it (one query)
    tz = timezone.get_current_timezone()
    window = (
        dt.datetime.combine(start, dt.time.min, tzinfo=tz),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
    )
    rerated = scoped_forms(
        user,
        RiskForm.objects.filter(
            unit__in=units,
            previous_version__isnull=False,
            created_at__gte=window[0],
            created_at__lt=window[1],
        ),
    ).select_related("unit", "post", "department", "filler", "round")
    for f in rerated.order_by("unit__path", "created_at"):
        s.rerated.append(
            {
                "form_id": f.pk,
                "unit": f.unit.name,
                "subject": f.subject_title,
                "version": f.version,
                "state": f.get_state_display(),
                "opened": timezone.localtime(f.created_at).date().isoformat(),
            }
        )

    # 6. overdue: waiting on a phase whose deadline has passed by the end of the quarter
    overdue_q = Q(pk__in=[])
    for state, deadline in DEADLINE_BY_STATE.items():
        overdue_q |= Q(state=state, **{f"round__{deadline}__lt": as_of})
    for f in (
        RiskForm.objects.filter(pk__in=form_ids)
        .filter(overdue_q)
        .select_related("unit", "round", "post", "department", "filler")
        .order_by("unit__path", F("department__order").asc(nulls_first=True), "post__order", "id")
    ):
        deadline = getattr(f.round, DEADLINE_BY_STATE[f.state])
        s.overdue.append(
            {
                "form_id": f.pk,
                "unit": f.unit.name,
                "department": dept_name(f.department.name if f.department_id else None),
                "subject": f.subject_title,
                "state": f.get_state_display(),
                "deadline": deadline.isoformat(),
                "days_overdue": (as_of - deadline).days,
            }
        )
    if not multi:
        for rows in (s.progress, s.by_department):
            for entry in rows:
                entry["unit"] = unit.name
    return s


# ---------------------------------------------------------------- charts (SVG)


def heatmap_svg(s: Summary) -> str:
    """Level × category as an SVG heat map: darker red = more points. Text is real text."""
    cats = s.categories
    levels = s.levels
    cell_w, cell_h, left, top = 56, 26, 56, 36
    width, height = left + cell_w * len(cats) + 4, top + cell_h * len(levels) + 4
    peak = max(s.level_category.values(), default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart heatmap" role="img" '
        f'aria-label="风险等级×风险类别热力图" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" font-family="Noto Sans CJK SC, sans-serif">'
    ]
    for i, cat in enumerate(cats):
        # Category names of up to six characters, on two lines of three.
        x = left + i * cell_w + cell_w / 2
        label = cat.label
        lines = (
            [label]
            if len(label) <= 4
            else [label[: (len(label) + 1) // 2], label[(len(label) + 1) // 2 :]]
        )
        for k, part in enumerate(lines):
            y = top - 6 - 12 * (len(lines) - 1 - k)
            parts.append(
                f'<text x="{x}" y="{y}" font-size="10" text-anchor="middle">{escape(part)}</text>'
            )
    for j, level in enumerate(levels):
        y = top + j * cell_h
        parts.append(
            f'<text x="{left - 6}" y="{y + cell_h / 2 + 4}" font-size="11" '
            f'text-anchor="end">{escape(s.level_label(level))}</text>'
        )
        for i, cat in enumerate(cats):
            n = s.level_category.get((level, cat.value), 0)
            alpha = 0.08 + 0.85 * n / peak if n else 0
            fill = f"rgba(143,29,33,{alpha:.2f})" if n else "#ffffff"
            colour = "#ffffff" if n and n / peak > 0.55 else "#000000"
            x = left + i * cell_w
            parts.append(
                f'<rect x="{x}" y="{y}" width="{cell_w}" height="{cell_h}" fill="{fill}" '
                f'stroke="#999" stroke-width="0.5"/>'
            )
            if n:
                parts.append(
                    f'<text x="{x + cell_w / 2}" y="{y + cell_h / 2 + 4}" font-size="11" '
                    f'text-anchor="middle" fill="{colour}">{n}</text>'
                )
    parts.append("</svg>")
    return "".join(parts)


STATE_COLOURS = {
    FormState.DRAFT: "#d9d9d9",
    FormState.DEPT_REVIEW: "#f6c177",
    FormState.MASS_REVIEW: "#9ccfd8",
    FormState.COLLECTIVE: "#7aa2f7",
    FormState.PUBLIC_NOTICE: "#c4a7e7",
    FormState.FILED: "#2e7d32",
}


def progress_svg(s: Summary) -> str:
    """One stacked bar per department: the share of its forms in each state, with a legend."""
    rows = s.progress
    label_w, bar_w, row_h, legend_h = 150, 360, 20, 24
    width = label_w + bar_w + 50
    height = legend_h + row_h * max(1, len(rows)) + 4
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart progress-chart" role="img" '
        f'aria-label="各部室进度" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" font-family="Noto Sans CJK SC, sans-serif" font-size="10">'
    ]
    x = 0
    for state in FormState:
        parts.append(
            f'<rect x="{x}" y="4" width="10" height="10" fill="{STATE_COLOURS[state]}"/>'
            f'<text x="{x + 13}" y="13">{escape(state.label)}</text>'
        )
        x += 13 + 11 * len(state.label) + 12
    for j, entry in enumerate(rows):
        y = legend_h + j * row_h
        name = (
            entry["department"] if len(s.units) == 1 else f"{entry['unit']}·{entry['department']}"
        )
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end">{escape(name[:16])}</text>'
        )
        total = entry["total"] or 1
        x = label_w
        for state in FormState:
            n = entry["counts"][state.value]
            if not n:
                continue
            w = bar_w * n / total
            parts.append(
                f'<rect x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}" '
                f'fill="{STATE_COLOURS[state]}"><title>{escape(state.label)} {n}</title></rect>'
            )
            x += w
        pct = round(100 * entry["filed"] / total)
        parts.append(f'<text x="{label_w + bar_w + 6}" y="{y + 13}">{pct}%</text>')
    parts.append("</svg>")
    return "".join(parts)


# ---------------------------------------------------------------- outputs


def as_dict(s: Summary) -> dict:
    """The JSON document for upstream systems (schema in README, "季度汇总 JSON")."""
    return {
        "schema": SCHEMA,
        "unit": {"code": s.unit.code, "name": s.unit.name},
        "with_subunits": s.with_subunits,
        "units": [{"code": u.code, "name": u.name} for u in s.units],
        "year": s.year,
        "quarter": s.quarter,
        "period": {"start": s.period_start.isoformat(), "end": s.period_end.isoformat()},
        "as_of": s.as_of.isoformat(),
        "generated_at": timezone.localtime().isoformat(timespec="seconds"),
        "states": [{"code": st.value, "label": st.label} for st in s.states],
        "progress": [
            {
                "unit": e["unit"],
                "department": e["department"],
                "counts": e["counts"],
                "total": e["total"],
                "filed": e["filed"],
            }
            for e in s.progress
        ],
        "progress_totals": s.progress_totals,
        "levels": [
            {"level": None if lv == UNRATED else lv, "label": s.level_label(lv)} for lv in s.levels
        ],
        "categories": [{"code": c.value, "label": c.label} for c in s.categories],
        "points_by_level_category": [
            {"level": None if lv == UNRATED else lv, "category": cat, "count": n}
            for (lv, cat), n in sorted(s.level_category.items())
        ],
        "points_total": s.total_points,
        "points_by_department": [
            {
                "unit": e["unit"],
                "department": e["department"],
                "level_1": e["levels"][1],
                "level_2": e["levels"][2],
                "level_3": e["levels"][3],
                "unrated": e["levels"][UNRATED],
                "total": e["total"],
            }
            for e in s.by_department
        ],
        "key_posts_level_1": s.key_level1,
        "rerated_forms": s.rerated,
        "overdue_forms": s.overdue,
        "not_yet_available": [key for key, _label in PENDING],
    }


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
    }


def workbook(s: Summary) -> bytes:
    """One sheet per table, numbers as numbers."""
    from openpyxl import Workbook

    wb = Workbook()
    subtitle = f"统计期间：{s.period_start} 至 {s.period_end}；截至 {s.as_of}"
    ws = wb.active
    ws.title = "进度"
    excel.write_table(
        ws,
        title=s.title + "·进度",
        subtitle=subtitle,
        headers=["单位", "部室", *[st.label for st in s.states], "合计"],
        widths=[18, 14, *[9] * len(s.states), 8],
        rows=[
            [e["unit"], e["department"], *[e["counts"][st.value] for st in s.states], e["total"]]
            for e in s.progress
        ],
    )
    ws = wb.create_sheet("等级×类别")
    excel.write_table(
        ws,
        title=s.title + "·风险等级×风险类别",
        subtitle=subtitle,
        headers=["风险等级", *[c.label for c in s.categories], "合计"],
        widths=[10, *[10] * len(s.categories), 8],
        rows=[
            [
                s.level_label(lv),
                *[s.level_category.get((lv, c.value), 0) for c in s.categories],
                sum(s.level_category.get((lv, c.value), 0) for c in s.categories),
            ]
            for lv in s.levels
        ],
    )
    ws = wb.create_sheet("按部室")
    excel.write_table(
        ws,
        title=s.title + "·各部室风险点",
        subtitle=subtitle,
        headers=["单位", "部室", *[s.level_label(lv) for lv in s.levels], "合计"],
        widths=[18, 14, 8, 8, 8, 8, 8],
        rows=[
            [e["unit"], e["department"], *[e["levels"][lv] for lv in s.levels], e["total"]]
            for e in s.by_department
        ],
    )
    ws = wb.create_sheet("重点岗位一级风险")
    excel.write_table(
        ws,
        title=s.title + "·重点岗位一级风险点",
        subtitle=subtitle,
        headers=["单位", "部室", "岗位", "姓名", "风险类别", "风险点"],
        widths=[18, 14, 16, 10, 10, 50],
        rows=[
            [r["unit"], r["department"], r["post"], r["person"], r["category"], r["description"]]
            for r in s.key_level1
        ],
    )
    ws = wb.create_sheet("重新评定")
    excel.write_table(
        ws,
        title=s.title + "·本季度重新评定的一览表",
        subtitle=subtitle,
        headers=["编号", "单位", "对象", "版本", "状态", "开启日期"],
        widths=[8, 18, 30, 6, 10, 12],
        rows=[
            [r["form_id"], r["unit"], r["subject"], r["version"], r["state"], r["opened"]]
            for r in s.rerated
        ],
    )
    ws = wb.create_sheet("逾期")
    excel.write_table(
        ws,
        title=s.title + "·逾期未完成的一览表",
        subtitle=subtitle,
        headers=["编号", "单位", "部室", "对象", "所处环节", "截止日期", "逾期天数"],
        widths=[8, 18, 14, 30, 10, 12, 9],
        rows=[
            [
                r["form_id"],
                r["unit"],
                r["department"],
                r["subject"],
                r["state"],
                r["deadline"],
                r["days_overdue"],
            ]
            for r in s.overdue
        ],
    )
    return excel.workbook_bytes(wb)


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
    )
    progress(60, "正在生成文件")
    return render(s, fmt=job.format), filename(s, job.format)
