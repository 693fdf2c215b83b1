"""States of a RiskForm along the approval chain (SPEC section 5). The workflow app owns them."""

from django.db import models


class FormState(models.TextChoices):
    DRAFT = "draft", "自查填报"
    DEPT_REVIEW = "dept_review", "部室审核"
    MASS_REVIEW = "mass_review", "群众评议"
    COLLECTIVE = "collective", "集体审定"
    PUBLIC_NOTICE = "public_notice", "公示"
    FILED = "filed", "已备案"

    @classmethod
    def published(cls) -> tuple["FormState", ...]:
        """States in which the form is part of the unit's published register."""
        return (cls.PUBLIC_NOTICE, cls.FILED)


class Action(models.TextChoices):
    """What can happen to a form along the chain; workflow.transitions says when and by whom."""

    SUBMIT = "submit", "提交"
    PASS = "pass", "审核通过"
    RETURN_TO_DRAFT = "return_to_draft", "退回修改"
    OPEN_MASS_REVIEW = "open_mass_review", "开始群众评议"
    CLOSE_MASS_REVIEW = "close_mass_review", "结束群众评议"
    DECIDE = "decide", "记录集体审定"
    SIGN_SUPERVISOR = "sign_supervisor", "分管领导签字"
    SIGN_PRINCIPAL = "sign_principal", "党组书记签字"
    RETURN_FROM_COLLECTIVE = "return_from_collective", "发回重找"
    PUBLISH = "publish", "公示"
    UPHOLD_OBJECTION = "uphold_objection", "异议成立"
    FILE = "file", "备案"
    RERATE = "rerate", "重新评定"


class RatingVerdict(models.TextChoices):
    """A colleague's view of a risk point's proposed level during 群众评议."""

    AGREE = "agree", "同意"
    TOO_HIGH = "too_high", "偏高"
    TOO_LOW = "too_low", "偏低"


class RerateReason(models.TextChoices):
    JOB_CHANGE = "job_change", "岗位变动"
    INSPECTOR_PROPOSAL = "inspector_proposal", "纪检监督建议（已采纳）"
