"""The quarterly summary's charts as server-side SVG (text is real text): the page and the
PDF show the same drawing."""

from __future__ import annotations

from xml.sax.saxutils import escape

from reports.quarterly.summary import Summary
from workflow.enums import FormState


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
