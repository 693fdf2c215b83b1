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

from dataclasses import dataclass, field, replace
from datetime import date
from itertools import pairwise

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
    # label: a printed caption; head: a column heading; value: filled-in content; blank: for a
    # pen; opinion: the 审核意见 text
    kind: str = "value"
    # Extra lines under the text (e.g. the supervision under a level), printed smaller.
    note: str = ""
    # Tall cells left for handwriting (审核意见) get a minimum height.
    tall: bool = False
    # A label's words: a line may break between them, never inside one (部室|负责人).
    words: tuple[str, ...] = ()
    # The cell reads as one with the cell above / below it (no border between them).
    join_top: bool = False
    join_bottom: bool = False
    # The part of a cell continued on a later page (its label carries "（续）").
    cont: bool = False


def label(text: str, *, colspan: int = 1, rowspan: int = 1, head: bool = False) -> Cell:
    """A caption whose words are kept whole: "部室|负责人" may break only at the bar."""
    words = tuple(w for w in text.split("|") if w)
    return Cell(
        "".join(words),
        colspan=colspan,
        rowspan=rowspan,
        kind="head" if head else "label",
        words=words,
    )


@dataclass
class SignField:
    label: str
    value: str = ""  # the signer's name, or a date written out; "" = blank for a pen
    is_date: bool = False


@dataclass
class FormSheet:
    """A printed form: the rows above the table header (`top_rows`, printed once), the column
    headings (`head_rows`, repeated on every page) and the body (`body_rows`)."""

    title: str
    subtitle: str
    columns: list[int]  # relative widths; the HTML uses them as percentages, Excel as widths
    top_rows: list[list[Cell]]
    head_rows: list[list[Cell]] = field(default_factory=list)
    body_rows: list[list[Cell]] = field(default_factory=list)
    top_fields: list[SignField] = field(default_factory=list)
    bottom_fields: list[SignField] = field(default_factory=list)
    meta: str = ""
    draft: bool = False
    anchor: str = ""
    toc_title: str = ""
    department_name: str = ""
    # Body rows tall enough (about a third of a page) to be split across pages.
    split_rows: set[int] = field(default_factory=set)

    @property
    def n_columns(self) -> int:
        return len(self.columns)

    @property
    def rows(self) -> list[list[Cell]]:
        """Every row, top to bottom (the workbook draws them as one grid)."""
        return [*self.top_rows, *self.head_rows, *self.body_rows]

    def body(self) -> list[tuple[int, list[Cell], bool]]:
        """The body rows for the template: (index, cells, may split across pages)."""
        return [(i, row, i in self.split_rows) for i, row in enumerate(self.body_rows)]

    def paginate(self, page_starts: set[int]) -> None:
        """Cut the cells spanning rows at the body rows that begin a page (found by a first
        rendering, reports.pdf): the part on the later page gets its own borders, and a label
        is repeated there with "（续）"."""
        self.body_rows = cut_rowspans(self.body_rows, page_starts)


def _placed(rows: list[list[Cell]]) -> list[tuple[int, int, Cell]]:
    """(row, column, cell) of every cell, columns resolved past cells spanning from above."""
    occupied: set[tuple[int, int]] = set()
    out = []
    for r, row in enumerate(rows):
        col = 0
        for c in row:
            while (r, col) in occupied:
                col += 1
            out.append((r, col, c))
            for rr in range(r, r + c.rowspan):
                for cc in range(col, col + c.colspan):
                    occupied.add((rr, cc))
            col += c.colspan
    return out


def cut_rowspans(rows: list[list[Cell]], starts: set[int]) -> list[list[Cell]]:
    parts: list[tuple[int, int, Cell]] = []
    for r, col, c in _placed(rows):
        end = r + c.rowspan
        bounds = [r, *sorted(s for s in starts if r < s < end), end]
        for k, (a, b) in enumerate(pairwise(bounds)):
            if k == 0:
                part = replace(c, rowspan=b - a, join_bottom=c.join_bottom and b == end)
            else:
                is_label = c.kind in ("label", "head") and c.text
                part = replace(
                    c,
                    rowspan=b - a,
                    text=f"{c.text}（续）" if is_label else "",
                    words=(*c.words, "（续）") if is_label else (),
                    note="",
                    cont=True,
                    join_top=False,
                    join_bottom=c.join_bottom and b == end,
                )
            parts.append((a, col, part))
    for r, _col, c in parts:  # a page begins with closed borders
        if r in starts and c.join_top:
            c.join_top = False
    parts.sort(key=lambda t: (t[0], t[1]))
    out: list[list[Cell]] = [[] for _ in rows]
    for r, _col, c in parts:
        out[r].append(c)
    return out


# How tall a row prints, roughly (A4, 180 mm wide, 10 pt text): rows above a third of the
# page body may break across pages, shorter ones are kept whole.
PAGE_WIDTH_MM = 180.0
CHAR_MM = 10 * 0.3528
LINE_MM = CHAR_MM * 1.4
SPLIT_ROW_MM = 250 / 3
# Punctuation, digits and line ends leave lines shorter than the width allows.
FILL = 0.85


def estimate_height_mm(row: list[Cell], columns: list[int], placed_cols: list[int]) -> float:
    total = sum(columns)
    best = 0.0
    for c, col in zip(row, placed_cols, strict=True):
        if c.rowspan > 1:
            continue
        width = PAGE_WIDTH_MM * sum(columns[col : col + c.colspan]) / total - 3
        per_line = max(1, int(FILL * width / CHAR_MM))
        text = c.text + ("\n" + c.note if c.note else "")
        lines = sum(max(1, -(-len(part) // per_line)) for part in text.split("\n"))
        best = max(best, lines * LINE_MM + 2)
    return best


def _mark_split_rows(sheet: FormSheet) -> None:
    cols: dict[int, list[int]] = {}
    for r, col, _c in _placed(sheet.body_rows):
        cols.setdefault(r, []).append(col)
    sheet.split_rows = {
        r
        for r, row in enumerate(sheet.body_rows)
        if row and estimate_height_mm(row, sheet.columns, cols[r]) > SPLIT_ROW_MM
    }


def cn_date(value: date | None) -> str:
    """2026年3月5日 (the one date style of every printed output), or "" for a pen."""
    if value is None:
        return ""
    return f"{value.year}年{value.month}月{value.day}日"


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
# What an opinion says when its author wrote nothing (never the action's own name).
REVIEW_DEFAULT_TEXT = {
    Action.PASS: "通过",
    Action.DECIDE: "同意",
    Action.SIGN_SUPERVISOR: "同意",
    Action.SIGN_PRINCIPAL: "同意",
    Action.UPHOLD_OBJECTION: "异议成立",
}
RESET_ACTIONS = (Action.RETURN_TO_DRAFT, Action.RETURN_FROM_COLLECTIVE)
REVIEW_LOG_ACTIONS = (*REVIEW_HEADINGS, *RESET_ACTIONS)
SILENT_UNLESS_COMMENTED = (Action.SIGN_SUPERVISOR, Action.SIGN_PRINCIPAL)
_STOPS = "。；;，,、.！!？?：:"


def _sentence(text: str) -> str:
    """One sentence ending in "。" (whatever the writer ended it with)."""
    return text.strip().rstrip(_STOPS) + "。"


def review_opinions(form: RiskForm) -> list[str]:
    """The 审核意见 lines, "部室审核（赵明远，2026年11月30日）：通过。", then the points whose
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
        text = _sentence(comment or REVIEW_DEFAULT_TEXT[entry.action])
        lines.append(f"{REVIEW_HEADINGS[entry.action]}（{entry.actor_name}，{day}）：{text}")
    if decided:
        for n, p in enumerate(_points(form), 1):
            if p.final_level and p.final_level != p.proposed_level:
                reason = f"：{p.final_reason.strip().rstrip(_STOPS)}" if p.final_reason else ""
                lines.append(
                    f"第{n}个风险点由{form.unit.level_label(p.proposed_level)}"
                    f"审定为{form.unit.level_label(p.final_level)}{reason}。"
                )
    from workflow.history import objection_opinion_lines  # answered objections (issue 14)

    return lines + objection_opinion_lines(form, since=since)


def _signatures(form: RiskForm) -> dict[str, object]:
    return {s.kind: s for s in form.signatures.all()}


def _sign(sigs: dict, label: str, *kinds: str) -> SignField:
    """The first of the kinds that was signed: its signer's name and date."""
    for kind in kinds:
        sig = sigs.get(kind)
        if sig is not None:
            day = timezone.localtime(sig.signed_at).date()
            return SignField(label, f"{sig.name}（{cn_date(day)}）")
    return SignField(label)


def _signer_name(sigs: dict, label: str, *kinds: str) -> SignField:
    for kind in kinds:
        sig = sigs.get(kind)
        if sig is not None:
            return SignField(label, sig.name)
    return SignField(label)


def _sign_date(sigs: dict, label: str, kind: str) -> SignField:
    sig = sigs.get(kind)
    if sig is None:
        return SignField(label, "", is_date=True)
    return SignField(label, cn_date(timezone.localtime(sig.signed_at).date()), is_date=True)


def _points(form: RiskForm) -> list[RiskPoint]:
    return list(form.points.all())


def _level_text(form: RiskForm, level: int | None) -> str:
    if form.unit.form_layout == FormLayout.SEED004:
        return SEED004_LEVELS.get(level, "")
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


def _measure_list(point: RiskPoint) -> list[str]:
    return [m.text.strip() for m in point.measures.all() if m.text.strip()]


def _measures_text(point: RiskPoint) -> str:
    return "\n".join(_measure_list(point))


def _measures_sentence(point: RiskPoint) -> str:
    """The measures of a point as one sentence: "a；b。" ("" when there are none)."""
    items = [m.rstrip(_STOPS) for m in _measure_list(point)]
    return "；".join(items) + "。" if items else ""


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


def toc_entry(form: RiskForm) -> str:
    """A form's line in the bound volume's contents, under its department's heading (so
    without the department's name)."""
    if form.subject_kind == SubjectKind.LEADERSHIP:
        return "领导班子一览表"
    if form.subject_kind == SubjectKind.DEPARTMENT:
        return "部室一览表"
    who = f"　{form.filler.name}" if form.filler_id else ""
    return f"{form.post.name}{who}"


def build_sheet(form: RiskForm) -> FormSheet:
    """The printed 一览表 of a form in its unit's layout family. Expects the prefetches of
    reports.selectors.FORM_PREFETCH (no queries of its own beyond them)."""
    builder = {FormLayout.SEED001: _seed001, FormLayout.SEED004: _seed004}.get(
        form.unit.form_layout, _seed000
    )
    sheet = builder(form)
    sheet.meta = _meta(form)
    sheet.draft = form.state != FormState.FILED
    sheet.anchor = f"form-{form.pk}"
    sheet.toc_title = toc_entry(form)
    sheet.department_name = form.department.name if form.department_id else "领导班子"
    _mark_split_rows(sheet)
    return sheet


def _empty_row(widths: list[int]) -> list[Cell]:
    return [Cell("", colspan=w, kind="blank") for w in widths]


def _with_side_label(text: str, body: list[list[Cell]], head: list[Cell]) -> tuple:
    """A label running down the left of the column headings and the body rows: blank beside
    the headings (they repeat on every page), the text beside the body (and "（续）" on a
    later page)."""
    top = Cell("", kind="label", join_bottom=True)
    side = label(text, rowspan=len(body))
    side.join_top = True
    return [[top, *head]], [[side, *body[0]], *body[1:]]


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
        if heading == "党政一把手":
            bottom = []
        elif heading == "领导班子":  # filled in by the principal, who signs it as filler
            bottom = [_sign(sigs, "党组书记签字", SignatureKind.PRINCIPAL, SignatureKind.FILLER)]
        else:
            bottom = [_sign(sigs, "党组书记签字", SignatureKind.PRINCIPAL)]
        top_rows, body = _seed000_leadership_rows(form, points)
        return FormSheet(title, f"（{heading}）", [22, 78], top_rows, [], body, top, bottom)
    top_rows, head, body = _seed000_staff_rows(form, points)
    bottom = [
        _sign(sigs, "分管领导签字", SignatureKind.SUPERVISOR),
        _sign(sigs, "党组书记签字", SignatureKind.PRINCIPAL),
    ]
    return FormSheet(
        title, f"（{heading}）", [10, 9, 9, 8, 17, 17, 16, 14], top_rows, head, body, top, bottom
    )


def _item_rows(caption: str, items: list[str]) -> list[list[Cell]]:
    """A labelled block of numbered items, one row each, printed as one cell (no rules between
    the items) so that a long block can break between items and carry "（续）"."""
    if not items:
        return [[label(caption), Cell("", kind="blank")]]
    rows = []
    for i, text in enumerate(items):
        cell = Cell(text, join_top=i > 0, join_bottom=i < len(items) - 1)
        rows.append([cell] if i else [label(caption, rowspan=len(items)), cell])
    return rows


def _seed000_leadership_rows(form: RiskForm, points: list[RiskPoint]) -> tuple:
    level = _overall_level(form, points)
    if form.subject_kind == SubjectKind.LEADERSHIP:
        duty_label, duty = "单位职能", form.unit.duties
        title_label, title = "单　　位", form.unit.name
    else:
        duty_label, duty = "岗位职责", form.post.duties
        title_label, title = "职　　务", _person_title(form)
    risks, measures = [], []
    for n, p in enumerate(points, 1):
        level_text = _level_text(form, p.effective_level)
        tail = f"，{level_text}" if level_text else ""
        risks.append(f"{n}．{p.description.strip()}（{p.get_category_display()}{tail}）")
        sentence = _measures_sentence(p)
        if sentence:
            measures.append(f"{n}．{sentence}")
    top_rows = [
        [label(title_label), Cell(title)],
        [label(duty_label), Cell(duty) if duty else Cell("", kind="blank")],
        [
            label("风险等级"),
            Cell(_level_text(form, level), note=_supervision(form, level) if level else ""),
        ],
    ]
    body = [*_item_rows("存在的|廉政|风险点", risks), *_item_rows("廉政风险|防控措施", measures)]
    return top_rows, body


def _department_duties(form: RiskForm) -> str:
    if form.department.duties:
        return form.department.duties
    return "；".join(item.name for item in form.department.power_items.all())


def _seed000_staff_rows(form: RiskForm, points: list[RiskPoint]) -> tuple:
    if form.subject_kind == SubjectKind.DEPARTMENT:
        dept = form.department
        top_rows = [
            [
                label("部室"),
                Cell(dept.name, colspan=3),
                label("部室|负责人"),
                Cell(dept.head.name if dept.head_id else ""),
                label("分管|领导"),
                Cell(dept.supervisor.name if dept.supervisor_id else ""),
            ],
            [label("部室职责"), Cell(_department_duties(form), colspan=7)],
        ]
        risk_label = "部室|廉政|风险"
    else:
        top_rows = [
            [
                label("姓名"),
                Cell(form.filler.name if form.filler_id else ""),
                label("部室"),
                Cell(form.department.name if form.department_id else ""),
                label("职务"),
                Cell(_person_title(form)),
                label("工作|岗位"),
                Cell(form.post.name),
            ],
            [label("岗位职责"), Cell(form.post.duties, colspan=7)],
        ]
        risk_label = "岗位|廉政|风险"
    body = [
        [Cell(p.description, colspan=3), Cell(_measures_text(p), colspan=3), _level_cell(form, p)]
        for p in points
    ] or [_empty_row([3, 3, 1])]
    head = [label("风险点", colspan=3, head=True), label("防控措施", colspan=3, head=True)]
    head.append(label("风险等级", head=True))
    head_rows, body_rows = _with_side_label(risk_label, body, head)
    return top_rows, head_rows, body_rows


def _level_cell(form: RiskForm, point: RiskPoint) -> Cell:
    level = point.effective_level
    # Seed 000 prints the supervision under the level; the other seeds have no room for it.
    note = _supervision(form, level) if level and form.unit.form_layout == "seed000" else ""
    return Cell(_level_text(form, level), note=note)


# ---------------------------------------------------------------- seed 001


def _category_label(category: RiskCategory) -> str:
    if category in (
        RiskCategory.MAJOR_DECISION,
        RiskCategory.PERSONNEL,
        RiskCategory.MAJOR_PROJECT,
        RiskCategory.LARGE_FUNDS,
    ):
        return f"{category.label[:2]}|{category.label[2:]}"
    return f"{category.label}|风险"


# The blocks seed 001 prints even when empty; others appear only when they hold points.
SEED001_CATEGORIES = {
    SubjectKind.POST: (RiskCategory.DUTY, RiskCategory.EXTERNAL, RiskCategory.OTHER),
    SubjectKind.DEPARTMENT: CATEGORIES_BY_SUBJECT[SubjectKind.DEPARTMENT],
    SubjectKind.LEADERSHIP: CATEGORIES_BY_SUBJECT[SubjectKind.LEADERSHIP],
}


def _seed001(form: RiskForm) -> FormSheet:
    sigs = _signatures(form)
    points = _points(form)
    columns = [10, 8, 8, 9, 8, 14, 13, 14, 16]
    if form.subject_kind == SubjectKind.LEADERSHIP:
        # The principal fills in the leadership form (SPEC section 5).
        header = [
            label("单位|名称"),
            Cell(form.unit.name, colspan=3),
            label("单位|主要|领导"),
            Cell(form.filler.name if form.filler_id else "", colspan=3),
        ]
        duty_row = [label("单位|职能"), Cell(form.unit.duties, colspan=7)]
        subtitle = "（单位）"
        bottom = [
            _sign(sigs, "主要领导签字", SignatureKind.PRINCIPAL, SignatureKind.FILLER),
            _sign_date(sigs, "填表日期", SignatureKind.FILLER),
        ]
    elif form.subject_kind == SubjectKind.DEPARTMENT:
        dept = form.department
        header = [
            label("部室|名称"),
            Cell(dept.name, colspan=2),
            label("部室|负责人"),
            Cell(dept.head.name if dept.head_id else ""),
            label("分管|领导"),
            Cell(dept.supervisor.name if dept.supervisor_id else "", colspan=2),
        ]
        duty_row = [label("业务|工作|职责"), Cell(_department_duties(form), colspan=7)]
        subtitle = "（部室）"
        bottom = [
            _sign(sigs, "部室领导签字", SignatureKind.DEPT_HEAD, SignatureKind.FILLER),
            _sign(sigs, "分管领导签字", SignatureKind.SUPERVISOR),
            _sign_date(sigs, "填表日期", SignatureKind.FILLER),
        ]
    else:
        header = [
            label("姓　名"),
            Cell(form.filler.name if form.filler_id else ""),
            label("单　位"),
            Cell(form.unit.name),
            label("岗位|名称"),
            Cell(form.post.name),
            label("职　务"),
            Cell(_person_title(form)),
        ]
        duty_row = [label("岗位|工作|职责"), Cell(form.post.duties, colspan=7)]
        subtitle = "（岗位）"
        if form.post.tier in PostTier.leadership():
            bottom = [_signer_name(sigs, "负责人签字", SignatureKind.FILLER)]
            if form.post.tier == PostTier.LEADER:
                bottom.append(_sign(sigs, "主要领导签字", SignatureKind.PRINCIPAL))
        else:
            # A head's own form is signed above them by their supervising leader.
            bottom = [
                _signer_name(sigs, "负责人签字", SignatureKind.FILLER),
                _sign(sigs, "部室领导签字", SignatureKind.DEPT_HEAD, SignatureKind.SUPERVISOR),
            ]
        bottom.append(_sign_date(sigs, "填表日期", SignatureKind.FILLER))

    by_category: dict[str, list[RiskPoint]] = {}
    for p in points:
        by_category.setdefault(p.category, []).append(p)
    shown = [
        c
        for c in CATEGORIES_BY_SUBJECT[form.subject_kind]
        if c in SEED001_CATEGORIES[form.subject_kind] or by_category.get(c.value)
    ]
    shown += [c for c in RiskCategory if c not in shown and by_category.get(c.value)]
    body: list[list[Cell]] = []
    for category in shown:
        group = by_category.get(category.value, [])
        if not group:
            body.append([label(_category_label(category)), *_empty_row([3, 1, 3])])
            continue
        for i, p in enumerate(group):
            row = [label(_category_label(category), rowspan=len(group))] if i == 0 else []
            row += [
                Cell(p.description, colspan=3),
                _level_cell(form, p),
                Cell(_measures_text(p), colspan=3),
            ]
            body.append(row)

    header.append(label("审核|意见", rowspan=2))
    opinions = review_opinions(form)
    head = [
        label("风险|类别", head=True),
        label("风险点", colspan=3, head=True),
        label("风险|等级", head=True),
        label("防控措施", colspan=3, head=True),
        Cell("", kind="blank", join_bottom=True),
    ]
    opinion = Cell(
        "\n".join(opinions), kind="opinion" if opinions else "blank", rowspan=len(body), tall=True
    )
    opinion.join_top = True
    body[0].append(opinion)
    return FormSheet(SEED001_TITLE, subtitle, columns, [header, duty_row], [head], body, [], bottom)


# ---------------------------------------------------------------- seed 004

SEED004_LEVELS = {1: "高", 2: "一般", 3: "低"}


def _seed004(form: RiskForm) -> FormSheet:
    """普陀区投资办's 廉政风险识别及防范措施一览表 (领导班子 / 科室、中心 / 个人): one row per risk
    point — 序号, 风险类别, 廉政风险点, 风险等级 (高 / 一般 / 低), 防范措施, 责任人."""
    sigs = _signatures(form)
    points = _points(form)
    columns = [6, 9, 12, 12, 7, 20, 20, 14]
    if form.subject_kind == SubjectKind.LEADERSHIP:
        subtitle = "（领导班子）"
        top_rows = [
            [
                label("单位", colspan=2),
                Cell(form.unit.name, colspan=3),
                label("主要|领导"),
                Cell(form.filler.name if form.filler_id else "", colspan=2),
            ],
            [label("单位|职能", colspan=2), Cell(form.unit.duties, colspan=6)],
        ]
        bottom = [
            _sign(sigs, "主要领导签字", SignatureKind.PRINCIPAL, SignatureKind.FILLER),
            _sign_date(sigs, "填表日期", SignatureKind.FILLER),
        ]
    elif form.subject_kind == SubjectKind.DEPARTMENT:
        subtitle = "（科室、中心）"
        dept = form.department
        top_rows = [
            [
                label("科室|名称", colspan=2),
                Cell(dept.name, colspan=2),
                label("科室|负责人", colspan=2),
                Cell(dept.head.name if dept.head_id else "", colspan=2),
            ],
            [label("科室|职责", colspan=2), Cell(_department_duties(form), colspan=6)],
        ]
        bottom = [
            _sign(sigs, "科室负责人签字", SignatureKind.DEPT_HEAD, SignatureKind.FILLER),
            _sign(sigs, "分管领导签字", SignatureKind.SUPERVISOR),
            _sign_date(sigs, "填表日期", SignatureKind.FILLER),
        ]
    else:
        subtitle = "（个人）"
        top_rows = [
            [
                label("姓名", colspan=2),
                Cell(form.filler.name if form.filler_id else ""),
                label("科室"),
                Cell(form.department.name if form.department_id else "", colspan=2),
                label("岗位"),
                Cell(form.post.name),
            ],
            [label("岗位|职责", colspan=2), Cell(form.post.duties, colspan=6)],
        ]
        bottom = [
            _signer_name(sigs, "本人签字", SignatureKind.FILLER),
            _sign(
                sigs,
                "审核人签字",
                SignatureKind.DEPT_HEAD,
                SignatureKind.SUPERVISOR,
                SignatureKind.PRINCIPAL,
            ),
            _sign_date(sigs, "填表日期", SignatureKind.FILLER),
        ]
    head = [
        label("序号", head=True),
        label("风险|类别", head=True),
        label("廉政风险点", colspan=2, head=True),
        label("风险|等级", head=True),
        label("防范措施", colspan=2, head=True),
        label("责任人", head=True),
    ]
    body = [
        [
            Cell(str(n)),
            Cell(p.get_category_display()),
            Cell(p.description, colspan=2),
            Cell(_level_text(form, p.effective_level)),
            Cell(_measures_text(p), colspan=2),
            Cell(p.responsible_person or (form.filler.name if form.filler_id else "")),
        ]
        for n, p in enumerate(points, 1)
    ] or [_empty_row([1, 1, 2, 1, 2, 1])]
    title = f"{form.unit.name}廉政风险识别及防范措施一览表"
    top = [_signer_name(sigs, "填表人", SignatureKind.FILLER)]
    return FormSheet(title, subtitle, columns, top_rows, [head], body, top, bottom)


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
