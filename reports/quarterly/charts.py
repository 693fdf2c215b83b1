"""The quarterly summary's charts as server-side SVG (text is real text): the page and the
PDF show the same drawing."""

from __future__ import annotations

from xml.sax.saxutils import escape

from reports.quarterly.summary import Summary
from workflow.enums import FormState


def _svg(cls: str, label: str, width: float, height: float) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {cls}" role="img" '
        f'aria-label="{escape(label)}" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" font-family="Noto Sans CJK SC, sans-serif" font-size="10">'
    )


# The heat map's colour by level: 一级 darkest, 未定级 grey (severity, not count).
LEVEL_FILLS = {1: "#7f1d1d", 2: "#d9822b", 3: "#f3d27a", 0: "#d9d9d9"}
LEVEL_TEXT = {1: "#ffffff", 2: "#000000", 3: "#000000", 0: "#000000"}


def heatmap_svg(s: Summary) -> str:
    """Level × category: each non-empty cell coloured by its level's severity (一级 darkest),
    its count written in; empty cells white."""
    cats = s.categories
    levels = s.levels
    cell_w, cell_h, left, top = 56, 26, 56, 36
    width, height = left + cell_w * len(cats) + 4, top + cell_h * len(levels) + 4
    parts = [_svg("heatmap", "风险等级×风险类别热力图", width, height)]
    for i, cat in enumerate(cats):
        # Category names of up to six characters, on two lines of three.
        x = left + i * cell_w + cell_w / 2
        label = cat.label
        half = (len(label) + 1) // 2
        lines = [label] if len(label) <= 4 else [label[:half], label[half:]]
        for k, part in enumerate(lines):
            y = top - 6 - 12 * (len(lines) - 1 - k)
            parts.append(f'<text x="{x}" y="{y}" text-anchor="middle">{escape(part)}</text>')
    for j, level in enumerate(levels):
        y = top + j * cell_h
        parts.append(
            f'<text x="{left - 6}" y="{y + cell_h / 2 + 4}" font-size="11" '
            f'text-anchor="end">{escape(s.level_label(level))}</text>'
        )
        for i, cat in enumerate(cats):
            n = s.level_category.get((level, cat.value), 0)
            fill = LEVEL_FILLS[level] if n else "#ffffff"
            x = left + i * cell_w
            parts.append(
                f'<rect x="{x}" y="{y}" width="{cell_w}" height="{cell_h}" fill="{fill}" '
                f'stroke="#999" stroke-width="0.5"/>'
            )
            if n:
                parts.append(
                    f'<text x="{x + cell_w / 2}" y="{y + cell_h / 2 + 4}" font-size="11" '
                    f'text-anchor="middle" fill="{LEVEL_TEXT[level]}">{n}</text>'
                )
    parts.append("</svg>")
    return "".join(parts)


def _stacked_bars(
    cls: str,
    label: str,
    rows: list[tuple[str, list[int]]],
    series: list[tuple[str, str]],
    *,
    share: bool,
    suffix=None,
) -> str:
    """Horizontal stacked bars, one per row, with a legend. `share`: each bar is 100 %;
    otherwise bars are drawn to the scale of the largest total."""
    label_w, bar_w, row_h, legend_h = 150, 360, 20, 24
    width = label_w + bar_w + 50
    height = legend_h + row_h * max(1, len(rows)) + 4
    parts = [_svg(cls, label, width, height)]
    x = 0
    for name, colour in series:
        parts.append(
            f'<rect x="{x}" y="4" width="10" height="10" fill="{colour}"/>'
            f'<text x="{x + 13}" y="13">{escape(name)}</text>'
        )
        x += 13 + 11 * len(name) + 12
    peak = max((sum(v) for _n, v in rows), default=0) or 1
    for j, (name, values) in enumerate(rows):
        y = legend_h + j * row_h
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end">{escape(name[:16])}</text>'
        )
        total = sum(values)
        scale = bar_w / (total or 1) if share else bar_w / peak
        x = label_w
        for (sname, colour), n in zip(series, values, strict=True):
            if not n:
                continue
            w = scale * n
            parts.append(
                f'<rect x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}" '
                f'fill="{colour}"><title>{escape(sname)} {n}</title></rect>'
            )
            x += w
        tail = suffix(values) if suffix else str(total)
        parts.append(f'<text x="{x + 6:.1f}" y="{y + 13}">{escape(tail)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _row_name(s: Summary, entry: dict) -> str:
    return f"{entry['unit']}·{entry['department']}" if s.multi else entry["department"]


def levels_by_department_svg(s: Summary) -> str:
    """Points of each department by level, stacked (一级 darkest)."""
    rows = [(_row_name(s, e), [e["levels"][lv] for lv in s.levels]) for e in s.by_department]
    series = [(s.level_label(lv), LEVEL_FILLS[lv]) for lv in s.levels]
    return _stacked_bars("levels-chart", "各部室风险点（按等级）", rows, series, share=False)


AGREEMENT_SERIES = [("同意", "#2e7d32"), ("偏高", "#d9822b"), ("偏低", "#1f5fa8")]


def agreement_svg(s: Summary) -> str:
    """群众评议: the share of ratings agreeing with the proposed level, per window."""
    rows = [
        (
            f"{w['unit']}·{w['scope']}" if s.multi else w["scope"],
            [w["agree"], w["too_high"], w["too_low"]],
        )
        for w in s.rating_windows
    ]
    if s.rating_windows:
        t = s.rating_totals
        rows.append(("合计", [t["agree"], t["too_high"], t["too_low"]]))

    def pct(values: list[int]) -> str:
        return f"同意 {round(100 * values[0] / (sum(values) or 1))}%"

    return _stacked_bars(
        "agreement-chart", "群众评议意见", rows, AGREEMENT_SERIES, share=True, suffix=pct
    )


def trend_svg(s: Summary) -> str:
    """The last four quarters: forms filed and objections raised, as grouped columns."""
    left, top, col_w, plot_h = 30, 24, 90, 120
    width, height = left + col_w * max(1, len(s.trend)) + 10, top + plot_h + 34
    parts = [_svg("trend-chart", "近四个季度趋势", width, height)]
    series = [("备案一览表", "filed", "#2e7d32"), ("异议", "objections", "#b02a37")]
    x = left
    for name, _key, colour in series:
        parts.append(
            f'<rect x="{x}" y="4" width="10" height="10" fill="{colour}"/>'
            f'<text x="{x + 13}" y="13">{escape(name)}</text>'
        )
        x += 13 + 11 * len(name) + 12
    peak = max((t[k] for t in s.trend for _n, k, _c in series), default=0) or 1
    base = top + plot_h
    parts.append(f'<line x1="{left}" y1="{base}" x2="{width - 10}" y2="{base}" stroke="#000"/>')
    for i, t in enumerate(s.trend):
        x0 = left + i * col_w + 15
        for k, (_name, key, colour) in enumerate(series):
            h = plot_h * t[key] / peak
            bx = x0 + k * 28
            parts.append(
                f'<rect x="{bx}" y="{base - h:.1f}" width="24" height="{h:.1f}" fill="{colour}"/>'
                f'<text x="{bx + 12}" y="{base - h - 3:.1f}" text-anchor="middle">{t[key]}</text>'
            )
        parts.append(
            f'<text x="{x0 + 26}" y="{base + 14}" text-anchor="middle">'
            f"{t['year']}年第{t['quarter']}季度</text>"
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
