"""Choices of the organisation model: post tiers, granted roles, resolved roles, level labels."""

from django.db import models


class PostTier(models.TextChoices):
    PRINCIPAL = "principal", "党政一把手"
    LEADER = "leader", "其他班子成员"
    MIDDLE = "middle", "部室负责人"
    STAFF = "staff", "工作人员"

    @classmethod
    def leadership(cls) -> tuple["PostTier", ...]:
        """Tiers whose posts belong to the unit's leadership and have no department."""
        return (cls.PRINCIPAL, cls.LEADER)


class GrantedRole(models.TextChoices):
    """Roles given explicitly to a person over a unit (the others follow from the org chart)."""

    INTEGRITY_OFFICE = "integrity_office", "廉防办"
    INSPECTOR = "inspector", "纪检监督"
    SYSTEM_ADMIN = "system_admin", "系统管理员"
    AUDIT_ADMIN = "audit_admin", "安全审计员"


class Role(models.TextChoices):
    """Every role a person can hold over an object, from the org chart or from a grant."""

    MEMBER = "member", "本单位人员"
    FILLER = "filler", "填表人"
    POST_HOLDER = "post_holder", "岗位人员"
    DEPT_MEMBER = "dept_member", "本部室人员"
    DEPT_HEAD = "dept_head", "部室负责人"
    SUPERVISOR = "supervisor", "分管领导"
    LEADER = "leader", "班子成员"
    PRINCIPAL = "principal", "主要领导"
    INTEGRITY_OFFICE = GrantedRole.INTEGRITY_OFFICE.value, GrantedRole.INTEGRITY_OFFICE.label
    INSPECTOR = GrantedRole.INSPECTOR.value, GrantedRole.INSPECTOR.label
    SYSTEM_ADMIN = GrantedRole.SYSTEM_ADMIN.value, GrantedRole.SYSTEM_ADMIN.label
    AUDIT_ADMIN = GrantedRole.AUDIT_ADMIN.value, GrantedRole.AUDIT_ADMIN.label


class LevelLabelStyle(models.TextChoices):
    """How a unit names the three risk levels; level 1 is always the highest risk."""

    NUMERIC = "numeric", "一级 / 二级 / 三级"
    HIGH_MID_LOW = "hml", "高 / 中 / 低"
    LETTERS = "abc", "A / B / C"

    def label_for(self, level: int) -> str:
        return LEVEL_LABELS[self][level]


LEVEL_LABELS: dict[str, dict[int, str]] = {
    LevelLabelStyle.NUMERIC: {1: "一级", 2: "二级", 3: "三级"},
    LevelLabelStyle.HIGH_MID_LOW: {1: "高", 2: "中", 3: "低"},
    LevelLabelStyle.LETTERS: {1: "A", 2: "B", 3: "C"},
}


class FormLayout(models.TextChoices):
    """Which seed's family of 一览表 a unit prints (reports app)."""

    SEED000 = "seed000", "党政一把手 / 其他班子成员 / 部室负责人、工作人员（附件2式）"
    SEED001 = "seed001", "岗位 / 部室 / 单位 辨认防控一览表（含风险类别、审核意见）"
    SEED004 = "seed004", "领导班子 / 科室、中心 / 个人 识别及防范措施一览表（高 / 一般 / 低）"
