"""The 一览表 layouts of the seed forms, as one grid model that HTML, PDF and Excel all draw.

A `FormSheet` is the printed form: title, the signature fields above and below the table, and
the table itself as rows of `Cell`s with colspan/rowspan over fixed column widths. The HTML
template and the Excel writer only walk this model, so the three formats cannot drift apart.

Two families (the unit picks one, `Unit.form_layout`):
- seed 000 (附件2 of the 广元市红十字会 plan): 党政一把手 / 其他班子成员 as a two-column form
  (职务, 岗位职责, 风险等级, 存在的廉政风险点, 廉政风险防控措施) and 部室负责人、工作人员 with
  one row per risk point (风险点 · 防控措施 · 风险等级). The seed has no department or
  leadership-collective form; those reuse the same family's look.
- seed 001 (东营市残联): 廉政风险辨认防控一览表 (岗位 / 部室 / 单位) with one block of rows per
  风险类别 and a 审核意见 column running down the right side.

Signature fields show the signer's name and date from `workflow.Signature`; unsigned ones stay
blank for a pen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone

from risks.enums import CATEGORIES_BY_SUBJECT, RiskCategory, SubjectKind, supervision_text
from risks.models import RiskForm, RiskPoint
from units.enums import FormLayout, PostTier
from workflow.enums import Action, FormState
from workflow.models import SignatureKind

# Seed 001's own wording (its title says 辨认, its signature line 主要领导 — the seed's text
# writes 重要 where 主要 is meant, so we print the correct term).
SEED001_TITLE = "廉政风险辨认防控一览表"


@dataclass
class Cell:
    text: str = ""
    colspan: int = 1
    rowspan: int = 1
    # label: a printed caption; head: a column heading; value: filled-in content; blank: for a pen
    kind: str = "value"
    # Extra lines under the text (e.g. the supervision under a level), printed smaller.
    note: str = ""
    # Tall cells left for handwriting (审核意见) get a minimum height.
    tall: bool = False


@dataclass
class SignField:
    label: str
    value: str = ""  # the signer's name, or a date written out; "" = blank for a pen
    is_date: bool = False


@dataclass
class FormSheet:
    title: str
    subtitle: str
    columns: list[int]  # relative widths; the HTML uses them as percentages, Excel as widths
    rows: list[list[Cell]]
    top_fields: list[SignField] = field(default_factory=list)
    bottom_fields: list[SignField] = field(default_factory=list)
    meta: str = ""
    draft: bool = False
    anchor: str = ""
    toc_title: str = ""
    department_name: str = ""

    @property
    def n_columns(self) -> int:
        return len(self.columns)


def cn_date(value: date | None) -> str:
    """2026 年 3 月 5 日, or the blank of the seed forms for a pen."""
    if value is None:
        return ""
    return f"{value.year} 年 {value.month} 月 {value.day} 日"


BLANK_DATE = "　　年　　月　　日"


# 审核意见 (seed 001): the opinions recorded along the chain, from the transition log. A return
# to 自查填报 starts the form over, so only what follows the last return is printed.
REVIEW_HEADINGS = {
    Action.PASS: "部室审核",
    Action.DECIDE: "集体审定",
    Action.SIGN_SUPERVISOR: "分管领导",
    Action.SIGN_PRINCIPAL: "主要领导",
    Action.UPHOLD_OBJECTION: "公示异议",
}
RESET_ACTIONS = (Action.RETURN_TO_DRAFT, Action.RETURN_FROM_COLLECTIVE)
REVIEW_LOG_ACTIONS = (*REVIEW_HEADINGS, *RESET_ACTIONS)
SILENT_UNLESS_COMMENTED = (Action.SIGN_SUPERVISOR, Action.SIGN_PRINCIPAL)


def review_opinions(form: RiskForm) -> list[str]:
    """The 审核意见 lines: who reviewed or decided, what they wrote, when; then the points whose
    decided level differs from the proposal, with the reason. Uses `form.review_logs` when
    reports.selectors.form_queryset prefetched it."""
    logs = getattr(form, "review_logs", None)
    if logs is None:
        logs = list(
            form.transition_logs.filter(action__in=REVIEW_LOG_ACTIONS)
            .defer("snapshot")
            .order_by("created_at", "id")
        )
    lines: list[str] = []
    decided = False
    since = None
    for entry in logs:
        if entry.action in RESET_ACTIONS:
            lines, decided, since = [], False, entry.created_at
            continue
        comment = entry.comment.strip()
        if entry.action in SILENT_UNLESS_COMMENTED and not comment:
            continue
        decided = decided or entry.action == Action.DECIDE
        day = cn_date(timezone.localtime(entry.created_at).date())
        text = comment or entry.get_action_display()
        lines.append(f"{REVIEW_HEADINGS[entry.action]}：{text}（{entry.actor_name}，{day}）")
    if decided:
        for n, p in enumerate(_points(form), 1):
            if p.final_level and p.final_level != p.proposed_level:
                reason = f"：{p.final_reason}" if p.final_reason else ""
                lines.append(
                    f"第{n}个风险点由{form.unit.level_label(p.proposed_level)}"
                    f"审定为{form.unit.level_label(p.final_level)}{reason}"
                )
    from workflow.history import objection_opinion_lines  # answered objections (issue 14)

    return lines + objection_opinion_lines(form, since=since)


def _signatures(form: RiskForm) -> dict[str, object]:
    return {s.kind: s for s in form.signatures.all()}


def _sign(sigs: dict, label: str, *kinds: str) -> SignField:
    for kind in kinds:
        sig = sigs.get(kind)
        if sig is not None:
            day = timezone.localtime(sig.signed_at).date()
            return SignField(label, f"{sig.name}（{cn_date(day)}）")
    return SignField(label)


def _signer_name(sigs: dict, label: str, kind: str) -> SignField:
    sig = sigs.get(kind)
    return SignField(label, sig.name if sig else "")


def _sign_date(sigs: dict, label: str, kind: str) -> SignField:
    sig = sigs.get(kind)
    if sig is None:
        return SignField(label, "", is_date=True)
    return SignField(label, cn_date(timezone.localtime(sig.signed_at).date()), is_date=True)


def _points(form: RiskForm) -> list[RiskPoint]:
    return list(form.points.all())


def _level_text(form: RiskForm, level: int | None) -> str:
    return form.unit.level_label(level)


def _supervision(form: RiskForm, level: int | None) -> str:
    return supervision_text(
        level=level, tier=form.tier, is_key=form.is_key, subject_kind=form.subject_kind
    )


def _overall_level(form: RiskForm, points: list[RiskPoint]) -> int | None:
    """The form's decided level, else its proposal, else the highest risk among its points."""
    level = form.overall_final_level or form.overall_proposed_level
    if level:
        return level
    levels = [p.effective_level for p in points if p.effective_level]
    return min(levels) if levels else None


def _measures_text(point: RiskPoint) -> str:
    return "\n".join(m.text for m in point.measures.all())


def _meta(form: RiskForm) -> str:
    return f"{form.round.title}　第 {form.version} 版　{form.get_state_display()}"


def _person_title(form: RiskForm) -> str:
    if form.filler_id and form.filler.job_title:
        return form.filler.job_title
    return form.post.name if form.post_id else ""


def subject_heading(form: RiskForm) -> str:
    """The subtitle of seed 000's forms, by the post tier or the subject kind."""
    if form.subject_kind == SubjectKind.LEADERSHIP:
        return "领导班子"
    if form.subject_kind == SubjectKind.DEPARTMENT:
        return "部室"
    if form.post.tier == PostTier.PRINCIPAL:
        return "党政一把手"
    if form.post.tier == PostTier.LEADER:
        return "其他班子成员"
    return "部室负责人、工作人员"


def toc_title(form: RiskForm) -> str:
    if form.subject_kind == SubjectKind.LEADERSHIP:
        return f"{form.unit.name}领导班子"
    if form.subject_kind == SubjectKind.DEPARTMENT:
        return f"{form.department.name}（部室）"
    who = f"　{form.filler.name}" if form.filler_id else ""
    return f"{form.post}{who}"


def build_sheet(form: RiskForm) -> FormSheet:
    """The printed 一览表 of a form in its unit's layout family. Expects the prefetches of
    reports.selectors.FORM_PREFETCH (no queries of its own beyond them)."""
    sheet = _seed001(form) if form.unit.form_layout == FormLayout.SEED001 else _seed000(form)
    sheet.meta = _meta(form)
    sheet.draft = form.state != FormState.FILED
    sheet.anchor = f"form-{form.pk}"
    sheet.toc_title = toc_title(form)
    sheet.department_name = form.department.name if form.department_id else "领导班子"
    return sheet


# ---------------------------------------------------------------- seed 000


def _seed000(form: RiskForm) -> FormSheet:
    sigs = _signatures(form)
    points = _points(form)
    heading = subject_heading(form)
    top = [
        _signer_name(sigs, "填表人签字", SignatureKind.FILLER),
        _sign_date(sigs, "填表时间", SignatureKind.FILLER),
    ]
    title = f"{form.unit.name}廉政风险点及防控措施一览表"
    if heading in ("党政一把手", "其他班子成员", "领导班子"):
        rows = _seed000_leadership_rows(form, points)
        bottom = (
            []
            if heading == "党政一把手"
            else [_sign(sigs, "党组书记签字", SignatureKind.PRINCIPAL)]
        )
        return FormSheet(title, f"（{heading}）", [22, 78], rows, top, bottom)
    rows = _seed000_staff_rows(form, points)
    bottom = [
        _sign(sigs, "分管领导签字", SignatureKind.SUPERVISOR),
        _sign(sigs, "党组书记签字", SignatureKind.PRINCIPAL),
    ]
    return FormSheet(title, f"（{heading}）", [10, 13, 9, 14, 9, 15, 10, 20], rows, top, bottom)


def _numbered(items: list[str]) -> str:
    return "\n".join(f"{i}．{text}" for i, text in enumerate(items, 1))


def _seed000_leadership_rows(form: RiskForm, points: list[RiskPoint]) -> list[list[Cell]]:
    level = _overall_level(form, points)
    if form.subject_kind == SubjectKind.LEADERSHIP:
        duty_label, duty = "单位职能", ""
        title_label, title = "单　　位", form.unit.name
    else:
        duty_label, duty = "岗位职责", form.post.duties
        title_label, title = "职　　务", _person_title(form)
    risk_lines = []
    measure_lines = []
    for p in points:
        risk_lines.append(
            f"{p.description}（{p.get_category_display()}，{_level_text(form, p.effective_level)}）"
        )
        measure_lines.append("；".join(m.text for m in p.measures.all()))
    return [
        [Cell(title_label, kind="label"), Cell(title)],
        [Cell(duty_label, kind="label"), Cell(duty)],
        [
            Cell("风险等级", kind="label"),
            Cell(_level_text(form, level), note=_supervision(form, level) if level else ""),
        ],
        [Cell("存在的廉政风险点", kind="label"), Cell(_numbered(risk_lines))],
        [Cell("廉政风险防控措施", kind="label"), Cell(_numbered(measure_lines))],
    ]


def _seed000_staff_rows(form: RiskForm, points: list[RiskPoint]) -> list[list[Cell]]:
    if form.subject_kind == SubjectKind.DEPARTMENT:
        dept = form.department
        head = dept.head.name if dept.head_id else ""
        supervisor = dept.supervisor.name if dept.supervisor_id else ""
        rows = [
            [
                Cell("部室", kind="label"),
                Cell(dept.name, colspan=3),
                Cell("部室负责人", kind="label"),
                Cell(head),
                Cell("分管领导", kind="label"),
                Cell(supervisor),
            ],
            [Cell("部室职责", kind="label"), Cell(_department_duties(form), colspan=7)],
        ]
        risk_label = "部室廉政风险"
    else:
        rows = [
            [
                Cell("姓名", kind="label"),
                Cell(form.filler.name if form.filler_id else ""),
                Cell("部室", kind="label"),
                Cell(form.department.name if form.department_id else ""),
                Cell("职务", kind="label"),
                Cell(_person_title(form)),
                Cell("工作岗位", kind="label"),
                Cell(form.post.name),
            ],
            [Cell("岗位职责", kind="label"), Cell(form.post.duties, colspan=7)],
        ]
        risk_label = "岗位廉政风险"
    body = [
        [Cell(p.description, colspan=3), Cell(_measures_text(p), colspan=3), _level_cell(form, p)]
        for p in points
    ] or [
        [
            Cell("", colspan=3, kind="blank"),
            Cell("", colspan=3, kind="blank"),
            Cell("", kind="blank"),
        ]
    ]
    rows.append(
        [
            Cell(risk_label, kind="label", rowspan=len(body) + 1),
            Cell("风险点", kind="head", colspan=3),
            Cell("防控措施", kind="head", colspan=3),
            Cell("风险等级", kind="head"),
        ]
    )
    rows.extend(body)
    return rows


def _level_cell(form: RiskForm, point: RiskPoint) -> Cell:
    level = point.effective_level
    return Cell(_level_text(form, level), note=_supervision(form, level) if level else "")


def _department_duties(form: RiskForm) -> str:
    return "；".join(item.name for item in form.department.power_items.all())


# ---------------------------------------------------------------- seed 001


def _category_label(category: RiskCategory) -> str:
    if category in (
        RiskCategory.MAJOR_DECISION,
        RiskCategory.PERSONNEL,
        RiskCategory.MAJOR_PROJECT,
        RiskCategory.LARGE_FUNDS,
    ):
        return category.label
    return f"{category.label}风险"


def _seed001(form: RiskForm) -> FormSheet:
    sigs = _signatures(form)
    points = _points(form)
    columns = [11, 11, 8, 15, 10, 12, 8, 11, 14]
    if form.subject_kind == SubjectKind.LEADERSHIP:
        # The principal fills in the leadership form (SPEC section 5).
        header = [
            Cell("单位名称", kind="label"),
            Cell(form.unit.name, colspan=3),
            Cell("单位主要领导", kind="label"),
            Cell(form.filler.name if form.filler_id else "", colspan=3),
        ]
        duty_row = [Cell("单位职能", kind="label"), Cell("", colspan=7)]
        subtitle = "（单位）"
        bottom = [
            _sign(sigs, "主要领导签字", SignatureKind.PRINCIPAL, SignatureKind.FILLER),
            _sign_date(sigs, "填表日期", SignatureKind.FILLER),
        ]
    elif form.subject_kind == SubjectKind.DEPARTMENT:
        dept = form.department
        header = [
            Cell("部室名称", kind="label"),
            Cell(dept.name, colspan=2),
            Cell("部室负责人", kind="label"),
            Cell(dept.head.name if dept.head_id else ""),
            Cell("分管领导", kind="label"),
            Cell(dept.supervisor.name if dept.supervisor_id else "", colspan=2),
        ]
        duty_row = [Cell("业务工作职责", kind="label"), Cell(_department_duties(form), colspan=7)]
        subtitle = "（部室）"
        bottom = [
            _sign(sigs, "部室领导签字", SignatureKind.DEPT_HEAD, SignatureKind.FILLER),
            _sign(sigs, "分管领导签字", SignatureKind.SUPERVISOR),
            _sign_date(sigs, "填表日期", SignatureKind.FILLER),
        ]
    else:
        header = [
            Cell("姓　名", kind="label"),
            Cell(form.filler.name if form.filler_id else ""),
            Cell("单　位", kind="label"),
            Cell(form.unit.name),
            Cell("岗位名称", kind="label"),
            Cell(form.post.name),
            Cell("职　务", kind="label"),
            Cell(_person_title(form)),
        ]
        duty_row = [Cell("岗位工作职责", kind="label"), Cell(form.post.duties, colspan=7)]
        subtitle = "（岗位）"
        if form.post.tier in PostTier.leadership():
            bottom = [_signer_name(sigs, "负责人签字", SignatureKind.FILLER)]
            if form.post.tier == PostTier.LEADER:
                bottom.append(_sign(sigs, "主要领导签字", SignatureKind.PRINCIPAL))
        else:
            bottom = [
                _signer_name(sigs, "负责人签字", SignatureKind.FILLER),
                _sign(sigs, "部室领导签字", SignatureKind.DEPT_HEAD),
            ]
        bottom.append(_sign_date(sigs, "填表日期", SignatureKind.FILLER))

    by_category: dict[str, list[RiskPoint]] = {}
    for p in points:
        by_category.setdefault(p.category, []).append(p)
    body: list[list[Cell]] = []
    for category in CATEGORIES_BY_SUBJECT[form.subject_kind]:
        group = by_category.get(category.value, [])
        label = Cell(_category_label(category), kind="label", rowspan=max(1, len(group)))
        if not group:
            body.append(
                [
                    label,
                    Cell("", colspan=3, kind="blank"),
                    Cell("", kind="blank"),
                    Cell("", colspan=3, kind="blank"),
                ]
            )
            continue
        for i, p in enumerate(group):
            row = [label] if i == 0 else []
            row += [
                Cell(p.description, colspan=3),
                _level_cell(form, p),
                Cell(_measures_text(p), colspan=3),
            ]
            body.append(row)

    header.append(Cell("审核意见", kind="label"))
    rows = [header]
    n_rest = 2 + len(body)
    opinions = review_opinions(form)
    duty_row.append(
        Cell("\n".join(opinions), kind="opinion", rowspan=n_rest, tall=True)
        if opinions
        else Cell("", kind="blank", rowspan=n_rest, tall=True)
    )
    rows.append(duty_row)
    rows.append(
        [
            Cell("风险类别", kind="head"),
            Cell("风险点", kind="head", colspan=3),
            Cell("风险等级", kind="head"),
            Cell("防控措施", kind="head", colspan=3),
        ]
    )
    rows.extend(body)
    return FormSheet(SEED001_TITLE, subtitle, columns, rows, [], bottom)


# ---------------------------------------------------------------- the register (台账)

REGISTER_HEADERS = (
    "序号",
    "部室",
    "岗位",
    "姓名",
    "岗位层级",
    "重点岗位",
    "风险类别",
    "风险点",
    "风险等级",
    "防控措施",
    "监管方式",
    "责任人",
)
REGISTER_WIDTHS = (6, 12, 16, 9, 10, 8, 10, 40, 8, 44, 22, 9)


def register_row(index: int, point: RiskPoint) -> tuple:
    """One row of the register. `point` comes from reports.selectors.register_points."""
    form = point.form
    level = point.effective_level
    if form.subject_kind == SubjectKind.POST:
        post, tier = form.post.name, form.post.get_tier_display()
    elif form.subject_kind == SubjectKind.DEPARTMENT:
        post, tier = "（部室）", "部室"
    else:
        post, tier = "（领导班子）", "领导班子"
    return (
        index,
        form.department.name if form.department_id else "领导班子",
        post,
        form.filler.name if form.filler_id else "",
        tier,
        "是" if form.is_key else "否",
        point.get_category_display(),
        point.description,
        form.unit.level_label(level),
        "\n".join(m.text for m in point.measures.all()),
        supervision_text(
            level=level, tier=form.tier, is_key=form.is_key, subject_kind=form.subject_kind
        ),
        point.responsible_person,
    )
