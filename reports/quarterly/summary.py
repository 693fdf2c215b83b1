"""The quarterly summary's data (`Summary`), its constants and the quarter's bounds."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from django.db.models import Count, Window

from risks.enums import RiskCategory, RiskLevel
from units.models import Unit
from workflow.enums import FormState

SCHEMA = "riskreg.quarterly/3"
# The browser page and the PDF list at most this many rows of each long list (a city's summary
# would otherwise print tens of thousands of key-post points); Excel and JSON list them all.
PAGE_LIST_LIMIT = 100
# Above this many units the browser page shows one row per unit instead of one per department
# (a province's 1,000 units have some 8,000 departments: a 14 MB page); the exports keep them.
PAGE_UNIT_ROWS = 30
PDF_LIST_LIMIT = 1000
# What the summary cannot report yet, with the reason (listed, never printed as zero).
# Dispositions are counted since schema 3 (supervision.quarterly).
PENDING: tuple[tuple[str, str, str], ...] = ()
LEVEL_CHANGE_SOURCES = {"decision": "集体审定", "rerate": "重新评定"}
# The deadline a form in each state is waiting on (Round fields).
DEADLINE_BY_STATE = {
    FormState.DRAFT: "self_check_deadline",
    FormState.DEPT_REVIEW: "dept_review_deadline",
    FormState.MASS_REVIEW: "mass_review_deadline",
    FormState.COLLECTIVE: "collective_deadline",
}
UNRATED = 0
# How many rows a listed query has before LIMIT, on every row: a cut list knows its total
# without a second query (so the page's query count does not depend on its rows).
WHOLE_COUNT = Window(Count("id"))


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
    level_changes: list[dict] = field(default_factory=list)
    objections_by_department: list[dict] = field(default_factory=list)
    objections_totals: dict[str, int] = field(default_factory=dict)
    open_objections: list[dict] = field(default_factory=list)
    rating_windows: list[dict] = field(default_factory=list)
    # The last four quarters, oldest first: [{year, quarter, filed, objections}]
    trend: list[dict] = field(default_factory=list)
    # The header and footer of a summary sent upward (editable before export): 报送单位,
    # 报送日期, 文号, 制表人, 审核人.
    submission: dict[str, str] = field(default_factory=dict)
    # The long lists (key posts' level-1 points, level changes, re-rated forms, open objections,
    # overdue forms) hold at most `list_limit` rows when one is set (the browser page, the PDF);
    # `list_totals` always holds how many there are.
    list_limit: int | None = None
    list_totals: dict[str, int] = field(default_factory=dict)
    level_change_counts: dict[str, dict[str, int]] = field(default_factory=dict)
    supervision: dict = field(default_factory=dict)  # supervision.quarterly.counts
    # by_unit()'s copy: the rating windows' totals over all of them, though it lists fewer.
    all_rating_totals: dict[str, int] | None = None

    @property
    def multi(self) -> bool:
        """More than one unit counted: the tables need a 单位 column."""
        return len(self.units) > 1

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
    def pending(self) -> list[dict]:
        return [{"key": key, "label": label, "note": note} for key, label, note in PENDING]

    def level_change_totals(self) -> dict[str, dict[str, int]]:
        """{"decision": {"raised": n, "lowered": n}, "rerate": {…}} (level 1 is the highest),
        counted in the database over every change, listed or not."""
        return self.level_change_counts

    def shortened(self) -> dict[str, dict]:
        """For each long list cut at `list_limit`: how many rows are shown and how many exist."""
        shown = {
            "key_level1": len(self.key_level1),
            "level_changes": len(self.level_changes),
            "rerated": len(self.rerated),
            "open_objections": len(self.open_objections),
            "overdue": len(self.overdue),
            "rating_windows": len(self.rating_windows),
        }
        return {
            name: {"shown": n, "total": self.list_totals[name]}
            for name, n in shown.items()
            if self.list_totals.get(name, n) > n
        }

    # Set on the copy by_unit() returns: the page says that its tables are per unit.
    rolled_up: bool = False

    def by_unit(self) -> Summary:
        """The same summary for a page over many units: the per-department tables (progress,
        levels, objections) added up per unit, the rating windows listed like the other long
        lists (the first `list_limit`, their totals over all)."""

        def roll(rows: list[dict], keys: tuple[str, ...], nested: str | None = None) -> list:
            out: dict[str, dict] = {}
            for row in rows:
                entry = out.setdefault(row["unit"], {"unit": row["unit"], "department": "全单位"})
                if nested:
                    bucket = entry.setdefault(nested, dict.fromkeys(row[nested], 0))
                    for k, n in row[nested].items():
                        bucket[k] += n
                for k in keys:
                    entry[k] = entry.get(k, 0) + row[k]
            return list(out.values())

        windows = self.rating_windows
        limit = self.list_limit or len(windows)
        return replace(
            self,
            progress=roll(self.progress, ("total", "filed"), "counts"),
            by_department=roll(self.by_department, ("total",), "levels"),
            objections_by_department=roll(
                self.objections_by_department, ("raised", "answered", "upheld", "open")
            ),
            rating_windows=windows[:limit],
            list_totals={**self.list_totals, "rating_windows": len(windows)},
            all_rating_totals=self.rating_totals,
            rolled_up=True,
        )

    @property
    def rating_totals(self) -> dict[str, int]:
        if self.all_rating_totals is not None:
            return self.all_rating_totals
        keys = ("forms", "points_rated", "ratings", "raters", "agree", "too_high", "too_low")
        return {k: sum(w[k] for w in self.rating_windows) for k in keys}

    @property
    def total_points(self) -> int:
        return sum(self.level_category.values())


def quarter_bounds(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    start = dt.date(year, 3 * (quarter - 1) + 1, 1)
    end = dt.date(year + 1, 1, 1) if quarter == 4 else dt.date(year, 3 * quarter + 1, 1)
    return start, end - dt.timedelta(days=1)


def summary_units(unit: Unit, with_subunits: bool) -> list[Unit]:
    return list(unit.subtree()) if with_subunits else [unit]
