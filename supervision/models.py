"""Supervision records (中期监控、后期处置): findings, warnings, dispositions with their
rectification items, proposals to raise a risk level, and the one append-only log of every
change to any of them.

States change only through supervision.services.record_transition (table in
supervision.transitions). Nothing here is ever deleted: `delete()` refuses, and the log refuses
updates too. A record already issued is corrected only by a logged 更正 with a reason.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from risks.models import RiskForm, RiskPoint
from supervision.enums import (
    Action,
    DispositionKind,
    FindingSource,
    GradeWording,
    RecipientKind,
    RecordKind,
    ReminderMethod,
    State,
    SubjectKind,
    WarningGrade,
    grade_label,
)
from units.models import Department, Person, Post, Unit


class RecordsAreKept(Exception):
    """Supervision records and their log are never deleted or rewritten."""


class KeptModel(models.Model):
    class Meta:
        abstract = True

    def delete(self, *args, **kwargs):
        raise RecordsAreKept("监督处置记录不能删除；如有错误，请以「更正」方式说明理由后修改。")


class UnitSettings(models.Model):
    """Per-unit choices of supervision, set by the unit's 纪检 on the 监督台 (audited): whether
    its 廉防办 may record 监督发现, and how the warning grades are worded. A unit without a row
    has the defaults (findings 纪检 only; 红/橙/黄色预警)."""

    unit = models.OneToOneField(
        Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="supervision_settings"
    )
    office_records_findings = models.BooleanField("允许廉防办登记监督发现", default=False)
    grade_wording = models.CharField(
        "预警级别称谓",
        max_length=10,
        choices=GradeWording.choices,
        default=GradeWording.COLOUR,
    )
    updated_by = models.ForeignKey(
        Person,
        verbose_name="设置人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField("设置时间", auto_now=True)

    class Meta:
        verbose_name = "单位监督设置"
        verbose_name_plural = "单位监督设置"

    def __str__(self) -> str:
        return f"{self.unit}的监督设置"

    @classmethod
    def of(cls, unit: Unit) -> "UnitSettings":
        """The unit's settings: its row (cached on the unit, select_related-able as
        `unit__supervision_settings`), or the defaults unsaved."""
        try:
            return unit.supervision_settings
        except cls.DoesNotExist:
            return cls(unit=unit)


class Finding(KeptModel):
    """监督发现: what 纪检 found through one of the monitoring channels."""

    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    source = models.CharField("来源", max_length=20, choices=FindingSource.choices)
    found_on = models.DateField("发现日期")
    text = models.TextField("发现的问题")
    subject_kind = models.CharField("涉及对象", max_length=12, choices=SubjectKind.choices)
    subject_person = models.ForeignKey(
        Person,
        verbose_name="涉及人员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    subject_post = models.ForeignKey(
        Post,
        verbose_name="涉及岗位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    subject_department = models.ForeignKey(
        Department,
        verbose_name="涉及部室",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    risk_points = models.ManyToManyField(
        RiskPoint, verbose_name="涉及风险点", blank=True, related_name="supervision_findings"
    )
    recorded_by = models.ForeignKey(
        Person, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.RECORDED)

    class Meta:
        verbose_name = "监督发现"
        verbose_name_plural = "监督发现"
        ordering = ["-found_on", "-id"]

    def __str__(self) -> str:
        return f"{self.get_source_display()} · {self.found_on:%Y-%m-%d} · {self.subject_label}"

    @property
    def subject_label(self) -> str:
        target = {
            SubjectKind.PERSON: self.subject_person,
            SubjectKind.POST: self.subject_post,
            SubjectKind.DEPARTMENT: self.subject_department,
            SubjectKind.UNIT: self.unit,
        }.get(self.subject_kind)
        return str(target) if target is not None else ""

    def clean(self) -> None:
        needed = {
            SubjectKind.PERSON: ("subject_person", "请选择涉及的人员。"),
            SubjectKind.POST: ("subject_post", "请选择涉及的岗位。"),
            SubjectKind.DEPARTMENT: ("subject_department", "请选择涉及的部室。"),
        }.get(self.subject_kind)
        if needed and getattr(self, needed[0] + "_id") is None:
            raise ValidationError({needed[0]: needed[1]})
        for name in ("subject_person", "subject_post", "subject_department"):
            obj = getattr(self, name)
            if obj is not None and self.unit_id and obj.unit_id != self.unit_id:
                raise ValidationError({name: "只能选择本单位的对象。"})


class DocumentCounter(models.Model):
    """The last 文号 given per unit, year and document kind; locked while the next is taken."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveIntegerField()
    kind = models.CharField(max_length=20)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "文号计数"
        verbose_name_plural = "文号计数"
        constraints = [
            models.UniqueConstraint(fields=["unit", "year", "kind"], name="document_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.year}: {self.last}"


class WarningNotice(KeptModel):
    """预警 with its 廉政风险预警提示书: issued by 纪检 to a person, or to a department whose head
    receives it; the recipient acknowledges (签收) and replies (反馈) by the deadline."""

    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveIntegerField("年度")
    number = models.PositiveIntegerField("序号")
    grade = models.CharField("预警级别", max_length=10, choices=WarningGrade.choices)
    finding = models.ForeignKey(
        Finding,
        verbose_name="来自监督发现",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="warnings",
    )
    recipient_kind = models.CharField(
        "预警对象", max_length=12, choices=RecipientKind.choices, default=RecipientKind.PERSON
    )
    recipient = models.ForeignKey(
        Person, verbose_name="签收人", on_delete=models.PROTECT, related_name="+"
    )
    recipient_department = models.ForeignKey(
        Department,
        verbose_name="预警部室",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    risk_text = models.TextField("发现的风险")
    requirement = models.TextField("工作要求")
    reply_due = models.DateField("书面反馈期限")
    risk_points = models.ManyToManyField(
        RiskPoint, verbose_name="涉及风险点", blank=True, related_name="supervision_warnings"
    )
    issued_by = models.ForeignKey(
        Person, verbose_name="开具人", on_delete=models.PROTECT, related_name="+"
    )
    issued_on = models.DateField("开具日期")
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.ISSUED)
    acknowledged_at = models.DateTimeField("签收时间", null=True, blank=True)
    reply_text = models.TextField("反馈内容", blank=True)
    replied_at = models.DateTimeField("反馈时间", null=True, blank=True)
    replied_on_time = models.BooleanField("按期反馈", null=True, blank=True)
    overdue_since = models.DateField("逾期日期", null=True, blank=True)
    closed_at = models.DateTimeField("销号时间", null=True, blank=True)

    class Meta:
        verbose_name = "预警"
        verbose_name_plural = "预警"
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "year", "number"], name="warning_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.doc_number} {self.grade_label}"

    @property
    def grade_label(self) -> str:
        """The grade in the unit's wording (红色预警 or 一级预警, UnitSettings)."""
        return grade_label(self.grade, UnitSettings.of(self.unit).grade_wording)

    @property
    def doc_number(self) -> str:
        """文号, e.g. 〔2026〕3号."""
        return f"〔{self.year}〕{self.number}号"

    @property
    def is_overdue(self) -> bool:
        return self.overdue_since is not None and self.state in State.open_warning()

    def clean(self) -> None:
        if self.recipient_id and self.unit_id and self.recipient.unit_id != self.unit_id:
            raise ValidationError({"recipient": "只能向本单位人员开具预警。"})
        if self.recipient_kind == RecipientKind.DEPARTMENT and not self.recipient_department_id:
            raise ValidationError({"recipient_department": "请选择预警的部室。"})
        if self.reply_due and self.issued_on and self.reply_due < self.issued_on:
            raise ValidationError({"reply_due": "反馈期限不能早于开具日期。"})


class Disposition(KeptModel):
    """处置: 警示提醒, 谈话函询 / 诫勉谈话 (with the talk record), 责令限期整改 (with items),
    组织处理 / 纪律处分 (an outcome handed to the competent body, text only)."""

    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("处置方式", max_length=20, choices=DispositionKind.choices)
    subject = models.ForeignKey(
        Person,
        verbose_name="处置对象",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="责令部室整改时为部室负责人。",
    )
    subject_department = models.ForeignKey(
        Department,
        verbose_name="整改部室",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    finding = models.ForeignKey(
        Finding,
        verbose_name="来自监督发现",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dispositions",
    )
    warning = models.ForeignKey(
        WarningNotice,
        verbose_name="来自预警",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dispositions",
    )
    risk_points = models.ManyToManyField(
        RiskPoint, verbose_name="涉及风险点", blank=True, related_name="supervision_dispositions"
    )
    basis = models.TextField("问题与依据")
    decided_by = models.ForeignKey(
        Person, verbose_name="处置人", on_delete=models.PROTECT, related_name="+"
    )
    decided_on = models.DateField("处置日期")
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.ISSUED)
    acknowledged_at = models.DateTimeField("签收时间", null=True, blank=True)
    closed_at = models.DateTimeField("销号时间", null=True, blank=True)
    # 警示提醒
    method = models.CharField("提醒方式", max_length=10, choices=ReminderMethod.choices, blank=True)
    # 谈话函询 / 诫勉谈话: the talk record
    talk_on = models.DateField("谈话时间", null=True, blank=True)
    talk_place = models.CharField("谈话地点", max_length=100, blank=True)
    talkers = models.CharField("谈话人", max_length=100, blank=True)
    recorder = models.CharField("记录人", max_length=50, blank=True)
    talk_content = models.TextField("谈话内容", blank=True)
    statement = models.TextField("本人陈述", blank=True)
    # 组织处理 / 纪律处分
    referred_to = models.CharField("移交机关", max_length=100, blank=True)
    outcome = models.TextField("处理结果", blank=True)

    class Meta:
        verbose_name = "处置"
        verbose_name_plural = "处置"
        ordering = ["-decided_on", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.subject}"

    def clean(self) -> None:
        errors = {}
        if self.subject_id and self.unit_id and self.subject.unit_id != self.unit_id:
            errors["subject"] = "只能处置本单位人员。"
        if self.kind == DispositionKind.REMINDER and not self.method:
            errors["method"] = "请选择提醒方式。"
        if self.kind in DispositionKind.talks():
            for name, message in (
                ("talk_on", "请填写谈话时间。"),
                ("talk_place", "请填写谈话地点。"),
                ("talkers", "请填写谈话人。"),
                ("recorder", "请填写记录人。"),
                ("talk_content", "请填写谈话内容。"),
            ):
                if not getattr(self, name):
                    errors[name] = message
        if self.kind == DispositionKind.REFERRAL:
            if not self.referred_to:
                errors["referred_to"] = "请填写移交的机关。"
            if not self.outcome:
                errors["outcome"] = "请填写处理结果。"
        if errors:
            raise ValidationError(errors)


class RectificationItem(KeptModel):
    """One item of a 责令限期整改: a responsible person, a deadline, progress with evidence, and
    销号 by 纪检."""

    disposition = models.ForeignKey(
        Disposition, verbose_name="整改通知", on_delete=models.PROTECT, related_name="items"
    )
    order = models.PositiveIntegerField("序号", default=0)
    text = models.TextField("整改事项")
    responsible = models.ForeignKey(
        Person, verbose_name="责任人", on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        Department,
        verbose_name="责任部室",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    deadline = models.DateField("整改期限")
    state = models.CharField(
        "状态", max_length=20, choices=State.choices, default=State.IN_PROGRESS
    )
    overdue_since = models.DateField("逾期日期", null=True, blank=True)
    closed_at = models.DateTimeField("销号时间", null=True, blank=True)

    class Meta:
        verbose_name = "整改事项"
        verbose_name_plural = "整改事项"
        ordering = ["disposition", "order", "id"]

    def __str__(self) -> str:
        return self.text[:40]

    @property
    def unit(self) -> Unit:
        return self.disposition.unit

    @property
    def is_overdue(self) -> bool:
        return self.overdue_since is not None and self.state in State.open_item()


class LevelRaiseProposal(KeptModel):
    """提高等级建议: 纪检 proposes a higher level for a risk point. It is answered at the next
    集体审定 of that form (the form cannot be published before), or, when the form is already
    past it, it forces a 重新评定 whose new version is then decided."""

    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    point = models.ForeignKey(
        RiskPoint,
        verbose_name="风险点",
        null=True,
        on_delete=models.SET_NULL,
        related_name="raise_proposals",
    )
    point_text = models.TextField("风险点内容")
    form = models.ForeignKey(
        RiskForm,
        verbose_name="待审定的一览表",
        on_delete=models.PROTECT,
        related_name="raise_proposals",
    )
    current_level = models.PositiveSmallIntegerField("原等级", null=True, blank=True)
    proposed_level = models.PositiveSmallIntegerField("建议等级", choices=[(1, "1"), (2, "2")])
    reason = models.TextField("建议理由")
    finding = models.ForeignKey(
        Finding,
        verbose_name="来自监督发现",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    disposition = models.ForeignKey(
        Disposition,
        verbose_name="来自处置",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    proposed_by = models.ForeignKey(
        Person, verbose_name="建议人", on_delete=models.PROTECT, related_name="+"
    )
    proposed_on = models.DateField("建议日期")
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.PENDING)
    answer = models.TextField("审定意见", blank=True)
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)

    class Meta:
        verbose_name = "提高等级建议"
        verbose_name_plural = "提高等级建议"
        ordering = ["-proposed_on", "-id"]

    def __str__(self) -> str:
        return f"提高等级建议 · {self.point_text[:30]}"

    def clean(self) -> None:
        if self.current_level is not None and self.proposed_level >= self.current_level:
            raise ValidationError({"proposed_level": "建议等级应高于现有等级（一级为最高）。"})


class SupervisionLog(models.Model):
    """One change of one supervision record: who, in which role, what, from/to, why, and for a
    更正 the fields changed. Rows are only ever added."""

    kind = models.CharField("记录类型", max_length=20, choices=RecordKind.choices)
    finding = models.ForeignKey(
        Finding, null=True, blank=True, on_delete=models.PROTECT, related_name="log"
    )
    warning = models.ForeignKey(
        WarningNotice, null=True, blank=True, on_delete=models.PROTECT, related_name="log"
    )
    disposition = models.ForeignKey(
        Disposition, null=True, blank=True, on_delete=models.PROTECT, related_name="log"
    )
    item = models.ForeignKey(
        RectificationItem, null=True, blank=True, on_delete=models.PROTECT, related_name="log"
    )
    proposal = models.ForeignKey(
        LevelRaiseProposal, null=True, blank=True, on_delete=models.PROTECT, related_name="log"
    )
    action = models.CharField("操作", max_length=20, choices=Action.choices)
    from_state = models.CharField("原状态", max_length=20, blank=True)
    to_state = models.CharField("新状态", max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField("操作人", max_length=50)
    role = models.CharField("身份", max_length=30)
    comment = models.TextField("说明", blank=True)
    changes = models.JSONField("更正内容", default=dict, blank=True)
    at = models.DateTimeField("时间")

    class Meta:
        verbose_name = "监督处置记录"
        verbose_name_plural = "监督处置记录"
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(finding__isnull=False)
                    | Q(warning__isnull=False)
                    | Q(disposition__isnull=False)
                    | Q(item__isnull=False)
                    | Q(proposal__isnull=False)
                ),
                name="supervision_log_has_record",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} · {self.actor_name}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RecordsAreKept("流转记录只能追加，不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RecordsAreKept("流转记录只能追加，不能删除。")

    @property
    def state_label(self) -> str:
        return State(self.to_state).label if self.to_state else ""


class Evidence(KeptModel):
    """An attachment of a 反馈 or an 整改进展 (checked by content: audit.uploads)."""

    entry = models.ForeignKey(
        SupervisionLog,
        verbose_name="所属记录",
        on_delete=models.PROTECT,
        related_name="evidence",
    )
    file = models.FileField("附件", upload_to="supervision/%Y/", max_length=200)
    name = models.CharField("文件名", max_length=200)
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "佐证材料"
        verbose_name_plural = "佐证材料"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name
