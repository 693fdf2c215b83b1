"""Records of the approval chain (SPEC section 5).

The form's `state` lives on risks.RiskForm; everything else the chain produces lives here:
signatures, the append-only transition log, rating windows and ratings (群众评议), collective
meetings and decisions (集体审定), public notices and objections (公示), re-ratings, in-app
notifications. Only workflow.services writes them.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from riskreg import clock
from risks.models import RiskForm, RiskPoint, Round
from units.models import Department, Person, Unit
from workflow.enums import Action, FormState, RatingVerdict, RerateReason


class SignatureKind(models.TextChoices):
    """The signature lines of the seed forms (seed 000 / seed 001)."""

    FILLER = "filler", "填表人签字"
    DEPT_HEAD = "dept_head", "部室负责人签字"
    SUPERVISOR = "supervisor", "分管领导签字"
    PRINCIPAL = "principal", "党组书记签字"


class Signature(models.Model):
    form = models.ForeignKey(
        RiskForm, verbose_name="一览表", on_delete=models.CASCADE, related_name="signatures"
    )
    kind = models.CharField("签字栏", max_length=20, choices=SignatureKind.choices)
    person = models.ForeignKey(
        Person, verbose_name="签字人", on_delete=models.PROTECT, related_name="+"
    )
    # Under a 委托 (access.models.Delegation): the person signed for; `name` says "代 X".
    on_behalf_of = models.ForeignKey(
        Person,
        verbose_name="被代签人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Snapshot: the printed name stays what it was when signed, whatever happens to the person.
    name = models.CharField("签字人姓名", max_length=80)
    signed_at = models.DateTimeField("签字时间")

    class Meta:
        verbose_name = "签字"
        verbose_name_plural = "签字"
        ordering = ["form", "signed_at"]
        constraints = [
            models.UniqueConstraint(fields=["form", "kind"], name="one_signature_per_line"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.name}"


class AppendOnlyError(Exception):
    """Raised when code tries to change or remove a row of the transition log."""


class TransitionLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("流转记录只能追加，不能修改。")

    def delete(self):
        raise AppendOnlyError("流转记录只能追加，不能删除。")


class TransitionLog(models.Model):
    """One row per transition, never changed: who, in which role, when, from, to, why."""

    SYSTEM_ROLE = "system"

    form = models.ForeignKey(
        RiskForm, verbose_name="一览表", on_delete=models.PROTECT, related_name="transition_logs"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人账号",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_name = models.CharField("操作人", max_length=80)
    # Under a 委托: the person acted for; `actor_name` says "代 X".
    on_behalf_of = models.ForeignKey(
        Person,
        verbose_name="被代办人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    role = models.CharField("身份", max_length=30)
    action = models.CharField("操作", max_length=30, choices=Action.choices)
    from_state = models.CharField("原状态", max_length=20, choices=FormState.choices, blank=True)
    to_state = models.CharField("新状态", max_length=20, choices=FormState.choices)
    comment = models.TextField("意见 / 理由", blank=True)
    client_address = models.GenericIPAddressField("客户端地址", null=True, blank=True)
    snapshot = models.JSONField("当时的风险点与等级", default=dict)
    created_at = models.DateTimeField("时间", default=timezone.now, editable=False)

    objects = TransitionLogQuerySet.as_manager()

    class Meta:
        verbose_name = "流转记录"
        verbose_name_plural = "流转记录"
        ordering = ["form", "created_at", "id"]
        indexes = [models.Index(fields=["form", "created_at"])]

    def __str__(self) -> str:
        return f"{self.actor_name} {self.get_action_display()}（{self.created_at:%Y-%m-%d %H:%M}）"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AppendOnlyError("流转记录只能追加，不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("流转记录只能追加，不能删除。")

    @property
    def role_label(self) -> str:
        from units.enums import Role

        if self.role == self.SYSTEM_ROLE:
            return "系统（到期自动）"
        try:
            return Role(self.role).label
        except ValueError:
            return self.role


class RatingWindow(models.Model):
    """群众评议窗口: opened by the integrity office for a department or the whole unit."""

    round = models.ForeignKey(
        Round, verbose_name="排查轮次", on_delete=models.PROTECT, related_name="rating_windows"
    )
    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        Department,
        verbose_name="部室",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="留空表示全单位。",
    )
    deadline = models.DateTimeField("截止时间")
    forms = models.ManyToManyField(
        RiskForm, verbose_name="参评一览表", blank=True, related_name="rating_windows"
    )
    opened_by = models.ForeignKey(
        Person, verbose_name="发起人", on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField("开始时间", default=timezone.now)
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)
    closed_by = models.ForeignKey(
        Person,
        verbose_name="结束人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "群众评议"
        verbose_name_plural = "群众评议"
        ordering = ["-opened_at", "-id"]

    def __str__(self) -> str:
        return f"{self.scope_label}群众评议（{self.opened_at:%Y-%m-%d}）"

    def clean(self) -> None:
        if self.department_id and self.unit_id and self.department.unit_id != self.unit_id:
            raise ValidationError({"department": "部室必须属于本单位。"})
        if self.round_id and self.unit_id and self.round.unit_id != self.unit_id:
            raise ValidationError({"round": "排查轮次必须属于本单位。"})

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def is_due(self) -> bool:
        return self.is_open and self.deadline <= clock.now()

    @property
    def scope_label(self) -> str:
        return self.department.name if self.department_id else f"{self.unit.name}全单位"

    def covers(self, form: RiskForm) -> bool:
        """Whether a form belongs to this window's scope (unit, and department if any)."""
        if form.unit_id != self.unit_id or form.round_id != self.round_id:
            return False
        return self.department_id is None or form.department_id == self.department_id

    def covers_person(self, person: Person) -> bool:
        if not person.active or person.unit_id != self.unit_id:
            return False
        return self.department_id is None or person.department_id == self.department_id


class Rating(models.Model):
    """One colleague's rating of one risk point in one window. The rater is never shown."""

    window = models.ForeignKey(
        RatingWindow, verbose_name="评议", on_delete=models.CASCADE, related_name="ratings"
    )
    point = models.ForeignKey(
        RiskPoint, verbose_name="风险点", on_delete=models.CASCADE, related_name="ratings"
    )
    rater = models.ForeignKey(
        Person, verbose_name="评议人", on_delete=models.PROTECT, related_name="+"
    )
    verdict = models.CharField("评议意见", max_length=20, choices=RatingVerdict.choices)
    comment = models.CharField("说明", max_length=500, blank=True)
    updated_at = models.DateTimeField("评议时间", auto_now=True)

    class Meta:
        verbose_name = "评议意见"
        verbose_name_plural = "评议意见"
        constraints = [
            models.UniqueConstraint(
                fields=["window", "point", "rater"], name="one_rating_per_person_point_window"
            ),
        ]

    def __str__(self) -> str:
        return self.get_verdict_display()


class CollectiveMeeting(models.Model):
    """集体审定会议: the meeting whose decision the office records."""

    round = models.ForeignKey(
        Round, verbose_name="排查轮次", on_delete=models.PROTECT, related_name="meetings"
    )
    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField("会议日期")
    title = models.CharField("会议名称", max_length=100, default="党组会议")
    attendees = models.TextField("参会人员")
    minutes = models.TextField("会议纪要", blank=True)
    minutes_file = models.FileField(
        "纪要附件", upload_to="workflow/minutes/%Y/", blank=True, max_length=200
    )
    recorded_by = models.ForeignKey(
        Person, verbose_name="记录人", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("记录时间", default=timezone.now)

    class Meta:
        verbose_name = "集体审定会议"
        verbose_name_plural = "集体审定会议"
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.held_on:%Y年%m月%d日}{self.title}"

    def clean(self) -> None:
        if not self.minutes.strip() and not self.minutes_file:
            raise ValidationError("请填写会议纪要或上传纪要附件。")
        if self.round_id and self.unit_id and self.round.unit_id != self.unit_id:
            raise ValidationError({"round": "排查轮次必须属于本单位。"})


class FormDecision(models.Model):
    """A form's levels decided at a meeting (a form may be decided again after an objection)."""

    form = models.ForeignKey(
        RiskForm, verbose_name="一览表", on_delete=models.PROTECT, related_name="decisions"
    )
    meeting = models.ForeignKey(
        CollectiveMeeting, verbose_name="会议", on_delete=models.PROTECT, related_name="decisions"
    )
    decided_by = models.ForeignKey(
        Person, verbose_name="记录人", on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField("记录时间", default=timezone.now)

    class Meta:
        verbose_name = "审定记录"
        verbose_name_plural = "审定记录"
        ordering = ["form", "-decided_at", "-id"]

    def __str__(self) -> str:
        return f"{self.meeting}审定"


class PublicNotice(models.Model):
    """公示: one publication of a form, from the working day after publication for
    Round.notice_working_days working days (Mon–Fri)."""

    form = models.ForeignKey(
        RiskForm, verbose_name="一览表", on_delete=models.PROTECT, related_name="notices"
    )
    published_on = models.DateField("发布日期")
    starts_on = models.DateField("公示开始")
    ends_on = models.DateField("公示截止")
    published_by = models.ForeignKey(
        Person, verbose_name="发布人", on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)

    class Meta:
        verbose_name = "公示"
        verbose_name_plural = "公示"
        ordering = ["form", "-published_on", "-id"]

    def __str__(self) -> str:
        return f"{self.starts_on} 至 {self.ends_on}"

    @property
    def has_ended(self) -> bool:
        return clock.today() > self.ends_on


class Objection(models.Model):
    """异议 raised during 公示, named or anonymous (then the raiser is not stored at all)."""

    form = models.ForeignKey(
        RiskForm, verbose_name="一览表", on_delete=models.PROTECT, related_name="objections"
    )
    point = models.ForeignKey(
        RiskPoint,
        verbose_name="风险点",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="objections",
    )
    notice = models.ForeignKey(
        PublicNotice, verbose_name="公示", on_delete=models.PROTECT, related_name="objections"
    )
    text = models.TextField("异议内容")
    raised_by = models.ForeignKey(
        Person,
        verbose_name="提出人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    raised_at = models.DateTimeField("提出时间", default=timezone.now)
    answer = models.TextField("答复", blank=True)
    upheld = models.BooleanField("异议成立", null=True, blank=True)
    answered_by = models.ForeignKey(
        Person,
        verbose_name="答复人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)

    class Meta:
        verbose_name = "异议"
        verbose_name_plural = "异议"
        ordering = ["-raised_at", "-id"]

    def __str__(self) -> str:
        return self.text[:40]

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None

    @property
    def raiser_label(self) -> str:
        return self.raised_by.name if self.raised_by_id else "匿名"


class Rerating(models.Model):
    """重新评定: why a filed form was reopened as a new version."""

    form = models.OneToOneField(
        RiskForm, verbose_name="新版本", on_delete=models.PROTECT, related_name="rerating"
    )
    reason_kind = models.CharField("原因", max_length=30, choices=RerateReason.choices)
    reason = models.TextField("说明")
    requested_by = models.ForeignKey(
        Person, verbose_name="发起人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = "重新评定"
        verbose_name_plural = "重新评定"

    def __str__(self) -> str:
        return f"{self.get_reason_kind_display()}：{self.reason[:30]}"


class Notification(models.Model):
    """An in-app notice; successive notices of the same kind to one person are folded into one
    unread row with a count, so a batch of forty passes yields one line, not forty."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="接收人",
        on_delete=models.CASCADE,
        related_name="workflow_notifications",
    )
    kind = models.CharField("类型", max_length=40)
    form = models.ForeignKey(
        RiskForm,
        verbose_name="一览表",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    message = models.CharField("内容", max_length=300)
    url = models.CharField("链接", max_length=200, blank=True)
    count = models.PositiveIntegerField("件数", default=1)
    created_at = models.DateTimeField("时间", default=timezone.now)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.message


class Reminder(models.Model):
    """催办: the office chased a late form — who, when (real time), on which training-clock day
    (at most once a day per form), and whom it told."""

    form = models.ForeignKey(
        RiskForm, verbose_name="一览表", on_delete=models.CASCADE, related_name="reminders"
    )
    sent_by = models.ForeignKey(
        Person, verbose_name="催办人", on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField("催办时间", default=timezone.now)
    sent_on = models.DateField("催办日期")
    state = models.CharField("当时所处阶段", max_length=20, choices=FormState.choices)
    recipients = models.CharField("通知对象", max_length=300)

    class Meta:
        verbose_name = "催办记录"
        verbose_name_plural = "催办记录"
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["form", "sent_on"],
                name="reminder_once_a_day",
                violation_error_message="这张一览表今天已催办过。",
            )
        ]

    def __str__(self) -> str:
        return f"{self.form} {self.sent_on}"
