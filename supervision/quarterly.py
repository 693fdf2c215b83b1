"""The supervision section of the quarterly summary (reports.quarterly): counts over the quarter
and the reader's scope, in ONE query whatever the number of units or records.

- findings: found in the quarter;
- warnings by grade: issued in the quarter; overdue: marked 逾期 in the quarter;
- replies (page, PDF, workbook only): received in the quarter, on time or after the deadline;
- dispositions by kind: decided in the quarter;
- rectification items: open at the end of the quarter (issued by then, not closed by then), of
  them overdue (deadline passed by the as-of date), and closed (销号) in the quarter;
- proposals to raise a level: made in the quarter.

The reader sees what supervision.access lets them see; the command line (reports.selectors
OPERATOR) reads unscoped.
"""

import datetime as dt

from django.db.models import CharField, Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from supervision import access
from supervision.enums import DispositionKind, GradeWording, WarningGrade, grade_label
from supervision.models import (
    Disposition,
    Finding,
    LevelRaiseProposal,
    RectificationItem,
    UnitSettings,
    WarningNotice,
)
from units.models import Unit

JSON_KEYS = {
    "warnings": ("red", "orange", "yellow", "overdue"),
    "dispositions": tuple(k.value for k in DispositionKind),
    "rectifications": ("open", "overdue", "closed"),
}


def _count(qs: QuerySet) -> Coalesce:
    """COUNT(*) of a queryset as a scalar subquery (no GROUP BY: one row, 0 when empty)."""
    inner = qs.order_by().annotate(_one=Value(1)).values("_one").annotate(n=Count("pk"))
    return Coalesce(Subquery(inner.values("n")[:1]), 0, output_field=IntegerField())


def _bounds(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def counts(
    *, units: list[Unit], start: dt.date, end: dt.date, as_of: dt.date, user, operator
) -> dict:
    """Every count of the section; `user is operator` reads unscoped."""

    def scoped(qs: QuerySet, visible) -> QuerySet:
        return qs if user is operator else visible(user, qs)

    lo, hi = _bounds(start), _bounds(end + dt.timedelta(days=1))
    # By id: model instances in `unit__in` are normalised again by every queryset clone.
    unit_ids = [u.pk for u in units]
    findings = scoped(
        Finding.objects.filter(unit__in=unit_ids, found_on__range=(start, end)),
        access.findings_visible_to,
    )
    warnings = scoped(WarningNotice.objects.filter(unit__in=unit_ids), access.warnings_visible_to)
    issued = warnings.filter(issued_on__range=(start, end))
    replied = warnings.filter(replied_at__gte=lo, replied_at__lt=hi)
    dispositions = scoped(
        Disposition.objects.filter(unit__in=unit_ids, decided_on__range=(start, end)),
        access.dispositions_visible_to,
    )
    items = scoped(
        RectificationItem.objects.filter(disposition__unit__in=unit_ids), access.items_visible_to
    )
    open_items = items.filter(disposition__decided_on__lte=end).filter(
        Q(closed_at__isnull=True) | Q(closed_at__gte=hi)
    )
    proposals = scoped(
        LevelRaiseProposal.objects.filter(unit__in=unit_ids, proposed_on__range=(start, end)),
        access.proposals_visible_to,
    )
    exprs = {
        "findings": _count(findings),
        **{f"w_{g.value}": _count(issued.filter(grade=g)) for g in WarningGrade},
        "w_overdue": _count(warnings.filter(overdue_since__range=(start, end))),
        "r_on_time": _count(replied.filter(replied_on_time=True)),
        "r_total": _count(replied),
        **{f"d_{k.value}": _count(dispositions.filter(kind=k)) for k in DispositionKind},
        "i_open": _count(open_items),
        "i_overdue": _count(open_items.filter(deadline__lt=as_of)),
        "i_closed": _count(items.filter(closed_at__gte=lo, closed_at__lt=hi)),
        "proposals": _count(proposals),
    }
    # The summary's unit names the grades its way (UnitSettings), sub-units included.
    wording = Coalesce(
        Subquery(UnitSettings.objects.filter(unit=OuterRef("pk")).values("grade_wording")[:1]),
        Value(GradeWording.COLOUR.value),
        output_field=CharField(),
    )
    row = (
        Unit.objects.filter(pk=units[0].pk)
        .annotate(**exprs, grade_wording=wording)
        .values(*exprs, "grade_wording")
        .first()
        or {}
    )
    n = {key: row.get(key, 0) for key in exprs}
    return {
        "grade_wording": row.get("grade_wording") or GradeWording.COLOUR.value,
        "findings": n["findings"],
        "warnings": {
            "red": n["w_red"],
            "orange": n["w_orange"],
            "yellow": n["w_yellow"],
            "overdue": n["w_overdue"],
        },
        "replies": {"on_time": n["r_on_time"], "late": n["r_total"] - n["r_on_time"]},
        "dispositions": {k.value: n[f"d_{k.value}"] for k in DispositionKind},
        "rectifications": {
            "open": n["i_open"],
            "overdue": n["i_overdue"],
            "closed": n["i_closed"],
        },
        "level_raise_proposals": n["proposals"],
    }


def as_json(section: dict) -> dict:
    """Exactly the keys of the JSON schema (README, 季度汇总 JSON)."""
    return {
        "findings": section["findings"],
        "warnings": {k: section["warnings"][k] for k in JSON_KEYS["warnings"]},
        "dispositions": {k: section["dispositions"][k] for k in JSON_KEYS["dispositions"]},
        "rectifications": {k: section["rectifications"][k] for k in JSON_KEYS["rectifications"]},
        "level_raise_proposals": section["level_raise_proposals"],
    }


def table_rows(section: dict) -> list[list]:
    """The section as (事项, 数量) rows: the same on the page, in the PDF and the workbook."""
    w, d, r = section["warnings"], section["dispositions"], section["rectifications"]
    wording = section.get("grade_wording", GradeWording.COLOUR)
    return [
        ["监督发现", section["findings"]],
        *[[grade_label(g, wording), w[g.value]] for g in WarningGrade],
        ["逾期未反馈的预警", w["overdue"]],
        ["按期反馈", section["replies"]["on_time"]],
        ["逾期反馈", section["replies"]["late"]],
        *[[k.label, d[k.value]] for k in DispositionKind],
        ["季末未销号的整改事项", r["open"]],
        ["其中逾期", r["overdue"]],
        ["本季度销号的整改事项", r["closed"]],
        ["提高等级建议", section["level_raise_proposals"]],
    ]


def table_groups(section: dict) -> list[list[list]]:
    """The same rows in three short tables (page and PDF): warnings and replies, dispositions
    and proposals, rectification items."""
    rows = table_rows(section)
    return [rows[0:7], rows[7:12] + rows[15:16], rows[12:15]]
