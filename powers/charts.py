"""权力运行流程图 and the unit's 廉政风险防控网络图, laid out by Graphviz (`dot`, Debian package
`graphviz`, driven through the Python `graphviz` package) as SVG for the page and the PDF.

Every label is built here as a Graphviz HTML-like label from escaped text, so nothing a user
types can become markup; the SVG that comes back is then sanitised (no script, no foreign
object, no event attribute, no outside link) before it is served inline.
"""

from __future__ import annotations

import html
import itertools
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import graphviz

from powers.models import PowerItem, PowerStep

FONT = "Noto Sans CJK SC"
SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", XLINK_NS)

# (border, fill) by risk level; level 1 is the highest risk. Shared with the page's legend.
LEVEL_COLOURS: dict[int | None, tuple[str, str]] = {
    1: ("#c0392b", "#f9d6d2"),
    2: ("#d68910", "#fdebc8"),
    3: ("#1e8449", "#d4efdf"),
    None: ("#6c757d", "#e9ecef"),
}
STEP_BORDER, STEP_FILL = "#1f4e79", "#eaf1fb"
BRANCH_BORDER, BRANCH_FILL = "#7d6608", "#fef9e7"


@dataclass(frozen=True)
class ChartPoint:
    """A risk point as drawn: its text, the level that applies now and its measures."""

    step_id: int
    description: str
    level: int | None
    level_label: str
    measures: tuple[str, ...]


def wrap(text: str, width: int = 16, max_lines: int = 6) -> list[str]:
    """Cut text into lines of about `width` characters (Chinese has no spaces to break at)."""
    lines: list[str] = []
    for paragraph in str(text).splitlines() or [""]:
        paragraph = paragraph.strip()
        while len(paragraph) > width:
            lines.append(paragraph[:width])
            paragraph = paragraph[width:]
        lines.append(paragraph)
    lines = [line for line in lines if line] or [""]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: width - 1] + "…"
    return lines


def _text(text: str, *, width: int = 16, max_lines: int = 6, size: int | None = None) -> str:
    body = "<BR/>".join(html.escape(line, quote=True) for line in wrap(text, width, max_lines))
    return f'<FONT POINT-SIZE="{size}">{body}</FONT>' if size else body


def _table(rows: Sequence[str], *, border: str, fill: str, title: str | None = None) -> str:
    """An HTML-like label: an optional bold-looking title row and text rows, all escaped."""
    cells = []
    if title is not None:
        cells.append(f'<TR><TD BGCOLOR="{border}"><FONT COLOR="#ffffff">{title}</FONT></TD></TR>')
    cells.extend(f'<TR><TD ALIGN="LEFT" BALIGN="LEFT">{row}</TD></TR>' for row in rows)
    return (
        f'<<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="4" '
        f'COLOR="{border}" BGCOLOR="{fill}">{"".join(cells)}</TABLE>>'
    )


def _graph(name: str, *, rankdir: str = "TB") -> graphviz.Digraph:
    g = graphviz.Digraph(name=name, format="svg", engine="dot")
    g.attr(rankdir=rankdir, fontname=FONT, nodesep="0.35", ranksep="0.45", bgcolor="white")
    g.attr("node", fontname=FONT, fontsize="10", shape="plain")
    g.attr("edge", fontname=FONT, fontsize="9", color="#444444", arrowsize="0.7")
    return g


def _main_and_branches(steps: Iterable[PowerStep]) -> tuple[list[PowerStep], list[PowerStep]]:
    ordered = sorted(steps, key=lambda s: (s.order, s.pk))
    return [s for s in ordered if not s.branch_of_id], [s for s in ordered if s.branch_of_id]


def _start_end(g: graphviz.Digraph, main: list[PowerStep], end_label: str) -> None:
    g.node("start", label="开始", shape="oval", style="filled", fillcolor="#ffffff")
    g.node("end", label=end_label, shape="oval", style="filled", fillcolor="#ffffff")
    chain = ["start"] + [f"s{s.pk}" for s in main] + ["end"]
    for a, b in itertools.pairwise(chain):
        g.edge(a, b)


def _branches(g: graphviz.Digraph, branches: list[PowerStep], rows_of) -> None:
    for b in branches:
        g.node(
            f"s{b.pk}",
            label=_table(rows_of(b), border=BRANCH_BORDER, fill=BRANCH_FILL, title=_text(b.name)),
        )
        g.edge(f"s{b.branch_of_id}", f"s{b.pk}", label=_text(b.condition, width=10), style="dashed")
        if b.returns:
            g.edge(
                f"s{b.pk}",
                f"s{b.branch_of_id}",
                label=_text("完成后返回", width=10),
                style="dashed",
                constraint="false",
            )


def internal_chart(
    item: PowerItem, steps: Sequence[PowerStep], points: Sequence[ChartPoint]
) -> str:
    """权力运行内部流程图: each 环节 with its 责任主体 and 办理时限, and the risk points tied to it,
    coloured by level, with their measures."""
    g = _graph(f"internal-{item.pk}")
    main, branches = _main_and_branches(steps)

    def rows_of(step: PowerStep) -> list[str]:
        rows = [_text(f"责任主体：{step.responsible or '—'}")]
        if step.time_limit:
            rows.append(_text(f"办理时限：{step.time_limit}"))
        return rows

    for n, step in enumerate(main, 1):
        g.node(
            f"s{step.pk}",
            label=_table(
                rows_of(step), border=STEP_BORDER, fill=STEP_FILL, title=_text(f"{n}. {step.name}")
            ),
        )
    _start_end(g, main, "办结")
    _branches(g, branches, rows_of)
    for i, point in enumerate(points, 1):
        border, fill = LEVEL_COLOURS.get(point.level, LEVEL_COLOURS[None])
        rows = [_text(point.description, width=18)]
        rows += [_text(f"措施：{m}", width=18, max_lines=3, size=9) for m in point.measures[:3]]
        node = f"r{i}"
        with g.subgraph() as same_rank:
            same_rank.attr(rank="same")
            same_rank.node(f"s{point.step_id}")
            same_rank.node(
                node,
                label=_table(
                    rows, border=border, fill=fill, title=_text(f"风险点 · {point.level_label}")
                ),
            )
        g.edge(f"s{point.step_id}", node, style="dotted", color=border, arrowhead="none")
    return render(g, label=f"{item.name}：权力运行内部流程图")


def external_chart(item: PowerItem, steps: Sequence[PowerStep]) -> str:
    """权力运行外部流程图, for the public: 办理主体, 依据, 程序 (the steps), the materials to
    submit, and the 监督渠道."""
    g = _graph(f"external-{item.pk}")
    main, branches = _main_and_branches(steps)
    g.node(
        "head",
        label=_table(
            [
                _text(f"办理主体：{item.body}", width=24),
                _text(f"依据：{item.legal_basis or '—'}", width=24, max_lines=5),
                _text(f"办理时限：{item.time_limit or '—'}", width=24),
            ],
            border=STEP_BORDER,
            fill="#ffffff",
            title=_text(item.name, width=24),
        ),
    )

    def rows_of(step: PowerStep) -> list[str]:
        rows = []
        if step.material_list:
            rows.append(_text("所需材料：" + "；".join(step.material_list), width=18))
        return rows or [_text("—")]

    for n, step in enumerate(main, 1):
        g.node(
            f"s{step.pk}",
            label=_table(
                rows_of(step), border=STEP_BORDER, fill=STEP_FILL, title=_text(f"{n}. {step.name}")
            ),
        )
    _start_end(g, main, "办结")
    g.edge("head", "start", style="invis")
    _branches(g, branches, rows_of)
    g.node(
        "supervision",
        label=_table(
            [_text(item.supervision_channel or "—", width=24)],
            border="#555555",
            fill="#ffffff",
            title=_text("监督渠道"),
        ),
    )
    g.edge("end", "supervision", style="invis")
    return render(g, label=f"{item.name}：权力运行外部流程图")


@dataclass(frozen=True)
class NetworkDepartment:
    key: str
    name: str
    items: list[tuple[PowerItem, list[ChartPoint]]]


def network_chart(unit_name: str, departments: Sequence[NetworkDepartment]) -> str:
    """廉政风险防控网络图: the unit → its departments → their power items → the risk points
    tied to the items' steps, coloured by level."""
    g = _graph("network", rankdir="LR")
    g.attr(ranksep="0.6")
    g.node(
        "unit",
        label=_table([], border=STEP_BORDER, fill=STEP_FILL, title=_text(unit_name, width=10)),
    )
    n = 0
    for dept in departments:
        g.node(
            dept.key,
            label=_table([], border=STEP_BORDER, fill="#ffffff", title=_text(dept.name, width=10)),
        )
        g.edge("unit", dept.key)
        for item, points in dept.items:
            item_node = f"i{item.pk}"
            g.node(
                item_node,
                label=_table(
                    [_text(f"{item.kind} · {item.owner_name}", width=16, size=9)],
                    border="#34495e",
                    fill="#f4f6f7",
                    title=_text(item.name, width=14),
                ),
            )
            g.edge(dept.key, item_node)
            for point in points:
                n += 1
                border, fill = LEVEL_COLOURS.get(point.level, LEVEL_COLOURS[None])
                g.node(
                    f"p{n}",
                    label=_table(
                        [_text(point.description, width=18, max_lines=3)],
                        border=border,
                        fill=fill,
                        title=_text(point.level_label),
                    ),
                )
                g.edge(item_node, f"p{n}", color=border)
    return render(g, label=f"{unit_name}廉政风险防控网络图")


# --- rendering and sanitising --------------------------------------------------------------

_ALLOWED_TAGS = {
    "svg", "g", "desc", "path", "polygon", "polyline", "ellipse", "circle", "rect",
    "line", "text", "tspan", "defs", "linearGradient", "radialGradient", "stop",
}  # fmt: skip
_LINK_ATTRS = {"href", f"{{{XLINK_NS}}}href"}


NO_DOT = '<p class="text-danger">服务器未安装 Graphviz（dot），无法绘制流程图，请联系运维人员。</p>'


def render(g: graphviz.Digraph, *, label: str = "流程图") -> str:
    try:
        svg = g.pipe(format="svg", encoding="utf-8")
    except graphviz.ExecutableNotFound:
        return NO_DOT
    return sanitize_svg(svg, label=label)


def sanitize_svg(svg: str, *, label: str = "流程图") -> str:
    """Keep only drawing elements and their presentation attributes: no script, no
    foreignObject, no on* handler, no link, no style element; drop the XML prologue."""
    root = ET.fromstring(re.sub(r"<!DOCTYPE[^>]*>", "", svg))
    _clean(root)
    root.set("class", "power-chart")
    root.set("role", "img")
    root.set("aria-label", label)  # the chart's name for screen readers (its text is in the page)
    out = ET.tostring(root, encoding="unicode")
    return out


def _clean(element: ET.Element) -> None:
    for child in list(element):
        tag = child.tag.split("}", 1)[-1]
        if tag not in _ALLOWED_TAGS:
            element.remove(child)
            continue
        _clean(child)
    for attr in list(element.attrib):
        local = attr.split("}", 1)[-1].lower()
        # ids go too: several charts share a page, and Graphviz numbers each from node1.
        if local.startswith("on") or attr in _LINK_ATTRS or local in ("style", "id"):
            del element.attrib[attr]
