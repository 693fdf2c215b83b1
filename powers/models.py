"""Records of 清权确权 (seed 002 §1): the power list (职权目录) of a unit's departments and posts,
the steps (环节) each power runs through, the ties from the register's risk points to those
steps, and the append-only log of every change.

Invariants: an item belongs to exactly one post or one department, of its unit; its kind is a
standard kind or one the unit defined; a branch step hangs off a main step of the same item; a
risk point is tied to at most one step.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from powers.enums import ChangeAction, PowerState, PowerStatus, StandardKind
from units.models import Department, Post, Unit


class UnitPowerKind(models.Model):
    """A kind of power a unit uses beside the standard ones (e.g. 募捐管理)."""

    unit = models.ForeignKey(
        Unit, verbose_name="单位", on_delete=models.CASCADE, related_name="power_kinds"
    )
    name = models.CharField("职权类别", max_length=30)

    class Meta:
        verbose_name = "自定职权类别"
        verbose_name_plural = "自定职权类别"
        ordering = ["unit", "name"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "name"], name="power_kind_unique_in_unit")
        ]

    def __str__(self) -> str:
        return self.name


class PowerItem(models.Model):
    """An entry of the 职权目录 of a post or a department."""

    unit = models.ForeignKey(
        Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="power_items"
    )
    post = models.ForeignKey(
        Post,
        verbose_name="岗位",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="power_items",
    )
    department = models.ForeignKey(
        Department,
        verbose_name="部室",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="power_items",
    )
    name = models.CharField("职权名称", max_length=200)
    kind = models.CharField(
        "职权类别", max_length=30, default=StandardKind.INTERNAL, help_text="如行政许可、内部管理。"
    )
    content = models.TextField("职权内容", blank=True)
    responsible_body = models.CharField(
        "办理主体",
        max_length=200,
        blank=True,
        help_text="承办的部室或岗位；留空即为所属部室或岗位。",
    )
    legal_basis = models.TextField("法律依据", blank=True, help_text="法律法规名称及条款。")
    time_limit = models.CharField("办理时限", max_length=100, blank=True)
    supervision_channel = models.TextField(
        "监督渠道", blank=True, help_text="如纪检组监督电话、意见箱、门户网站留言。"
    )
    status = models.CharField(
        "清理结果", max_length=10, choices=PowerStatus.choices, default=PowerStatus.KEEP
    )
    confirmed_year = models.PositiveIntegerField("确认年度", null=True, blank=True)
    state = models.CharField(
        "确权状态", max_length=10, choices=PowerState.choices, default=PowerState.DRAFT
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="确权人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confirmed_at = models.DateTimeField("确权时间", null=True, blank=True)
    order = models.PositiveIntegerField("排序", default=0)
    updated_at = models.DateTimeField("最后修改", auto_now=True)

    class Meta:
        verbose_name = "职权事项"
        verbose_name_plural = "职权目录"
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(post__isnull=False, department__isnull=True)
                | Q(post__isnull=True, department__isnull=False),
                name="power_item_belongs_to_post_or_department",
                violation_error_message="职权事项必须且只能属于一个岗位或一个部室。",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def owner_department(self) -> Department | None:
        """The department the item belongs to, directly or through its post (None for the
        leadership's posts)."""
        if self.department_id:
            return self.department
        return self.post.department if self.post_id else None

    @property
    def owner_name(self) -> str:
        if self.post_id:
            return str(self.post)
        return self.department.name if self.department_id else ""

    @property
    def body(self) -> str:
        """办理主体 as printed: the text given, else the owner."""
        return self.responsible_body or self.owner_name

    def _owner_unit_id(self) -> int | None:
        if self.post_id:
            return self.post.unit_id
        return self.department.unit_id if self.department_id else None

    def full_clean(self, *args, **kwargs) -> None:
        # The unit follows from the owner; it is stored for the unit-wide queries.
        if not self.unit_id:
            self.unit_id = self._owner_unit_id()
        super().full_clean(*args, **kwargs)

    def clean(self) -> None:
        owner_unit = self._owner_unit_id()
        errors = {}
        if owner_unit is not None and owner_unit != self.unit_id:
            errors["department" if self.department_id else "post"] = "部室或岗位必须属于本单位。"
        if (
            self.kind
            and self.kind not in StandardKind.values
            and self.unit_id
            and not UnitPowerKind.objects.filter(unit_id=self.unit_id, name=self.kind).exists()
        ):
            errors["kind"] = (
                f"职权类别“{self.kind}”不是标准类别，也不是本单位自定的类别"
                f"（标准类别：{'、'.join(StandardKind.values)}）。"
            )
        if errors:
            raise ValidationError(errors)


class PowerStep(models.Model):
    """One 环节 of a power's flow. Main steps run in order; a branch (e.g. 补正, 不予受理) leaves
    a main step on a condition and either ends there or returns to it."""

    item = models.ForeignKey(
        PowerItem, verbose_name="职权事项", on_delete=models.CASCADE, related_name="steps"
    )
    order = models.PositiveIntegerField("序号", default=0)
    name = models.CharField("环节名称", max_length=100)
    responsible = models.CharField("责任主体", max_length=100, blank=True)
    time_limit = models.CharField("办理时限", max_length=100, blank=True)
    materials = models.TextField("所需材料", blank=True, help_text="每行一项。")
    branch_of = models.ForeignKey(
        "self",
        verbose_name="分支自",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="branches",
        help_text="留空为主流程环节；选择一个环节则为它的分支（如补正、不予受理）。",
    )
    condition = models.CharField(
        "分支条件", max_length=100, blank=True, help_text="如：材料不全、不符合条件。"
    )
    returns = models.BooleanField(
        "完成后回到原环节", default=False, help_text="如补正材料后重新受理；不勾选则分支到此结束。"
    )

    class Meta:
        verbose_name = "环节"
        verbose_name_plural = "环节"
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def material_list(self) -> list[str]:
        return [line.strip() for line in self.materials.splitlines() if line.strip()]

    def clean(self) -> None:
        if self.branch_of_id:
            if self.branch_of.item_id != self.item_id:
                raise ValidationError({"branch_of": "只能从本职权事项的环节分支。"})
            if self.branch_of.branch_of_id:
                raise ValidationError({"branch_of": "分支只能从主流程环节引出。"})
            if self.pk and self.branch_of_id == self.pk:
                raise ValidationError({"branch_of": "环节不能从自身分支。"})
            if not self.condition:
                raise ValidationError({"condition": "分支环节请写明分支条件。"})
        elif self.returns:
            raise ValidationError({"returns": "只有分支环节才能回到原环节。"})


class StepRiskLink(models.Model):
    """A risk point of the register tied to the step it arises in (one step per point). Kept in
    this app so the register's own tables stay as they are."""

    step = models.ForeignKey(
        PowerStep, verbose_name="环节", on_delete=models.CASCADE, related_name="risk_links"
    )
    point = models.OneToOneField(
        "risks.RiskPoint",
        verbose_name="风险点",
        on_delete=models.CASCADE,
        related_name="power_step_link",
    )
    tied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="关联人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    tied_at = models.DateTimeField("关联时间", auto_now=True)

    class Meta:
        verbose_name = "风险点所在环节"
        verbose_name_plural = "风险点所在环节"

    def __str__(self) -> str:
        return f"{self.step} · {self.point}"


class PowerChange(models.Model):
    """One change of the power list, appended and never edited: who, when, what."""

    unit = models.ForeignKey(
        Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="power_changes"
    )
    item = models.ForeignKey(
        PowerItem,
        verbose_name="职权事项",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="changes",
    )
    item_name = models.CharField("职权名称", max_length=200)
    action = models.CharField("操作", max_length=20, choices=ChangeAction.choices)
    summary = models.TextField("内容", blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    by_name = models.CharField("操作人姓名", max_length=50, blank=True)
    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "职权变更记录"
        verbose_name_plural = "职权变更记录"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.item_name} · {self.get_action_display()}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValueError("职权变更记录只能新增，不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("职权变更记录不能删除。")
