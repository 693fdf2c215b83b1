"""Choices of supervision (中期监控、后期处置): sources of findings, warning grades, disposition
kinds, and the states and actions of every record (seed 000 §4, seed 002 §4, seeds 003/004)."""

from django.db import models


class FindingSource(models.TextChoices):
    """The monitoring channels of seed 002."""

    PETITION = "petition", "信访举报"
    CASE = "case", "案件查处"
    INSPECTION = "inspection", "监督检查"
    AUDIT = "audit", "经济责任审计"
    ASSESSMENT = "assessment", "干部考核"
    E_MONITORING = "e_monitoring", "电子监控预警"
    PUBLIC_OPINION = "public_opinion", "网络舆情"


class SubjectKind(models.TextChoices):
    """What a finding concerns."""

    PERSON = "person", "人员"
    POST = "post", "岗位"
    DEPARTMENT = "department", "部室"
    UNIT = "unit", "单位"


class WarningGrade(models.TextChoices):
    """按不同级别发出预警 (seed 003): red is the gravest."""

    RED = "red", "红色预警"
    ORANGE = "orange", "橙色预警"
    YELLOW = "yellow", "黄色预警"


class GradeWording(models.TextChoices):
    """How a unit names the three grades (seed 003 counts them: 一级/二级/三级预警)."""

    COLOUR = "colour", "颜色（红/橙/黄色预警）"
    TIER = "tier", "等级（一/二/三级预警）"


GRADE_WORDS = {
    GradeWording.COLOUR: {
        WarningGrade.RED: "红色预警",
        WarningGrade.ORANGE: "橙色预警",
        WarningGrade.YELLOW: "黄色预警",
    },
    GradeWording.TIER: {
        WarningGrade.RED: "一级预警",
        WarningGrade.ORANGE: "二级预警",
        WarningGrade.YELLOW: "三级预警",
    },
}


def grade_label(grade: str, wording: str = GradeWording.COLOUR) -> str:
    """The grade in a unit's wording (red is the gravest: 红色 or 一级)."""
    return GRADE_WORDS[GradeWording(wording)][WarningGrade(grade)]


class RecipientKind(models.TextChoices):
    PERSON = "person", "个人"
    DEPARTMENT = "department", "部室（由负责人签收）"


class DispositionKind(models.TextChoices):
    """The dispositions of seed 000 §4 and seed 004; the JSON keys are the values."""

    REMINDER = "reminder", "警示提醒"
    INQUIRY = "inquiry", "谈话函询"
    ADMONITION = "admonition", "诫勉谈话"
    RECTIFICATION = "rectification", "责令限期整改"
    REFERRAL = "referral", "组织处理/纪律处分"

    @classmethod
    def talks(cls) -> tuple["DispositionKind", ...]:
        return (cls.INQUIRY, cls.ADMONITION)


class ReminderMethod(models.TextChoices):
    TALK = "talk", "谈话提醒"
    WRITTEN = "written", "书面提醒"


class RecordKind(models.TextChoices):
    """The kinds of record the one transition function moves (supervision.transitions)."""

    FINDING = "finding", "监督发现"
    WARNING = "warning", "预警"
    DISPOSITION = "disposition", "处置"
    ITEM = "item", "整改事项"
    PROPOSAL = "proposal", "提高等级建议"


class State(models.TextChoices):
    """States of every record kind (each kind uses some of them; see supervision.transitions)."""

    RECORDED = "recorded", "已登记"
    ISSUED = "issued", "已开具（待签收）"
    ACKNOWLEDGED = "acknowledged", "已签收（待反馈）"
    REPLIED = "replied", "已反馈（待审核）"
    RETURNED = "returned", "退回反馈"
    IN_PROGRESS = "in_progress", "整改中"
    REPORTED = "reported", "已报进展（待销号）"
    CLOSED = "closed", "已销号"
    PENDING = "pending", "待集体审定"
    ACCEPTED = "accepted", "已采纳"
    DECLINED = "declined", "未采纳"

    @classmethod
    def open_warning(cls) -> tuple["State", ...]:
        """A warning whose reply is still owed (the deadline applies)."""
        return (cls.ISSUED, cls.ACKNOWLEDGED, cls.RETURNED)

    @classmethod
    def open_item(cls) -> tuple["State", ...]:
        return (cls.IN_PROGRESS, cls.REPORTED)


class Action(models.TextChoices):
    RECORD = "record", "登记"
    ISSUE = "issue", "开具"
    ACKNOWLEDGE = "acknowledge", "签收"
    REPLY = "reply", "反馈"
    ACCEPT = "accept", "审核通过并销号"
    SEND_BACK = "send_back", "退回反馈"
    REPORT = "report", "报送整改进展"
    CLOSE = "close", "销号"
    MARK_OVERDUE = "mark_overdue", "逾期"
    CORRECT = "correct", "更正"
    ADOPT = "adopt", "集体审定采纳"
    DECLINE = "decline", "集体审定不予采纳"
    FORCE_RERATE = "force_rerate", "启动重新评定"
