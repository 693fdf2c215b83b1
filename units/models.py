"""The organisation model (SPEC section 3): who works where, in which post, with which roles.

Invariants live here: a department belongs to one unit, a leadership post has no department,
an employee number is unique within its unit, a person's department and post belong to their
unit. National ID numbers are never stored.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from units.enums import FormLayout, GrantedRole, LevelLabelStyle, PostTier

phone_validator = RegexValidator(
    r"^(1\d{10}|0\d{2,3}-?\d{7,8}(-\d{1,6})?)$",
    "手机号应为 11 位数字（以 1 开头），或带区号的固定电话（如 0839-3212345）。",
)


class Unit(models.Model):
    name = models.CharField("单位名称", max_length=100)
    short_name = models.CharField("简称", max_length=40, blank=True)
    code = models.CharField(
        "单位代码",
        max_length=40,
        unique=True,
        validators=[RegexValidator(r"^[A-Za-z0-9_-]+$", "单位代码只能包含字母、数字、- 和 _。")],
    )
    parent = models.ForeignKey(
        "self",
        verbose_name="上级单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Materialised path of ids ("/1/4/") so "this unit and its sub-units" is one indexed query.
    path = models.CharField("层级路径", max_length=255, editable=False, db_index=True, default="")
    level_labels = models.CharField(
        "风险等级称谓",
        max_length=10,
        choices=LevelLabelStyle.choices,
        default=LevelLabelStyle.NUMERIC,
    )
    # Reports: which seed's 一览表 family the unit prints (reports/layouts.py).
    form_layout = models.CharField(
        "一览表样式", max_length=10, choices=FormLayout.choices, default=FormLayout.SEED000
    )
    # Printed in the leadership form's 单位职能 row (reports/layouts.py).
    duties = models.TextField("单位职能", blank=True)
    order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "单位"
        verbose_name_plural = "单位"
        ordering = ["path", "order", "id"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        old_path = self.path
        if not self.pk:
            super().save(*args, **kwargs)
            kwargs.pop("force_insert", None)
        new_path = (self.parent.path if self.parent_id else "/") + f"{self.pk}/"
        self.path = new_path
        super().save(*args, **kwargs)
        if old_path and old_path != new_path:
            for child in Unit.objects.filter(path__startswith=old_path).exclude(pk=self.pk):
                child.path = new_path + child.path[len(old_path) :]
                Unit.objects.filter(pk=child.pk).update(path=child.path)

    def clean(self) -> None:
        if (
            self.parent_id
            and self.pk
            and (self.parent_id == self.pk or f"/{self.pk}/" in self.parent.path)
        ):
            raise ValidationError({"parent": "上级单位不能是本单位或其下级单位。"})

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2

    def level_label(self, level: int | None) -> str:
        if level is None:
            return ""
        return LevelLabelStyle(self.level_labels).label_for(level)

    def subtree(self) -> models.QuerySet["Unit"]:
        """This unit and all units under it."""
        return Unit.objects.filter(path__startswith=self.path)


class Department(models.Model):
    unit = models.ForeignKey(
        Unit, verbose_name="所属单位", on_delete=models.PROTECT, related_name="departments"
    )
    name = models.CharField("部室名称", max_length=100)
    code = models.CharField("部室代码", max_length=40, blank=True)
    # Printed in the department form's 部室职责 row (reports/layouts.py).
    duties = models.TextField("部室职责", blank=True)
    head = models.ForeignKey(
        "Person",
        verbose_name="部室负责人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="headed_departments",
    )
    supervisor = models.ForeignKey(
        "Person",
        verbose_name="分管领导",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="supervised_departments",
    )
    order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "部室"
        verbose_name_plural = "部室"
        ordering = ["unit__path", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "name"], name="department_name_unique_in_unit"),
            models.UniqueConstraint(
                fields=["unit", "code"],
                condition=~Q(code=""),
                name="department_code_unique_in_unit",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        for field in ("head", "supervisor"):
            person = getattr(self, field)
            if person is not None and self.unit_id and person.unit_id != self.unit_id:
                errors[field] = "只能选择本单位的人员。"
        if errors:
            raise ValidationError(errors)


class Post(models.Model):
    unit = models.ForeignKey(
        Unit, verbose_name="所属单位", on_delete=models.PROTECT, related_name="posts"
    )
    department = models.ForeignKey(
        Department,
        verbose_name="所属部室",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="posts",
        help_text="领导班子岗位不属于任何部室，留空。",
    )
    name = models.CharField("岗位名称", max_length=100)
    tier = models.CharField("岗位层级", max_length=20, choices=PostTier.choices)
    is_key = models.BooleanField(
        "重点岗位",
        default=False,
        help_text="管项目、管资金、管采购、管分配、管接待、管车辆等岗位，或经研究确定的岗位。",
    )
    duties = models.TextField("岗位职责", blank=True)
    active = models.BooleanField("在用", default=True)
    order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "岗位"
        verbose_name_plural = "岗位"
        ordering = ["unit__path", "department__order", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(tier__in=PostTier.leadership()) | Q(department__isnull=True),
                name="leadership_post_has_no_department",
                violation_error_message="领导班子岗位（党政一把手、其他班子成员）不属于任何部室。",
            ),
            models.UniqueConstraint(
                fields=["unit", "department", "name"],
                condition=Q(department__isnull=False),
                name="post_name_unique_in_department",
                violation_error_message="本部室已有同名岗位。",
            ),
            models.UniqueConstraint(
                fields=["unit", "name"],
                condition=Q(department__isnull=True),
                name="post_name_unique_in_leadership",
                violation_error_message="本单位已有同名的领导班子岗位。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.department.name}·{self.name}" if self.department_id else self.name

    @property
    def is_leadership(self) -> bool:
        return self.tier in PostTier.leadership()

    def clean(self) -> None:
        if self.department_id and self.unit_id and self.department.unit_id != self.unit_id:
            raise ValidationError({"department": "部室必须属于岗位所在单位。"})
        if self.tier in PostTier.leadership() and self.department_id:
            raise ValidationError(
                {"department": "领导班子岗位（党政一把手、其他班子成员）不属于任何部室。"}
            )


class Person(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="登录账号",
        on_delete=models.PROTECT,
        related_name="person",
    )
    unit = models.ForeignKey(
        Unit, verbose_name="所属单位", on_delete=models.PROTECT, related_name="people"
    )
    employee_no = models.CharField("工号", max_length=40)
    name = models.CharField("姓名", max_length=50)
    department = models.ForeignKey(
        Department,
        verbose_name="部室",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    post = models.ForeignKey(
        Post,
        verbose_name="岗位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="holders",
    )
    concurrent_posts = models.ManyToManyField(
        Post, verbose_name="兼任岗位", blank=True, related_name="concurrent_holders"
    )
    job_title = models.CharField("职务", max_length=100, blank=True)
    phone = models.CharField("手机", max_length=20, blank=True, validators=[phone_validator])
    email = models.EmailField("邮箱", blank=True)
    active = models.BooleanField("在岗", default=True)

    class Meta:
        verbose_name = "人员"
        verbose_name_plural = "人员"
        ordering = ["unit__path", "department__order", "post__order", "employee_no"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "employee_no"],
                name="employee_no_unique_in_unit",
                violation_error_message="本单位已有相同工号的人员。",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        if self.department_id and self.unit_id and self.department.unit_id != self.unit_id:
            errors["department"] = "部室必须属于人员所在单位。"
        if self.post_id and self.unit_id:
            if self.post.unit_id != self.unit_id:
                errors["post"] = "岗位必须属于人员所在单位。"
            elif self.post.department_id and self.post.department_id != self.department_id:
                errors["post"] = "岗位不属于所选部室。"
        if errors:
            raise ValidationError(errors)


class RoleGrant(models.Model):
    """A role given to a person over a unit and, when include_subunits is set, its sub-units."""

    person = models.ForeignKey(
        Person, verbose_name="人员", on_delete=models.CASCADE, related_name="role_grants"
    )
    role = models.CharField("角色", max_length=30, choices=GrantedRole.choices)
    unit = models.ForeignKey(
        Unit, verbose_name="适用单位", on_delete=models.PROTECT, related_name="role_grants"
    )
    include_subunits = models.BooleanField("含下级单位", default=False)
    granted_at = models.DateTimeField("授予时间", auto_now_add=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="授予人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField("备注", max_length=200, blank=True)

    class Meta:
        verbose_name = "角色授权"
        verbose_name_plural = "角色授权"
        ordering = ["unit__path", "role", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "role", "unit"],
                name="role_grant_unique",
                violation_error_message="该人员已在此单位被授予这一角色。",
            ),
        ]

    def __str__(self) -> str:
        scope = f"{self.unit}（含下级单位）" if self.include_subunits else str(self.unit)
        return f"{self.person} · {self.get_role_display()} · {scope}"


class RosterImport(models.Model):
    """One run of the roster import (preview or real), kept for the audit log: who, when,
    which file, which unit, what it did. Rows are only ever added."""

    class Source(models.TextChoices):
        ADMIN = "admin", "管理后台"
        COMMAND = "command", "命令行"

    unit = models.ForeignKey(
        Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="roster_imports"
    )
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    os_user = models.CharField(
        "系统用户", max_length=150, blank=True, help_text="从命令行导入时的操作系统用户。"
    )
    source = models.CharField("方式", max_length=10, choices=Source.choices)
    imported_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    file_name = models.CharField("文件名", max_length=255)
    file_sha256 = models.CharField("文件 SHA-256", max_length=64)
    dry_run = models.BooleanField("仅预览（未写入）")
    deactivate_missing = models.BooleanField("停用名册外人员")
    rows = models.PositiveIntegerField("数据行数")
    created = models.PositiveIntegerField("新增")
    updated = models.PositiveIntegerField("更新")
    unchanged = models.PositiveIntegerField("未变")
    deactivated = models.PositiveIntegerField("停用")
    departments_created = models.PositiveIntegerField("新建部室", default=0)
    posts_created = models.PositiveIntegerField("新建岗位", default=0)

    class Meta:
        verbose_name = "名册导入记录"
        verbose_name_plural = "名册导入记录"
        ordering = ["-imported_at", "-id"]

    def __str__(self) -> str:
        return f"{self.unit} · {self.file_name} · {self.summary}"

    @property
    def summary(self) -> str:
        return (
            f"新增 {self.created}, 更新 {self.updated}, "
            f"未变 {self.unchanged}, 停用 {self.deactivated}"
        )
