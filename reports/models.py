"""Files the reports app keeps.

ReportFile: the PDF or workbook of a filed form. A filed form never changes, so its files are
produced once and then served from storage (MEDIA_ROOT) — keyed by form, format and version.

ReportJob: a long report (the bound volume, a large summary) built by the background worker;
the requester follows its progress and downloads the file when it is ready.
"""

import uuid

from django.conf import settings
from django.db import models

from risks.models import RiskForm
from units.models import Unit


class ReportFormat(models.TextChoices):
    PDF = "pdf", "PDF"
    XLSX = "xlsx", "Excel"
    JSON = "json", "JSON"


CONTENT_TYPES = {
    ReportFormat.PDF: "application/pdf",
    ReportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ReportFormat.JSON: "application/json",
}


def _form_file_path(instance: "ReportFile", filename: str) -> str:
    return f"reports/forms/{instance.form_id}/v{instance.version}/{instance.format}/{filename}"


class ReportFile(models.Model):
    form = models.ForeignKey(
        RiskForm, verbose_name="一览表", on_delete=models.CASCADE, related_name="report_files"
    )
    format = models.CharField("格式", max_length=10, choices=ReportFormat.choices)
    version = models.PositiveIntegerField("版本")
    file = models.FileField("文件", upload_to=_form_file_path, max_length=255)
    size = models.PositiveIntegerField("字节数", default=0)
    sha256 = models.CharField("SHA-256", max_length=64)
    created_at = models.DateTimeField("生成时间", auto_now_add=True)

    class Meta:
        verbose_name = "一览表存档文件"
        verbose_name_plural = "一览表存档文件"
        constraints = [
            models.UniqueConstraint(
                fields=["form", "format", "version"], name="one_report_file_per_form_format"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.form_id} v{self.version} {self.format}"


class JobKind(models.TextChoices):
    VOLUME = "volume", "资料汇编（PDF）"
    QUARTERLY = "quarterly", "季度汇总"
    REGISTER = "register", "廉政风险信息档案库（Excel）"
    AUDIT_LOG = "audit_log", "审计日志导出（Excel）"


class JobState(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "生成中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


def _job_file_path(instance: "ReportJob", filename: str) -> str:
    return f"reports/jobs/{instance.pk}/{filename}"


class ReportJob(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField("报表", max_length=20, choices=JobKind.choices)
    format = models.CharField("格式", max_length=10, choices=ReportFormat.choices)
    # No unit for the audit-log export: its scope is the audit admin's grant.
    unit = models.ForeignKey(
        Unit,
        verbose_name="单位",
        on_delete=models.CASCADE,
        related_name="report_jobs",
        null=True,
        blank=True,
    )
    params = models.JSONField("参数", default=dict, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="申请人",
        on_delete=models.CASCADE,
        related_name="report_jobs",
    )
    state = models.CharField(
        "状态", max_length=10, choices=JobState.choices, default=JobState.QUEUED
    )
    progress = models.PositiveSmallIntegerField("进度（%）", default=0)
    message = models.CharField("说明", max_length=200, blank=True)
    file = models.FileField("文件", upload_to=_job_file_path, max_length=255, blank=True)
    filename = models.CharField("下载文件名", max_length=200, blank=True)
    # What the file was built from (reports.exports.fingerprint): the same export asked again
    # with no change to its data finds this job and its file instead of building a new one.
    fingerprint = models.CharField("数据指纹", max_length=64, blank=True, db_index=True)
    # The worker running the job (ops.WorkerHeartbeat) and how many runs it took: a job whose
    # worker died is queued again, then failed (ops/workers.py).
    worker_id = models.CharField("后台进程", max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField("执行次数", default=0)
    created_at = models.DateTimeField("申请时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "报表生成任务"
        verbose_name_plural = "报表生成任务"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.unit} · {self.get_state_display()}"

    @property
    def is_finished(self) -> bool:
        return self.state in (JobState.DONE, JobState.FAILED)


# ---------------------------------------------------------------- the round's own documents


class GroupRole(models.TextChoices):
    LEADER = "leader", "组长"
    DEPUTY = "deputy", "副组长"
    MEMBER = "member", "成员"
    OFFICE = "office", "办公室"


class RoundGroupMember(models.Model):
    """One line of the round's 领导小组成员名单 (附件1 of seeds 000 and 001)."""

    round = models.ForeignKey(
        "risks.Round",
        verbose_name="排查轮次",
        on_delete=models.CASCADE,
        related_name="group_members",
    )
    role = models.CharField("小组职务", max_length=10, choices=GroupRole.choices)
    name = models.CharField("姓名", max_length=50)
    title = models.CharField("单位职务", max_length=100, blank=True)
    order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "领导小组成员"
        verbose_name_plural = "领导小组成员名单"
        ordering = ["round", "order", "id"]

    def __str__(self) -> str:
        return f"{self.get_role_display()}：{self.name}"


class RoundPhase(models.Model):
    """One row of the round's 工作安排表 (附件2 of seed 001): a phase, its dates, the work and
    what is due."""

    round = models.ForeignKey(
        "risks.Round", verbose_name="排查轮次", on_delete=models.CASCADE, related_name="phases"
    )
    name = models.CharField("工作阶段", max_length=100)
    start = models.DateField("开始日期", null=True, blank=True)
    end = models.DateField("完成日期")
    work = models.TextField("工作内容")
    due = models.CharField("完成要求", max_length=200, blank=True)
    order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "工作安排"
        verbose_name_plural = "工作安排表"
        ordering = ["round", "order", "end", "id"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.start and self.end and self.start > self.end:
            raise ValidationError({"end": "完成日期不能早于开始日期。"})
