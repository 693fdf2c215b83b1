"""Choices of the audit log: what happened (action) and how it ended (outcome)."""

from django.db import models


class AuditAction(models.TextChoices):
    """Every kind of audited event. Later features add their codes here, never reuse one."""

    # Identity (身份鉴别)
    LOGIN = "auth.login", "登录"
    LOGIN_FAILED = "auth.login_failed", "登录失败"
    LOGOUT = "auth.logout", "退出登录"
    LOCKOUT = "auth.lockout", "账号锁定"
    PASSWORD_CHANGE = "auth.password_change", "修改密码"
    PASSWORD_RESET = "auth.password_reset", "管理员重置密码"
    MFA_ENROL = "auth.mfa_enrol", "绑定动态口令"
    MFA_VERIFY = "auth.mfa_verify", "动态口令验证"
    MFA_RECOVERY_CODES = "auth.mfa_recovery_codes", "生成恢复码"
    # Permissions (权限变更)
    ROLE_GRANT = "role.grant", "授予角色"
    ROLE_CHANGE = "role.change", "变更角色授权"
    ROLE_REVOKE = "role.revoke", "撤销角色"
    # Two-person procedure (双人审批: protected grants, account recovery)
    DUAL_REQUEST = "dual.request", "提出双人审批申请"
    DUAL_APPROVE = "dual.approve", "批准双人审批申请"
    DUAL_REJECT = "dual.reject", "驳回双人审批申请"
    DUAL_REFUSED = "dual.refused", "拒绝越权操作"
    # Administration (后台管理)
    ADMIN_ADD = "admin.add", "后台新增"
    ADMIN_CHANGE = "admin.change", "后台修改"
    ADMIN_DELETE = "admin.delete", "后台删除"
    # Data (数据)
    ROSTER_IMPORT = "data.roster_import", "导入人员名册"
    EXPORT = "data.export", "导出"
    DOWNLOAD = "data.download", "下载"
    AUDIT_EXPORT = "audit.export", "导出审计日志"
    AUDIT_PURGE = "audit.purge", "清理过期审计日志"
    AUDIT_VERIFY = "audit.verify", "校验审计日志哈希链"
    AUDIT_DIGEST = "audit.digest", "导出审计日志签名摘要"
    BACKUP = "system.backup", "备份数据库"
    RESTORE = "system.restore", "恢复数据库"
    BREAK_GLASS = "system.break_glass", "超级管理员操作"
    # Workflow (审批流转)
    WORKFLOW_TRANSITION = "workflow.transition", "审批流转"
    # Explicit grants (access.services): 委托 and 特别授权
    DELEGATION_GRANT = "access.delegation_grant", "登记委托"
    DELEGATION_REVOKE = "access.delegation_revoke", "撤销委托"
    READ_GRANT = "access.read_grant", "特别授权"
    READ_GRANT_REVOKE = "access.read_grant_revoke", "撤销特别授权"
    # Supervision (监督处置)
    SUPERVISION_TRANSITION = "supervision.transition", "监督处置"
    SUPERVISION_SETTINGS = "supervision.settings", "变更单位监督设置"
    # Power list (清权确权)
    POWER_CHANGE = "powers.change", "职权目录变更"
    ROUND_OPEN = "workflow.round_open", "开启排查轮次"
    ROUND_CHANGE = "workflow.round_change", "修改排查轮次"
    REMINDER = "workflow.remind", "催办"


class AuditOutcome(models.TextChoices):
    SUCCESS = "success", "成功"
    FAILURE = "failure", "失败"
