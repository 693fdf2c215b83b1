"""Choices of the risk register: subject kinds, categories per subject kind, levels, and the
suggested-level matrix (likelihood × harm)."""

from django.db import models

from units.enums import PostTier


class SubjectKind(models.TextChoices):
    POST = "post", "岗位"
    DEPARTMENT = "department", "部室"
    LEADERSHIP = "leadership", "领导班子"


class RiskCategory(models.TextChoices):
    # Post (seed 000 §2, seed 001): 思想道德, 岗位职责, 业务流程, 制度机制, 外部环境, 工作效率, 其他
    MORAL = "moral", "思想道德"
    DUTY = "duty", "岗位职责"
    PROCESS = "process", "业务流程"
    SYSTEM = "system", "制度机制"
    EXTERNAL = "external", "外部环境"
    EFFICIENCY = "efficiency", "工作效率"
    # Unit leadership: 三重一大
    MAJOR_DECISION = "major_decision", "重大事项决策"
    PERSONNEL = "personnel", "重要人事任免"
    MAJOR_PROJECT = "major_project", "重大项目安排"
    LARGE_FUNDS = "large_funds", "大额资金使用"
    OTHER = "other", "其他"


CATEGORIES_BY_SUBJECT: dict[str, tuple[RiskCategory, ...]] = {
    SubjectKind.POST: (
        RiskCategory.MORAL,
        RiskCategory.DUTY,
        RiskCategory.PROCESS,
        RiskCategory.SYSTEM,
        RiskCategory.EXTERNAL,
        RiskCategory.EFFICIENCY,
        RiskCategory.OTHER,
    ),
    SubjectKind.DEPARTMENT: (
        RiskCategory.PROCESS,
        RiskCategory.SYSTEM,
        RiskCategory.EXTERNAL,
        RiskCategory.OTHER,
    ),
    SubjectKind.LEADERSHIP: (
        RiskCategory.MAJOR_DECISION,
        RiskCategory.PERSONNEL,
        RiskCategory.MAJOR_PROJECT,
        RiskCategory.LARGE_FUNDS,
        RiskCategory.OTHER,
    ),
}


def categories_for(subject_kind: str) -> list[tuple[str, str]]:
    """(value, label) choices of the categories allowed for a subject kind, in seed order."""
    return [(c.value, c.label) for c in CATEGORIES_BY_SUBJECT[subject_kind]]


class RiskLevel(models.IntegerChoices):
    """Level 1 is the highest risk. Units may name them 高/中/低 or A/B/C (Unit.level_label)."""

    ONE = 1, "一级"
    TWO = 2, "二级"
    THREE = 3, "三级"


class Likelihood(models.IntegerChoices):
    LOW = 1, "较小"
    MEDIUM = 2, "可能"
    HIGH = 3, "较大"


class Harm(models.IntegerChoices):
    LOW = 1, "较轻"
    MEDIUM = 2, "较重"
    HIGH = 3, "严重"


# Suggested level from likelihood (rows) × harm (columns); documented in the README.
#                 harm: 较轻  较重  严重
LEVEL_MATRIX: dict[int, dict[int, int]] = {
    1: {1: 3, 2: 3, 3: 2},  # 发生概率较小
    2: {1: 3, 2: 2, 3: 1},  # 发生概率可能
    3: {1: 2, 2: 1, 3: 1},  # 发生概率较大
}


def suggested_level(likelihood: int | None, harm: int | None) -> int | None:
    if likelihood not in LEVEL_MATRIX or harm not in LEVEL_MATRIX[1]:
        return None
    return LEVEL_MATRIX[likelihood][harm]


# Supervision by level (seed 000 §2.3, seed 004 §4.3).
MANAGEMENT_BY_LEVEL: dict[int, str] = {
    1: "重点管理、实时掌控",
    2: "强化管理、定期检查",
    3: "常规管理",
}


def supervisor_for(*, tier: str | None, is_key: bool, subject_kind: str) -> str:
    """Who supervises a risk, from the post tier (seed 000 §三(二)2(3))."""
    if subject_kind == SubjectKind.LEADERSHIP or tier == PostTier.PRINCIPAL:
        return "上级纪委直接监管"
    if tier == PostTier.LEADER:
        return "派驻纪检组协助单位主要领导监管"
    if subject_kind == SubjectKind.DEPARTMENT or tier == PostTier.MIDDLE or is_key:
        return "纪检组协助分管领导监管"
    return "部室负责人监管"


def supervision_text(
    *, level: int | None, tier: str | None, is_key: bool, subject_kind: str
) -> str:
    """The supervision that follows from level and tier, as shown on the form and in reports."""
    who = supervisor_for(tier=tier, is_key=is_key, subject_kind=subject_kind)
    if level is None:
        return who
    return f"{MANAGEMENT_BY_LEVEL[level]}；{who}"
