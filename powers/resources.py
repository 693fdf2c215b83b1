"""The 职权目录 as a django-import-export resource: the columns of seed 002 (职权名称、内容、办理
主体和法律依据) with its owner, kind, 时限, 监督渠道 and the clearing result.

A row is found by (单位代码, 部室, 岗位, 职权名称). Rows go through powers.services, so every
change is validated, logged and leaves the item to be confirmed (确权) again; an unchanged row
writes nothing, so export → import changes nothing. Any bad row: the whole file is refused.
"""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from import_export import fields, resources
from import_export.results import RowResult

from powers.enums import PowerStatus
from powers.models import PowerItem
from powers.services import ItemInput

STATUS_BY_LABEL = {label: value for value, label in PowerStatus.choices}
COLUMNS = (
    ("unit_code", "单位代码"),
    ("department_name", "部室"),
    ("post_name", "岗位"),
    ("name", "职权名称"),
    ("kind", "职权类别"),
    ("content", "职权内容"),
    ("responsible_body", "办理主体"),
    ("legal_basis", "法律依据"),
    ("time_limit", "办理时限"),
    ("supervision_channel", "监督渠道"),
    ("status", "清理结果"),
    ("confirmed_year", "确认年度"),
)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\u3000", " ").strip()


class PowerItemResource(resources.ModelResource):
    unit_code = fields.Field(column_name="单位代码", readonly=True)
    department_name = fields.Field(column_name="部室", readonly=True)
    post_name = fields.Field(column_name="岗位", readonly=True)
    name = fields.Field(attribute="name", column_name="职权名称")
    kind = fields.Field(attribute="kind", column_name="职权类别")
    content = fields.Field(attribute="content", column_name="职权内容")
    responsible_body = fields.Field(attribute="responsible_body", column_name="办理主体")
    legal_basis = fields.Field(attribute="legal_basis", column_name="法律依据")
    time_limit = fields.Field(attribute="time_limit", column_name="办理时限")
    supervision_channel = fields.Field(attribute="supervision_channel", column_name="监督渠道")
    status = fields.Field(column_name="清理结果")
    confirmed_year = fields.Field(column_name="确认年度", readonly=True)

    class Meta:
        model = PowerItem
        fields = tuple(key for key, _ in COLUMNS)
        export_order = tuple(key for key, _ in COLUMNS)
        import_id_fields = ()
        skip_unchanged = True
        report_skipped = True
        use_transactions = True
        rollback_on_validation_errors = True

    def __init__(self, *, user=None, unit_ids: set[int] | None = None, **kwargs):
        super().__init__(**kwargs)
        self.user = user
        self.unit_ids = unit_ids  # None: any unit (break-glass superuser)

    # --- export ---

    def dehydrate_unit_code(self, item: PowerItem) -> str:
        return item.unit.code

    def dehydrate_department_name(self, item: PowerItem) -> str:
        dept = item.owner_department
        return dept.name if dept else ""

    def dehydrate_post_name(self, item: PowerItem) -> str:
        return item.post.name if item.post_id else ""

    def dehydrate_status(self, item: PowerItem) -> str:
        return item.get_status_display()

    def dehydrate_confirmed_year(self, item: PowerItem) -> str:
        return str(item.confirmed_year) if item.confirmed_year else ""

    def get_export_queryset(self, request=None):
        qs = PowerItem.objects.select_related("unit", "department", "post__department")
        if self.unit_ids is not None:
            qs = qs.filter(unit_id__in=self.unit_ids)
        return qs.order_by(
            "unit__path",
            "department__order",
            "post__department__order",
            "post__order",
            "order",
            "id",
        )

    # --- import: each row through the services ---

    def import_data(self, dataset, **kwargs):
        # Any bad row refuses the whole file, from the admin and from code alike.
        kwargs["use_transactions"] = True
        kwargs["rollback_on_validation_errors"] = True
        return super().import_data(dataset, **kwargs)

    def import_row(self, row, instance_loader, **kwargs):
        from powers import services
        from units.models import Department, Post, Unit

        result = RowResult()
        result.import_type = RowResult.IMPORT_TYPE_SKIP
        result.row_values = dict(row)
        try:
            values = {key: _text(row.get(label)) for key, label in COLUMNS}
            unit = Unit.objects.filter(code=values["unit_code"]).first()
            if unit is None or (self.unit_ids is not None and unit.pk not in self.unit_ids):
                raise ValidationError(
                    f"单位代码“{values['unit_code']}”不存在，或不是您负责的单位。"
                )
            if not values["name"]:
                raise ValidationError("职权名称不能为空。")
            status = STATUS_BY_LABEL.get(values["status"] or "保留")
            if status is None:
                raise ValidationError(
                    f"清理结果只能是保留、调整或废止，不能是“{values['status']}”。"
                )
            department = post = None
            if values["department_name"]:
                department = Department.objects.filter(
                    unit=unit, name=values["department_name"]
                ).first()
                if department is None:
                    raise ValidationError(
                        f"{unit.name}没有名为“{values['department_name']}”的部室。"
                    )
            if values["post_name"]:
                post = Post.objects.filter(
                    unit=unit, department=department, name=values["post_name"]
                ).first()
                if post is None:
                    place = department.name if department else "领导班子"
                    raise ValidationError(f"{place}没有名为“{values['post_name']}”的岗位。")
            elif department is None:
                raise ValidationError("部室和岗位至少填写一项。")
            data = ItemInput(
                name=values["name"],
                kind=values["kind"] or "内部管理",
                content=values["content"],
                responsible_body=values["responsible_body"],
                legal_basis=values["legal_basis"],
                time_limit=values["time_limit"],
                supervision_channel=values["supervision_channel"],
                status=status,
            )
            owner = {"post": post} if post else {"department": department, "post": None}
            item = PowerItem.objects.filter(unit=unit, name=data.name, **owner).first()
            dry_run = kwargs.get("dry_run", False)
            if item is None:
                result.import_type = RowResult.IMPORT_TYPE_NEW
                if not dry_run:
                    item = services.item_create(
                        by=self.user,
                        unit=unit,
                        department=department,
                        post=post,
                        data=data,
                        source="import",
                    )
                else:
                    probe = PowerItem(
                        unit=unit,
                        department=None if post else department,
                        post=post,
                        **data.__dict__,
                    )
                    probe.full_clean()
            else:
                if services.item_changes_from(item, data):
                    result.import_type = RowResult.IMPORT_TYPE_UPDATE
                    if not dry_run:
                        services.item_update(by=self.user, item=item, data=data, source="import")
                    else:
                        for k, v in data.__dict__.items():
                            setattr(item, k, v)
                        item.full_clean()
            if item is not None and item.pk:
                result.object_id = item.pk
                result.object_repr = str(item)
        except ValidationError as exc:
            # Shown by the admin's preview as the row's error; any such row refuses the file.
            result.import_type = RowResult.IMPORT_TYPE_INVALID
            result.validation_error = ValidationError({NON_FIELD_ERRORS: exc.messages})
        return result
