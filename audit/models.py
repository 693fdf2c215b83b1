"""The audit log (安全审计) and the per-account password state (forced change).

AuditEvent is append-only: the model refuses updates and deletes, its querysets refuse bulk
updates and deletes, the admin has no change or delete permission, and a database trigger
refuses UPDATE. The only way rows leave is `purge_audit`, for rows older than the retention.
"""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone

from audit.enums import AuditAction, AuditOutcome


class AuditLogIsAppendOnly(Exception):
    """Raised by any attempt to change or delete an audit row through the application."""

    def __init__(self, what: str = "审计日志只能追加，不能修改或删除。") -> None:
        super().__init__(what)


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditLogIsAppendOnly()

    def delete(self):
        raise AuditLogIsAppendOnly()

    def bulk_update(self, objs, fields, batch_size=None):
        raise AuditLogIsAppendOnly()

    def update_or_create(self, *args, **kwargs):
        raise AuditLogIsAppendOnly()


class AuditEvent(models.Model):
    at = models.DateTimeField("时间", default=timezone.now, editable=False, db_index=True)
    # No database constraint and no cascade: the row outlives any account and never changes.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_username = models.CharField("操作人账号", max_length=150, blank=True, db_index=True)
    actor_name = models.CharField("操作人姓名", max_length=50, blank=True)
    actor_roles = models.CharField("操作人角色", max_length=200, blank=True)
    # The unit the event belongs to (the actor's, or the object's), by path: scopes who may read.
    unit_path = models.CharField("单位路径", max_length=255, blank=True, db_index=True)
    unit_name = models.CharField("单位", max_length=100, blank=True)
    client_address = models.GenericIPAddressField("客户端地址", null=True, blank=True)
    # Codes come from audit.enums.AuditAction; no `choices` here, so adding a code needs no
    # migration. The label is kept as written at the time.
    action = models.CharField("操作代码", max_length=40, db_index=True)
    action_label = models.CharField("操作", max_length=40)
    object_type = models.CharField("对象类型", max_length=100, blank=True)
    object_id = models.CharField("对象编号", max_length=64, blank=True)
    object_repr = models.CharField("对象", max_length=200, blank=True)
    outcome = models.CharField(
        "结果", max_length=10, choices=AuditOutcome.choices, default=AuditOutcome.SUCCESS
    )
    details = models.JSONField("详情", default=dict, blank=True, encoder=DjangoJSONEncoder)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = "审计日志"
        verbose_name_plural = "审计日志"
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["action", "at"], name="audit_action_at"),
            # The admin's search (audit/admin.py _search): prefix matches on UPPER(...), which
            # a btree serves under the C collation (on another collation PostgreSQL needs
            # text_pattern_ops), and exact matches on the object number and address.
            models.Index(Upper("actor_username"), name="audit_search_username"),
            models.Index(Upper("actor_name"), name="audit_search_name"),
            models.Index(Upper("object_repr"), name="audit_search_object"),
            models.Index(fields=["object_id"], name="audit_search_object_id"),
            models.Index(fields=["client_address"], name="audit_search_address"),
        ]
        # Nobody gets the default change/delete permissions; reading is decided by role.
        default_permissions = ("view",)

    def __str__(self) -> str:
        who = self.actor_username or "匿名"
        return f"{timezone.localtime(self.at):%Y-%m-%d %H:%M:%S} {who} {self.action_label}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AuditLogIsAppendOnly()
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLogIsAppendOnly()

    @property
    def action_enum(self) -> AuditAction | None:
        try:
            return AuditAction(self.action)
        except ValueError:
            return None


class PasswordChangeReason(models.TextChoices):
    ADMIN_RESET = "admin_reset", "管理员设置或重置了密码"


class PasswordPolicyState(models.Model):
    """Whether an account must choose its own password before doing anything else.

    Set when someone other than the account holder sets the password (an admin's reset, a first
    password given with a new account); cleared when the holder changes it. Accounts without a
    row (demo accounts, break-glass superusers) are not forced.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="登录账号",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="password_state",
    )
    must_change = models.BooleanField("须修改密码", default=False)
    reason = models.CharField(
        "原因", max_length=20, choices=PasswordChangeReason.choices, blank=True
    )
    set_by_username = models.CharField("设置人", max_length=150, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "密码状态"
        verbose_name_plural = "密码状态"

    def __str__(self) -> str:
        return f"{self.user} · {'须修改密码' if self.must_change else '正常'}"
