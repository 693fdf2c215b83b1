from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("units", "0002_rosterimport"),
    ]

    operations = [
        migrations.AddField(
            model_name="unit",
            name="form_layout",
            field=models.CharField(
                choices=[
                    ("seed000", "党政一把手 / 其他班子成员 / 部室负责人、工作人员（附件2式）"),
                    ("seed001", "岗位 / 部室 / 单位 辨认防控一览表（含风险类别、审核意见）"),
                ],
                default="seed000",
                max_length=10,
                verbose_name="一览表样式",
            ),
        ),
    ]
