# PowerItem moves from `units` to `powers` without touching its rows: this migration only
# teaches Django's state that powers.PowerItem lives in the existing table units_poweritem;
# units/0004 then forgets the model, and powers/0002 renames the table and extends it.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("units", "0003_unit_form_layout"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="PowerItem",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("name", models.CharField(max_length=200, verbose_name="职权名称")),
                        ("content", models.TextField(blank=True, verbose_name="职权内容")),
                        (
                            "responsible_body",
                            models.CharField(blank=True, max_length=200, verbose_name="责任主体"),
                        ),
                        ("legal_basis", models.TextField(blank=True, verbose_name="法律依据")),
                        ("order", models.PositiveIntegerField(default=0, verbose_name="排序")),
                        (
                            "department",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="power_items",
                                to="units.department",
                                verbose_name="部室",
                            ),
                        ),
                        (
                            "post",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="power_items",
                                to="units.post",
                                verbose_name="岗位",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "职权事项",
                        "verbose_name_plural": "职权目录",
                        "ordering": ["order", "id"],
                        "db_table": "units_poweritem",
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(
                                    models.Q(("department__isnull", True), ("post__isnull", False)),
                                    models.Q(("department__isnull", False), ("post__isnull", True)),
                                    _connector="OR",
                                ),
                                name="power_item_belongs_to_post_or_department",
                                violation_error_message="职权事项必须且只能属于一个岗位或一个部室。",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
