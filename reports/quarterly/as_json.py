"""The quarterly summary as the JSON document for upstream systems (schema in README,
"季度汇总 JSON"). Keys are stable; a new section adds its key here."""

from __future__ import annotations

from django.utils import timezone

from reports.quarterly.summary import SCHEMA, UNRATED, Summary
from supervision import quarterly as supervision_quarterly


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
        "level_changes": s.level_changes,
        "level_changes_totals": s.level_change_totals(),
        "rerated_forms": s.rerated,
        "objections": {
            **s.objections_totals,
            "by_department": s.objections_by_department,
            "open_items": s.open_objections,
        },
        "rating_windows": s.rating_windows,
        "rating_totals": s.rating_totals,
        "overdue_forms": s.overdue,
        "supervision": supervision_quarterly.as_json(s.supervision),
        "not_yet_available": [p["key"] for p in s.pending],
        "notes": {p["key"]: p["note"] for p in s.pending},
    }
