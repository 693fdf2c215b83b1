"""The audit log (安全审计) and the per-account password state (forced change).

AuditEvent is append-only: the model refuses updates and deletes, its querysets refuse bulk
updates and deletes, the admin has no change or delete permission, and database triggers
refuse UPDATE and DELETE. The only way rows leave is `purge_audit`, for rows older than the
retention. Every row is
numbered and hash-chained to the previous one (audit/chain.py), so a change made behind the
application's back is found by `verify_audit`.
"""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone

from audit.chain import GENESIS, chain_append
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
    # The hash chain (audit/chain.py): position, algorithm, previous row's hash, this row's.
    seq = models.BigIntegerField("序号", unique=True, editable=False)
    hash_algorithm = models.CharField("哈希算法", max_length=10, editable=False)
    prev_hash = models.CharField("前一条哈希", max_length=64, editable=False)
    row_hash = models.CharField("本条哈希", max_length=64, editable=False)

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
        chain_append(self, lambda: super(AuditEvent, self).save(*args, **kwargs))

    def delete(self, *args, **kwargs):
        raise AuditLogIsAppendOnly()

    @property
    def action_enum(self) -> AuditAction | None:
        try:
            return AuditAction(self.action)
        except ValueError:
            return None


class AuditChainHead(models.Model):
    """The one row holding the end of the hash chain (and where a purge left its start).

    Writers lock it for the rest of their transaction (audit.chain.chain_append)."""

    last_seq = models.BigIntegerField("最后序号", default=0)
    last_hash = models.CharField("最后哈希", max_length=64, default=GENESIS)
    # The last row removed by purge_audit: verification starts after it.
    anchor_seq = models.BigIntegerField("清理截止序号", default=0)
    anchor_hash = models.CharField("清理截止哈希", max_length=64, default=GENESIS)

    class Meta:
        verbose_name = "审计日志链头"
        verbose_name_plural = "审计日志链头"
        default_permissions = ()

    def __str__(self) -> str:
        return f"第 {self.last_seq} 号 {self.last_hash[:12]}…"


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


class DualControlKind(models.TextChoices):
    GRANT = "grant", "授予受保护角色"
    REVOKE = "revoke", "撤销受保护角色"
    RESET_PASSWORD = "reset_password", "重置密码"
    RESET_MFA = "reset_mfa", "重置动态口令"


class DualControlState(models.TextChoices):
    PENDING = "pending", "待批准"
    APPROVED = "approved", "已批准并执行"
    REJECTED = "rejected", "已驳回"


class DualControlRequest(models.Model):
    """A change only two people together may make (双人审批): granting or revoking 安全审计员 or
    纪检监督, and recovering the account (password, second factor) of someone holding them.
    One person asks, another approves; the change is made at approval, and both steps are in
    the audit log."""

    kind = models.CharField("事项", max_length=20, choices=DualControlKind.choices)
    target = models.ForeignKey(
        "units.Person", verbose_name="对象人员", on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField("角色", max_length=30, blank=True)
    unit = models.ForeignKey(
        "units.Unit",
        verbose_name="适用单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    include_subunits = models.BooleanField("含下级单位", default=False)
    reason = models.CharField("理由", max_length=300)
    state = models.CharField(
        "状态", max_length=10, choices=DualControlState.choices, default=DualControlState.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="申请人", on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField("申请时间", default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审批人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decision_note = models.CharField("审批意见", max_length=300, blank=True)

    class Meta:
        verbose_name = "双人审批申请"
        verbose_name_plural = "双人审批申请"
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        what = self.get_kind_display()
        if self.role:
            from units.enums import GrantedRole

            what += f"（{GrantedRole(self.role).label}）"
        return f"{self.target} · {what} · {self.get_state_display()}"
