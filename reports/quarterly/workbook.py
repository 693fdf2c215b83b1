"""The quarterly summary as a workbook: one sheet per table, numbers as numbers, dates as
dates, 合计 rows bold below the filter range, native charts, and every sheet set up to print."""

from __future__ import annotations

import datetime as dt

from openpyxl.chart import BarChart, Reference
from openpyxl.utils import get_column_letter

from reports import excel
from reports.layouts import cn_date
from reports.quarterly.summary import Summary
from reports.quarterly.tables import LEVEL_CHANGE_HEADERS, level_change_rows
from supervision import quarterly as supervision_quarterly

LIST_SHEETS = (
    ("重点岗位一级风险", "重点岗位一级风险点", "key_level1", [
        ("单位", 18, "unit"), ("部室", 14, "department"), ("岗位", 16, "post"),
        ("姓名", 10, "person"), ("风险类别", 10, "category"), ("风险点", 50, "description"),
    ]),
    ("重新评定", "本季度重新评定的一览表", "rerated", [
        ("编号", 8, "form_id"), ("单位", 18, "unit"), ("对象", 30, "subject"),
        ("版本", 6, "version"), ("状态", 10, "state"), ("开启日期", 12, "opened"),
        ("原因", 16, "reason_kind"), ("说明", 40, "reason"),
    ]),
    ("未答复异议", "季末尚未答复的异议", "open_objections", [
        ("编号", 8, "form_id"), ("单位", 18, "unit"), ("部室", 14, "department"),
        ("对象", 26, "subject"), ("风险点", 30, "point"), ("异议内容", 40, "text"),
        ("提出日期", 12, "raised"), ("已等待天数", 10, "days_open"),
    ]),
    ("逾期", "逾期未完成的一览表", "overdue", [
        ("编号", 8, "form_id"), ("单位", 18, "unit"), ("部室", 14, "department"),
        ("对象", 30, "subject"), ("所处环节", 10, "state"), ("截止日期", 12, "deadline"),
        ("逾期天数", 9, "days_overdue"),
    ]),
)  # fmt: skip
RATING_COLUMNS = (
    ("单位", 18, "unit"), ("范围", 14, "scope"), ("开始", 11, "opened"), ("截止", 11, "deadline"),
    ("结束", 11, "closed"), ("一览表", 8, "forms"), ("被评风险点", 10, "points_rated"),
    ("评议意见", 9, "ratings"), ("参评人数", 9, "raters"), ("范围内人数", 10, "people_in_scope"),
    ("同意", 7, "agree"), ("偏高", 7, "too_high"), ("偏低", 7, "too_low"),
)  # fmt: skip


def workbook(s: Summary) -> bytes:
    """One sheet per table: numbers as numbers, dates as dates, a bold 合计 row below the
    filter range where a table has totals, native charts for 进度, 等级×类别 and 按部室."""
    wb = excel.new_workbook()
    wb.remove(wb.active)
    subtitle = (
        f"统计期间：{cn_date(s.period_start)}至{cn_date(s.period_end)}；截至{cn_date(s.as_of)}"
    )

    def sheet(name: str, title: str, headers, widths, rows, note: str = "", totals=None):
        ws = wb.create_sheet(name)
        excel.write_table(
            ws,
            title=f"{s.title}·{title}",
            subtitle=subtitle + note,
            headers=list(headers),
            widths=list(widths),
            rows=rows,
            totals=totals,
        )
        return ws

    lists = {name: (title, key, columns) for name, title, key, columns in LIST_SHEETS}

    def list_sheet(name: str) -> None:
        title, key, columns = lists[name]
        headers, widths, keys = zip(*columns, strict=True)
        rows = [[_cell(k, r[k]) for k in keys] for r in getattr(s, key)]
        sheet(name, title, headers, widths, rows)

    states = s.states
    ws = sheet(
        "进度",
        "进度",
        ["单位", "部室", *[st.label for st in states], "合计"],
        [18, 14, *[9] * len(states), 8],
        [
            [e["unit"], e["department"], *[e["counts"][st.value] for st in states], e["total"]]
            for e in s.progress
        ],
        totals=[
            "合计",
            "",
            *[s.progress_totals[st.value] for st in states],
            sum(e["total"] for e in s.progress),
        ],
    )
    _bar_chart(
        ws, "各部室进度", n_rows=len(s.progress), first_col=3, last_col=2 + len(states), cat_col=2
    )
    grid = [[s.level_category.get((lv, c.value), 0) for c in s.categories] for lv in s.levels]
    ws = sheet(
        "等级×类别",
        "风险等级×风险类别",
        ["风险等级", *[c.label for c in s.categories], "合计"],
        [10, *[10] * len(s.categories), 8],
        [[s.level_label(lv), *row, sum(row)] for lv, row in zip(s.levels, grid, strict=True)],
        totals=["合计", *[sum(col) for col in zip(*grid, strict=True)], s.total_points],
    )
    _bar_chart(
        ws,
        "风险等级×风险类别",
        n_rows=len(s.levels),
        first_col=2,
        last_col=1 + len(s.categories),
        cat_col=1,
    )
    ws = sheet(
        "按部室",
        "各部室风险点",
        ["单位", "部室", *[s.level_label(lv) for lv in s.levels], "合计"],
        [18, 14, *[8] * len(s.levels), 8],
        [
            [e["unit"], e["department"], *[e["levels"][lv] for lv in s.levels], e["total"]]
            for e in s.by_department
        ],
        totals=[
            "合计",
            "",
            *[sum(e["levels"][lv] for e in s.by_department) for lv in s.levels],
            sum(e["total"] for e in s.by_department),
        ],
    )
    _bar_chart(
        ws,
        "各部室风险点（按等级）",
        n_rows=len(s.by_department),
        first_col=3,
        last_col=2 + len(s.levels),
        cat_col=2,
    )
    list_sheet("重点岗位一级风险")
    sheet(
        "等级调整",
        "本季度风险等级上调、下调",
        LEVEL_CHANGE_HEADERS,
        [10, 18, 14, 26, 40, 8, 8, 6, 14, 40],
        [[*row[:8], _date(row[8]), *row[9:]] for row in level_change_rows(s)],
    )
    list_sheet("重新评定")
    t = s.objections_totals
    counts = ("raised", "answered", "upheld", "open")
    sheet(
        "异议",
        "异议提出与答复",
        ["单位", "部室", "本季度提出", "本季度答复", "其中异议成立", "季末未答复"],
        [18, 14, 11, 11, 12, 11],
        [[r["unit"], r["department"], *[r[k] for k in counts]] for r in s.objections_by_department],
        totals=["合计", "", *[t[k] for k in counts]],
    )
    list_sheet("未答复异议")
    headers, widths, keys = zip(*RATING_COLUMNS, strict=True)
    rt = s.rating_totals
    sheet(
        "群众评议",
        "群众评议参与情况",
        headers,
        widths,
        [
            [_cell(k, w[k]) if k != "closed" else (_date(w[k]) or "进行中") for k in keys]
            for w in s.rating_windows
        ],
        note="（只统计人数与意见数，不含评议人姓名）",
        totals=["合计", *[rt.get(k, "") for k in keys[1:]]],
    )
    list_sheet("逾期")
    sheet("监督处置", "监督发现、预警与处置", ["事项", "数量"], [30, 10],
          supervision_quarterly.table_rows(s.supervision))  # fmt: skip
    sheet(
        "未统计事项",
        "未统计事项",
        ["事项", "说明"],
        [40, 70],
        [[p["label"], p["note"]] for p in s.pending],
    )
    return excel.workbook_bytes(wb)


# Row keys holding an ISO date (written as date cells).
DATE_KEYS = frozenset({"opened", "deadline", "closed", "raised", "date"})


def _date(value):
    return dt.date.fromisoformat(value) if isinstance(value, str) and value else value


def _cell(key: str, value):
    return _date(value) if key in DATE_KEYS else value


def _bar_chart(ws, title: str, *, n_rows: int, first_col: int, last_col: int, cat_col: int):
    """A native stacked bar chart of a table's rows (header in row 3, data from row 4), placed
    under the table and inside the print area."""
    if not n_rows:
        return
    chart = BarChart()
    chart.type = "bar"
    chart.grouping = "stacked"
    chart.overlap = 100
    chart.title = title
    chart.height = max(7.0, 0.6 * n_rows + 3)
    chart.width = 22
    data = Reference(ws, min_col=first_col, max_col=last_col, min_row=3, max_row=3 + n_rows)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=cat_col, min_row=4, max_row=3 + n_rows))
    anchor_row = 3 + n_rows + 3
    ws.add_chart(chart, f"A{anchor_row}")
    rows_taken = int(chart.height / 0.53) + 2  # a row is about 0.53 cm
    ws.print_area = f"A1:{get_column_letter(ws.max_column)}{anchor_row + rows_taken}"
