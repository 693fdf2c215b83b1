"""Every read of supervision, scoped to the reader through supervision.access."""

from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404

from access import rules as roles
from risks.models import RiskForm, RiskPoint
from supervision import access, transitions
from supervision.enums import DispositionKind, GradeWording, State, WarningGrade, grade_label
from supervision.models import (
    Disposition,
    Finding,
    LevelRaiseProposal,
    RectificationItem,
    SupervisionLog,
    UnitSettings,
    WarningNotice,
)
from units.models import Department, Unit

AnyUser = User | AnonymousUser | None
LATEST = 10


def _get(qs: QuerySet, pk: int, user: AnyUser, check):
    obj = qs.filter(pk=pk).first()
    if obj is None or not check(user, obj):
        raise Http404("没有找到该记录。")
    return obj


def finding_for(user: AnyUser, pk: int) -> Finding:
    qs = Finding.objects.select_related(
        "unit", "subject_person", "subject_post", "subject_department", "recorded_by"
    )
    return _get(qs, pk, user, access.can_view_finding)


def warning_for(user: AnyUser, pk: int) -> WarningNotice:
    qs = WarningNotice.objects.select_related(
        "unit__supervision_settings", "recipient", "recipient_department", "issued_by", "finding"
    )
    return _get(qs, pk, user, access.can_view_warning)


def disposition_for(user: AnyUser, pk: int) -> Disposition:
    qs = Disposition.objects.select_related(
        "unit", "subject", "subject_department", "decided_by", "finding", "warning"
    )
    return _get(qs, pk, user, access.can_view_disposition)


def item_for(user: AnyUser, pk: int) -> RectificationItem:
    qs = RectificationItem.objects.select_related("disposition__unit", "responsible", "department")
    return _get(qs, pk, user, access.can_view_item)


def proposal_for(user: AnyUser, pk: int) -> LevelRaiseProposal:
    qs = LevelRaiseProposal.objects.select_related("unit", "point", "form", "proposed_by")
    return _get(qs, pk, user, access.can_view_proposal)


def log_of(record) -> list[SupervisionLog]:
    return list(record.log.prefetch_related("evidence").order_by("at", "id"))


def visible_items(user: AnyUser, disposition: Disposition) -> list[RectificationItem]:
    return list(
        access.items_visible_to(user, disposition.items.all())
        .select_related("responsible", "department")
        .prefetch_related(
            Prefetch("log", queryset=SupervisionLog.objects.prefetch_related("evidence"))
        )
        .order_by("order", "id")
    )


def available_actions(user: AnyUser, record) -> list[transitions.Transition]:
    """The actions this user may take on the record now (the buttons shown)."""
    from supervision.services import KIND_OF

    person = roles.person_for(user)
    held = access.actor_roles(person, record)
    kind = KIND_OF[type(record)]
    return [
        t
        for t in transitions.available(kind, record.state)
        if t.who & held and not transitions.failed_gates(t, record)
    ]


# ---------------------------------------------------------------- lists


@dataclass
class MyRecords:
    warnings: list[WarningNotice] = field(default_factory=list)
    dispositions: list[Disposition] = field(default_factory=list)
    items: list[RectificationItem] = field(default_factory=list)
    proposals: list[LevelRaiseProposal] = field(default_factory=list)


def my_records(user: AnyUser) -> MyRecords:
    """What the user may read, open first: their own, their department's, their unit's."""
    return MyRecords(
        warnings=list(
            access.warnings_visible_to(user)
            .select_related("unit__supervision_settings", "recipient", "recipient_department")
            .order_by("closed_at", "reply_due", "-id")[:200]
        ),
        dispositions=list(
            access.dispositions_visible_to(user)
            .select_related("unit", "subject", "subject_department")
            .order_by("closed_at", "-decided_on", "-id")[:200]
        ),
        items=list(
            access.items_visible_to(user)
            .select_related("disposition", "responsible", "department")
            .order_by("closed_at", "deadline", "id")[:200]
        ),
        proposals=list(
            access.proposals_visible_to(user)
            .select_related("unit", "form")
            .order_by("answered_at", "-proposed_on", "-id")[:200]
        ),
    )


def findings_list(user: AnyUser) -> list[Finding]:
    return list(
        access.findings_visible_to(user)
        .select_related("unit", "subject_person", "subject_post", "subject_department")
        .order_by("-found_on", "-id")[:200]
    )


def pending_proposal_count(form: RiskForm) -> int:
    """Proposals to raise a level that wait for this form's 集体审定 (workflow's publish check)."""
    return LevelRaiseProposal.objects.filter(form=form, state=State.PENDING).count()


def records_citing(user: AnyUser, form: RiskForm) -> dict[int, list[dict]]:
    """Per risk point of the form: the findings, warnings and dispositions citing it and the
    proposals about it that this user may see."""
    point_ids = list(form.points.values_list("pk", flat=True))
    cited: dict[int, list[dict]] = {}
    if not point_ids:
        return cited

    def add(point_id: int, label: str, text: str, url_name: str, pk: int) -> None:
        cited.setdefault(point_id, []).append(
            {"label": label, "text": text, "url_name": url_name, "pk": pk}
        )

    for f in access.findings_visible_to(
        user, Finding.objects.filter(risk_points__in=point_ids)
    ).values("pk", "source", "found_on", "risk_points"):
        add(
            f["risk_points"],
            "监督发现",
            f"{f['found_on']:%Y-%m-%d}",
            "supervision:finding",
            f["pk"],
        )
    wording = UnitSettings.of(form.unit).grade_wording
    for w in access.warnings_visible_to(
        user, WarningNotice.objects.filter(risk_points__in=point_ids)
    ).values("pk", "grade", "year", "number", "risk_points"):
        add(
            w["risk_points"],
            grade_label(w["grade"], wording),
            f"〔{w['year']}〕{w['number']}号",
            "supervision:warning",
            w["pk"],
        )
    for d in access.dispositions_visible_to(
        user, Disposition.objects.filter(risk_points__in=point_ids)
    ).values("pk", "kind", "decided_on", "risk_points"):
        add(
            d["risk_points"],
            DispositionKind(d["kind"]).label,
            f"{d['decided_on']:%Y-%m-%d}",
            "supervision:disposition",
            d["pk"],
        )
    for p in access.proposals_visible_to(
        user, LevelRaiseProposal.objects.filter(point__in=point_ids)
    ).values("pk", "state", "point_id"):
        add(p["point_id"], "提高等级建议", State(p["state"]).label, "supervision:proposal", p["pk"])
    return cited


# ---------------------------------------------------------------- 监督台


@dataclass
class Desk:
    units: list[Unit]
    open_by_grade: list[tuple[str, str, int]] = field(default_factory=list)
    overdue_warnings: list[WarningNotice] = field(default_factory=list)
    awaiting_review: list[WarningNotice] = field(default_factory=list)
    overdue_items: list[RectificationItem] = field(default_factory=list)
    reported_items: list[RectificationItem] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    pending_proposals: list[LevelRaiseProposal] = field(default_factory=list)
    heatmap: str = ""


def units_wording(units: list[Unit]) -> GradeWording | None:
    """The grade wording the units share (the default where they have none); None when they
    differ (the 监督台's legend then gives both: 红色预警／一级预警)."""
    chosen = dict(
        UnitSettings.objects.filter(unit__in=units).values_list("unit_id", "grade_wording")
    )
    wordings = {chosen.get(u.pk, GradeWording.COLOUR) for u in units}
    return GradeWording(wordings.pop()) if len(wordings) == 1 else None


def desk(user: AnyUser) -> Desk:
    units = access.inspected_units(user)
    d = Desk(units=units)
    warnings = access.warnings_visible_to(user).filter(unit__in=units)
    counts = dict(
        warnings.exclude(state=State.CLOSED)
        .values_list("grade")
        .annotate(n=Count("id"))
        .values_list("grade", "n")
    )
    wording = units_wording(units)
    d.open_by_grade = [
        (g.value, grade_label(g, wording) if wording else g.label + "／" + grade_label(g, "tier"),
         counts.get(g.value, 0))
        for g in WarningGrade
    ]  # fmt: skip
    related = ("unit__supervision_settings", "recipient", "recipient_department")
    d.overdue_warnings = list(
        warnings.filter(state__in=State.open_warning(), overdue_since__isnull=False)
        .select_related(*related)
        .order_by("reply_due", "id")[:100]
    )
    d.awaiting_review = list(
        warnings.filter(state=State.REPLIED).select_related(*related).order_by("replied_at")[:100]
    )
    items = access.items_visible_to(user).filter(disposition__unit__in=units)
    d.overdue_items = list(
        items.filter(state__in=State.open_item(), overdue_since__isnull=False)
        .select_related("disposition", "responsible", "department")
        .order_by("deadline", "id")[:100]
    )
    d.reported_items = list(
        items.filter(state=State.REPORTED)
        .select_related("disposition", "responsible", "department")
        .order_by("deadline", "id")[:100]
    )
    d.findings = list(
        access.findings_visible_to(user)
        .filter(unit__in=units)
        .select_related("unit", "subject_person", "subject_post", "subject_department")
        .order_by("-found_on", "-id")[:LATEST]
    )
    d.pending_proposals = list(
        access.proposals_visible_to(user)
        .filter(unit__in=units, state=State.PENDING)
        .select_related("unit", "form")
        .order_by("proposed_on", "id")[:100]
    )
    d.heatmap = heatmap_svg(user, units)
    return d


def heat_rows(user: AnyUser, units: list[Unit]) -> list[dict]:
    """Per department of the units (and 领导班子): decided levels of the current form versions'
    points, and the open dispositions concerning it (its people or itself)."""
    newer = RiskForm.objects.filter(previous_version=OuterRef("form_id"))
    levels = (
        RiskPoint.objects.filter(form__unit__in=units, final_level__isnull=False)
        .filter(~Exists(newer))
        .values("form__unit_id", "form__department_id", "final_level")
        .annotate(n=Count("id"))
    )
    grid: dict[tuple[int, int | None], dict[int, int]] = {}
    for row in levels:
        key = (row["form__unit_id"], row["form__department_id"])
        grid.setdefault(key, {})[row["final_level"]] = row["n"]
    open_dispositions = (
        access.dispositions_visible_to(user)
        .filter(unit__in=units)
        .exclude(state=State.CLOSED)
        .annotate(dept=Coalesce("subject_department_id", "subject__department_id"))
        .values("unit_id", "dept")
        .annotate(n=Count("id"))
    )
    open_count = {(r["unit_id"], r["dept"]): r["n"] for r in open_dispositions}
    rows = []
    departments = Department.objects.filter(unit__in=units).select_related("unit")
    multi = len(units) > 1
    for unit in units:
        rows.append(
            {
                "label": (unit.short_name or unit.name) + "·领导班子" if multi else "领导班子",
                "unit": unit,
                "levels": grid.get((unit.pk, None), {}),
                "open": open_count.get((unit.pk, None), 0),
            }
        )
        for dept in departments:
            if dept.unit_id != unit.pk:
                continue
            rows.append(
                {
                    "label": f"{unit.short_name or unit.name}·{dept.name}" if multi else dept.name,
                    "unit": unit,
                    "levels": grid.get((unit.pk, dept.pk), {}),
                    "open": open_count.get((unit.pk, dept.pk), 0),
                }
            )
    return rows


def heatmap_svg(user: AnyUser, units: list[Unit]) -> str:
    """Departments × decided level as an SVG heat map (darker = more points), with a circle
    per department giving its open dispositions. Text is real text; no script."""
    rows = heat_rows(user, units)
    if not rows:
        return ""
    label_unit = units[0]
    row_h, cell_w, left, top = 26, 64, 150, 34
    width = left + cell_w * 4 + 10
    height = top + row_h * len(rows) + 8
    peak = max((n for r in rows for n in r["levels"].values()), default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart heatmap" role="img" '
        f'aria-label="各部室审定风险等级热力图及未结处置" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}">'
    ]
    for col, level in enumerate((1, 2, 3)):
        x = left + col * cell_w + cell_w / 2
        parts.append(
            f'<text x="{x}" y="22" text-anchor="middle" font-size="12">'
            f"{escape(label_unit.level_label(level))}</text>"
        )
    parts.append(
        f'<text x="{left + 3 * cell_w + cell_w / 2}" y="22" text-anchor="middle" '
        f'font-size="12">未结处置</text>'
    )
    for i, row in enumerate(rows):
        y = top + i * row_h
        parts.append(
            f'<text x="{left - 6}" y="{y + 17}" text-anchor="end" font-size="12">'
            f"{escape(row['label'][:14])}</text>"
        )
        for col, level in enumerate((1, 2, 3)):
            n = row["levels"].get(level, 0)
            shade = 0.08 + 0.85 * n / peak if n else 0.0
            x = left + col * cell_w
            parts.append(
                f'<rect x="{x + 1}" y="{y + 1}" width="{cell_w - 2}" height="{row_h - 2}" '
                f'fill="#b02a37" fill-opacity="{shade:.2f}" stroke="#dee2e6"/>'
            )
            colour = "#fff" if shade > 0.5 else "#212529"
            parts.append(
                f'<text x="{x + cell_w / 2}" y="{y + 17}" text-anchor="middle" font-size="12" '
                f'fill="{colour}">{n}</text>'
            )
        n_open = row["open"]
        cx = left + 3 * cell_w + cell_w / 2
        if n_open:
            r = min(6 + 3 * n_open, row_h / 2 - 1)
            parts.append(
                f'<circle cx="{cx}" cy="{y + row_h / 2}" r="{r}" fill="#fd7e14" '
                f'fill-opacity="0.85"/>'
            )
        parts.append(
            f'<text x="{cx}" y="{y + 17}" text-anchor="middle" font-size="12">{n_open}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def nav_entries(user: AnyUser) -> list[tuple[str, str]]:
    """The navigation of supervision: 纪检's 监督台 and findings; 我的预警与整改 for whoever has
    a record to read (recipients, heads, the principal, the office for proposals); 登记监督发现
    for 廉防办 where the unit's 纪检 allows it."""
    from django.urls import reverse

    entries = []
    if access.may_use_desk(user):
        entries += [
            ("监督台", reverse("supervision:desk")),
            ("监督发现", reverse("supervision:finding_list")),
            ("预警与处置", reverse("supervision:mine")),
        ]
        return entries
    if access.office_finding_units(user):  # 廉防办 where its 纪检 allows findings
        entries += [
            ("登记监督发现", reverse("supervision:finding_create")),
            ("我登记的监督发现", reverse("supervision:finding_list")),
        ]
    if roles.person_for(user) is not None and _has_any_record(user):
        entries.append(("我的预警与整改", reverse("supervision:mine")))
    return entries


def _has_any_record(user: AnyUser) -> bool:
    """Whether one warning, disposition, item or proposal is visible to the user: one query
    (a UNION of the four ids) on every page of the navigation instead of four."""
    ids = [
        qs.order_by().values_list("pk")
        for qs in (
            access.warnings_visible_to(user),
            access.dispositions_visible_to(user),
            access.items_visible_to(user),
            access.proposals_visible_to(user),
        )
    ]
    return ids[0].union(*ids[1:], all=True).exists()
