"""The risk register (SPEC section 4): screening rounds, risk forms, risk points and measures.

A RiskForm is one 一览表: one per subject (a post held by a person, a department, or the unit's
leadership) per round and version. Its `state` belongs to the workflow app: only
workflow.services changes it. `revision` counts saves, so a save based on an older revision is
refused instead of silently overwriting (the same form open in two tabs).
"""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, ExpressionWrapper, OuterRef, Q, Subquery

from risks.enums import (
    CATEGORIES_BY_SUBJECT,
    Harm,
    Likelihood,
    RiskCategory,
    RiskLevel,
    SubjectKind,
    suggested_level,
    supervision_text,
)
from units.enums import PostTier
from units.models import Department, Person, Post, Unit
from workflow.enums import FormState


class Round(models.Model):
    """排查轮次: a unit's screening round with the deadline of each phase."""

    unit = models.ForeignKey(
        Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="rounds"
    )
    year = models.PositiveIntegerField("年度")
    title = models.CharField("名称", max_length=100, help_text="如：2026年度廉政风险排查")
    self_check_deadline = models.DateField("自查填报截止", null=True, blank=True)
    dept_review_deadline = models.DateField("部室审核截止", null=True, blank=True)
    mass_review_deadline = models.DateField("群众评议截止", null=True, blank=True)
    collective_deadline = models.DateField("集体审定截止", null=True, blank=True)
    notice_working_days = models.PositiveSmallIntegerField(
        "公示期（工作日）", default=5, validators=[MinValueValidator(1), MaxValueValidator(30)]
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    created_by = models.ForeignKey(
        Person,
        verbose_name="创建人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "排查轮次"
        verbose_name_plural = "排查轮次"
        ordering = ["-year", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "title"],
                name="round_title_unique_in_unit",
                violation_error_message="本单位已有同名的排查轮次。",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class RiskFormQuerySet(models.QuerySet):
    def current(self) -> "RiskFormQuerySet":
        """The current version of each subject: forms no later version replaces (a re-rating
        of a filed form starts a new version; the filed one stays as it was)."""
        return self.filter(next_version__isnull=True)

    def with_decided(self) -> "RiskFormQuerySet":
        """Annotate `decided` — THE rule for "集体审定 has decided this form": every point has
        its final level, from a decision no objection upheld after it has voided
        (workflow.transitions.is_decided reads it, or computes it through here)."""
        from django.apps import apps

        decision = apps.get_model("workflow", "FormDecision")
        objection = apps.get_model("workflow", "Objection")
        points = RiskPoint.objects.filter(form=OuterRef("pk")).order_by()
        last = decision.objects.filter(form=OuterRef("pk")).order_by("-decided_at")
        reopened = objection.objects.filter(
            form=OuterRef("pk"), upheld=True, answered_at__gt=OuterRef("last_decided_at")
        )
        undecided = points.filter(Q(final_level__isnull=True) | Q(final_level=0))
        rule = (
            Q(Exists(points))
            & ~Q(Exists(undecided))
            & Q(last_decided_at__isnull=False)
            & ~Q(Exists(reopened))
        )
        return self.annotate(last_decided_at=Subquery(last.values("decided_at")[:1])).annotate(
            decided=ExpressionWrapper(rule, output_field=models.BooleanField())
        )


class RiskForm(models.Model):
    """廉政风险点及防控措施一览表."""

    round = models.ForeignKey(
        Round, verbose_name="排查轮次", on_delete=models.PROTECT, related_name="forms"
    )
    unit = models.ForeignKey(
        Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="risk_forms"
    )
    subject_kind = models.CharField("对象类型", max_length=20, choices=SubjectKind.choices)
    # For a post form: the post and, as at opening, its department. For a department form: the
    # department. For the leadership form: neither.
    post = models.ForeignKey(
        Post,
        verbose_name="岗位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="risk_forms",
    )
    department = models.ForeignKey(
        Department,
        verbose_name="部室",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="risk_forms",
    )
    filler = models.ForeignKey(
        Person,
        verbose_name="填表人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="filled_forms",
    )
    # "post:<post id>:<person id>", "department:<id>" or "leadership:<unit id>": one form per
    # subject per round and version, whatever the subject kind.
    subject_key = models.CharField("对象标识", max_length=60, editable=False)
    state = models.CharField(
        "状态", max_length=20, choices=FormState.choices, default=FormState.DRAFT, db_index=True
    )
    overall_proposed_level = models.PositiveSmallIntegerField(
        "拟定总体风险等级", choices=RiskLevel.choices, null=True, blank=True
    )
    overall_final_level = models.PositiveSmallIntegerField(
        "审定总体风险等级", choices=RiskLevel.choices, null=True, blank=True
    )
    version = models.PositiveIntegerField("版本", default=1)
    previous_version = models.OneToOneField(
        "self",
        verbose_name="上一版本",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="next_version",
    )
    revision = models.PositiveIntegerField("保存次数", default=0)
    last_saved_by = models.ForeignKey(
        Person,
        verbose_name="最后保存人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # When the filler last saved an edit; a transition or anyone else's act leaves it alone
    # (updated_at moves with every write).
    last_saved_at = models.DateTimeField("最后保存于", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("最后修改", auto_now=True)

    objects = RiskFormQuerySet.as_manager()

    class Meta:
        verbose_name = "廉政风险点及防控措施一览表"
        verbose_name_plural = "廉政风险点及防控措施一览表"
        ordering = ["round", "subject_kind", "department__order", "post__order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "subject_key", "version"],
                name="one_form_per_subject_round_version",
                violation_error_message="本轮次已有该对象的一览表。",
            ),
            models.CheckConstraint(
                condition=(
                    Q(subject_kind=SubjectKind.POST, post__isnull=False)
                    | Q(
                        subject_kind=SubjectKind.DEPARTMENT,
                        post__isnull=True,
                        department__isnull=False,
                    )
                    | Q(
                        subject_kind=SubjectKind.LEADERSHIP,
                        post__isnull=True,
                        department__isnull=True,
                    )
                ),
                name="form_subject_matches_kind",
                violation_error_message="一览表的对象与类型不符。",
            ),
        ]
        indexes = [models.Index(fields=["unit", "state"]), models.Index(fields=["filler", "state"])]

    def __str__(self) -> str:
        return f"{self.subject_title}（{self.round.title}）"

    def save(self, *args, **kwargs) -> None:
        # The key is the subject's identity as at opening: reassigning the filler of a post
        # form later must not make the round think that holder's form is missing.
        if not self.subject_key:
            self.subject_key = self.compute_subject_key()
        super().save(*args, **kwargs)

    def compute_subject_key(self) -> str:
        if self.subject_kind == SubjectKind.POST:
            return f"post:{self.post_id}:{self.filler_id or 0}"
        if self.subject_kind == SubjectKind.DEPARTMENT:
            return f"department:{self.department_id}"
        return f"leadership:{self.unit_id}"

    def clean(self) -> None:
        if self.round_id and self.unit_id and self.round.unit_id != self.unit_id:
            raise ValidationError({"unit": "一览表的单位必须与排查轮次的单位一致。"})

    @property
    def subject_title(self) -> str:
        if self.subject_kind == SubjectKind.POST:
            who = f"（{self.filler.name}）" if self.filler_id else ""
            return f"{self.post}{who}"
        if self.subject_kind == SubjectKind.DEPARTMENT:
            return f"{self.department.name}（部室）"
        return f"{self.unit.name}领导班子"

    @property
    def layout_title(self) -> str:
        """The seed form this one follows (seed 000 / seed 001), as printed under its title."""
        if self.subject_kind == SubjectKind.DEPARTMENT:
            return "部室"
        if self.subject_kind == SubjectKind.LEADERSHIP:
            return "单位领导班子"
        if self.post.tier == PostTier.PRINCIPAL:
            return "党政一把手"
        if self.post.tier == PostTier.LEADER:
            return "其他班子成员"
        return "部室负责人、工作人员"

    @property
    def tier(self) -> str | None:
        return self.post.tier if self.post_id else None

    @property
    def is_key(self) -> bool:
        return bool(self.post_id and self.post.is_key)

    @property
    def is_returned(self) -> bool:
        """In the lists (risks.selectors.forms_filled_by annotates last_action)."""
        return self.state == FormState.DRAFT and getattr(self, "last_action", "") in (
            "return_to_draft",
            "return_from_collective",
        )

    def allowed_categories(self) -> tuple[RiskCategory, ...]:
        return CATEGORIES_BY_SUBJECT[self.subject_kind]

    def missing_items(self) -> list[str]:
        """What still keeps this form from being complete (and submitted), in words for the
        filler; workflow.transitions refuses 提交 while it is not empty. Uses
        `points` and their `measures`, so prefetch them (risks.selectors.form_with_points)."""
        points = list(self.points.all())
        if not points:
            return ["尚未填写任何风险点，至少填写一个风险点"]
        problems = []
        for number, point in enumerate(points, 1):
            missing = point.missing_items()
            if missing:
                problems.append(f"第 {number} 个风险点缺少{'、'.join(missing)}")
        return problems


class RiskPoint(models.Model):
    """风险点: one risk of a form, with its level and its measures."""

    form = models.ForeignKey(
        RiskForm, verbose_name="一览表", on_delete=models.CASCADE, related_name="points"
    )
    order = models.PositiveIntegerField("序号", default=0)
    category = models.CharField("风险类别", max_length=20, choices=RiskCategory.choices)
    description = models.TextField("风险点（风险内容及表现形式）")
    likelihood = models.PositiveSmallIntegerField(
        "发生概率", choices=Likelihood.choices, null=True, blank=True
    )
    harm = models.PositiveSmallIntegerField("危害程度", choices=Harm.choices, null=True, blank=True)
    proposed_level = models.PositiveSmallIntegerField(
        "拟定风险等级", choices=RiskLevel.choices, null=True, blank=True
    )
    proposal_reason = models.TextField(
        "等级说明", blank=True, help_text="拟定等级与建议等级不同时，请说明理由。"
    )
    final_level = models.PositiveSmallIntegerField(
        "审定风险等级", choices=RiskLevel.choices, null=True, blank=True
    )
    final_reason = models.TextField(
        "审定理由", blank=True, help_text="审定等级与拟定等级不同时必填。"
    )
    responsible_person = models.CharField("责任人", max_length=50, blank=True)
    library_entry = models.ForeignKey(
        "LibraryEntry",
        verbose_name="来自风险点库",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "风险点"
        verbose_name_plural = "风险点"
        ordering = ["form", "order", "id"]

    def __str__(self) -> str:
        return self.description[:40]

    def clean(self) -> None:
        errors = {}
        if self.form_id and self.category and self.category not in self.form.allowed_categories():
            errors["category"] = "该类别不适用于此类一览表。"
        suggested = self.suggested_level
        if (
            self.proposed_level
            and suggested
            and self.proposed_level != suggested
            and not self.proposal_reason.strip()
        ):
            errors["proposal_reason"] = "拟定等级与建议等级不同，请说明理由。"
        if errors:
            raise ValidationError(errors)

    @property
    def suggested_level(self) -> int | None:
        return suggested_level(self.likelihood, self.harm)

    def missing_items(self) -> list[str]:
        """The parts a complete point needs but this draft lacks (uses prefetched measures):
        THE completeness rule — the filling page lists it, submitting requires it empty (seed
        002: 一个风险点，就要有相对应的防控措施)."""
        missing = []
        if not self.category:
            missing.append("风险类别")
        if not self.description.strip():
            missing.append("风险点描述")
        if not self.likelihood:
            missing.append("发生概率")
        if not self.harm:
            missing.append("危害程度")
        if not self.proposed_level:
            missing.append("风险等级")
        if not any(m.text.strip() for m in self.measures.all()):
            missing.append("防控措施")
        return missing

    @property
    def effective_level(self) -> int | None:
        """The level that applies now: the decided one once decided, else the proposal."""
        return self.final_level or self.proposed_level

    def supervision(self) -> str:
        form = self.form
        return supervision_text(
            level=self.effective_level,
            tier=form.tier,
            is_key=form.is_key,
            subject_kind=form.subject_kind,
        )


class Measure(models.Model):
    """防控措施: every risk point has at least one (seed 002)."""

    point = models.ForeignKey(
        RiskPoint, verbose_name="风险点", on_delete=models.CASCADE, related_name="measures"
    )
    order = models.PositiveIntegerField("序号", default=0)
    text = models.TextField("防控措施")

    class Meta:
        verbose_name = "防控措施"
        verbose_name_plural = "防控措施"
        ordering = ["point", "order", "id"]

    def __str__(self) -> str:
        return self.text[:40]


class LibraryEntry(models.Model):
    """风险点库: a reusable risk point with suggested measures, kept by the integrity office.
    A filler adds it to a form in one click; the point is then the filler's own to adapt."""

    subject_kind = models.CharField(
        "适用对象", max_length=20, choices=SubjectKind.choices, default=SubjectKind.POST
    )
    keywords = models.CharField(
        "适用岗位关键词",
        max_length=200,
        blank=True,
        help_text="用空格分隔，如“财务 会计 出纳”。与岗位名称或岗位职责匹配时优先推荐；"
        "留空表示适用于所有岗位。",
    )
    category = models.CharField("风险类别", max_length=20, choices=RiskCategory.choices)
    description = models.TextField("风险点（风险内容及表现形式）")
    likelihood = models.PositiveSmallIntegerField("发生概率", choices=Likelihood.choices)
    harm = models.PositiveSmallIntegerField("危害程度", choices=Harm.choices)
    active = models.BooleanField("启用", default=True, help_text="停用后不再向填表人推荐。")
    order = models.PositiveIntegerField("排序", default=0)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "风险点库条目"
        verbose_name_plural = "风险点库"
        ordering = ["subject_kind", "order", "id"]

    def __str__(self) -> str:
        return self.description[:40]

    def clean(self) -> None:
        if (
            self.subject_kind
            and self.category
            and self.category not in CATEGORIES_BY_SUBJECT[self.subject_kind]
        ):
            raise ValidationError({"category": "该类别不适用于所选的适用对象。"})

    @property
    def suggested_level(self) -> int | None:
        return suggested_level(self.likelihood, self.harm)

    def keyword_list(self) -> list[str]:
        return self.keywords.replace("，", " ").replace(",", " ").split()


class LibraryMeasure(models.Model):
    entry = models.ForeignKey(
        LibraryEntry, verbose_name="风险点库条目", on_delete=models.CASCADE, related_name="measures"
    )
    order = models.PositiveIntegerField("序号", default=0)
    text = models.TextField("建议防控措施")

    class Meta:
        verbose_name = "建议防控措施"
        verbose_name_plural = "建议防控措施"
        ordering = ["entry", "order", "id"]

    def __str__(self) -> str:
        return self.text[:40]
