"""Rows that let several machines cooperate: worker heartbeats and daily-job claims."""

from django.db import models


class WorkerHeartbeat(models.Model):
    """One row per background worker process, touched every few seconds while it lives.
    A worker whose row is older than WORKER_DEAD_SECONDS is taken for dead: its running jobs
    are put back in the queue (or failed) by the workers still alive."""

    worker_id = models.CharField("进程标识", max_length=64, unique=True)
    hostname = models.CharField("主机", max_length=100)
    pid = models.PositiveIntegerField("进程号")
    started_at = models.DateTimeField("启动时间", auto_now_add=True)
    seen_at = models.DateTimeField("最近心跳", db_index=True)

    class Meta:
        verbose_name = "后台进程心跳"
        verbose_name_plural = "后台进程心跳"

    def __str__(self) -> str:
        return f"{self.hostname}:{self.pid}"


class DailyRun(models.Model):
    """The claim of a daily job for one day: the unique (job, day) row makes the job run once
    a day however many machines fire their timer."""

    job = models.CharField("任务", max_length=100)
    day = models.DateField("日期")
    hostname = models.CharField("主机", max_length=100)
    started_at = models.DateTimeField("开始时间", auto_now_add=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    result = models.CharField("结果", max_length=200, blank=True)

    class Meta:
        verbose_name = "每日任务记录"
        verbose_name_plural = "每日任务记录"
        constraints = [models.UniqueConstraint(fields=["job", "day"], name="one_daily_run_per_day")]

    def __str__(self) -> str:
        return f"{self.job} {self.day}"
