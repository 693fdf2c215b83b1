"""Rows shared by the page, the PDF and the workbook."""

from __future__ import annotations

from reports.quarterly.summary import LEVEL_CHANGE_SOURCES, Summary


def level_change_rows(s: Summary) -> list[list]:
    """The level changes as table rows (the same in HTML, PDF and Excel)."""
    return [
        [
            LEVEL_CHANGE_SOURCES[r["source"]],
            r["unit"],
            r["department"],
            r["subject"],
            r["description"],
            s.level_label(r["from_level"]),
            s.level_label(r["to_level"]),
            "上调" if r["direction"] == "raised" else "下调",
            r["date"],
            r["reason"],
        ]
        for r in s.level_changes
    ]


LEVEL_CHANGE_HEADERS = [
    "环节",
    "单位",
    "部室",
    "对象",
    "风险点",
    "原等级",
    "新等级",
    "调整",
    "日期",
    "理由",
]
