# The power list moved from `units` (see 0001): rename its table, give every existing item its
# unit (from its post or department), then add what 清权确权 needs.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def fill_unit(apps, schema_editor):
    PowerItem = apps.get_model("powers", "PowerItem")
    for item in PowerItem.objects.select_related("post", "department"):
        item.unit_id = item.post.unit_id if item.post_id else item.department.unit_id
        item.save(update_fields=["unit"])


class Migration(migrations.Migration):

    dependencies = [
        ('powers', '0001_initial'),
        ('risks', '0003_starter_library'),
        ('units', '0004_poweritem_moved_to_powers'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='poweritem',
            name='confirmed_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='确权时间'),
        ),
        migrations.AddField(
            model_name='poweritem',
            name='confirmed_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='确权人'),
        ),
        migrations.AddField(
            model_name='poweritem',
            name='confirmed_year',
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name='确认年度'),
        ),
        migrations.AddField(
            model_name='poweritem',
            name='kind',
            field=models.CharField(default='内部管理', help_text='如行政许可、内部管理。', max_length=30, verbose_name='职权类别'),
        ),
        migrations.AddField(
            model_name='poweritem',
            name='state',
            field=models.CharField(choices=[('draft', '待确权'), ('confirmed', '已确权')], default='draft', max_length=10, verbose_name='确权状态'),
        ),
        migrations.AddField(
            model_name='poweritem',
            name='status',
            field=models.CharField(choices=[('keep', '保留'), ('adjust', '调整'), ('abolish', '废止')], default='keep', max_length=10, verbose_name='清理结果'),
        ),
        migrations.AddField(
            model_name='poweritem',
            name='supervision_channel',
            field=models.TextField(blank=True, help_text='如纪检组监督电话、意见箱、门户网站留言。', verbose_name='监督渠道'),
        ),
        migrations.AddField(
            model_name='poweritem',
            name='time_limit',
            field=models.CharField(blank=True, max_length=100, verbose_name='办理时限'),
        ),
        migrations.AddField(
            model_name='poweritem',
            name='unit',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='power_items', to='units.unit', verbose_name='单位'),
        ),
        migrations.AddField(
            model_name='poweritem',
            name='updated_at',
            field=models.DateTimeField(auto_now=True, verbose_name='最后修改'),
        ),
        migrations.RunPython(fill_unit, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='poweritem',
            name='unit',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='power_items', to='units.unit', verbose_name='单位'),
        ),
        migrations.AlterField(
            model_name='poweritem',
            name='legal_basis',
            field=models.TextField(blank=True, help_text='法律法规名称及条款。', verbose_name='法律依据'),
        ),
        migrations.AlterField(
            model_name='poweritem',
            name='responsible_body',
            field=models.CharField(blank=True, help_text='承办的部室或岗位；留空即为所属部室或岗位。', max_length=200, verbose_name='办理主体'),
        ),
        migrations.AlterModelTable(
            name='poweritem',
            table=None,
        ),
        migrations.CreateModel(
            name='PowerChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('item_name', models.CharField(max_length=200, verbose_name='职权名称')),
                ('action', models.CharField(choices=[('create', '新增职权'), ('update', '修改职权'), ('confirm', '确权'), ('import', 'Excel 导入'), ('step_add', '新增环节'), ('step_edit', '修改环节'), ('step_move', '调整环节顺序'), ('step_delete', '删除环节'), ('tie', '风险点关联环节'), ('untie', '取消风险点关联')], max_length=20, verbose_name='操作')),
                ('summary', models.TextField(blank=True, verbose_name='内容')),
                ('by_name', models.CharField(blank=True, max_length=50, verbose_name='操作人姓名')),
                ('at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='时间')),
                ('by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='操作人')),
                ('item', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='changes', to='powers.poweritem', verbose_name='职权事项')),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='power_changes', to='units.unit', verbose_name='单位')),
            ],
            options={
                'verbose_name': '职权变更记录',
                'verbose_name_plural': '职权变更记录',
                'ordering': ['-at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='PowerStep',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('order', models.PositiveIntegerField(default=0, verbose_name='序号')),
                ('name', models.CharField(max_length=100, verbose_name='环节名称')),
                ('responsible', models.CharField(blank=True, max_length=100, verbose_name='责任主体')),
                ('time_limit', models.CharField(blank=True, max_length=100, verbose_name='办理时限')),
                ('materials', models.TextField(blank=True, help_text='每行一项。', verbose_name='所需材料')),
                ('condition', models.CharField(blank=True, help_text='如：材料不全、不符合条件。', max_length=100, verbose_name='分支条件')),
                ('returns', models.BooleanField(default=False, help_text='如补正材料后重新受理；不勾选则分支到此结束。', verbose_name='完成后回到原环节')),
                ('branch_of', models.ForeignKey(blank=True, help_text='留空为主流程环节；选择一个环节则为它的分支（如补正、不予受理）。', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='branches', to='powers.powerstep', verbose_name='分支自')),
                ('item', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='steps', to='powers.poweritem', verbose_name='职权事项')),
            ],
            options={
                'verbose_name': '环节',
                'verbose_name_plural': '环节',
                'ordering': ['order', 'id'],
            },
        ),
        migrations.CreateModel(
            name='StepRiskLink',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('tied_at', models.DateTimeField(auto_now=True, verbose_name='关联时间')),
                ('point', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='power_step_link', to='risks.riskpoint', verbose_name='风险点')),
                ('step', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='risk_links', to='powers.powerstep', verbose_name='环节')),
                ('tied_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='关联人')),
            ],
            options={
                'verbose_name': '风险点所在环节',
                'verbose_name_plural': '风险点所在环节',
            },
        ),
        migrations.CreateModel(
            name='UnitPowerKind',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=30, verbose_name='职权类别')),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='power_kinds', to='units.unit', verbose_name='单位')),
            ],
            options={
                'verbose_name': '自定职权类别',
                'verbose_name_plural': '自定职权类别',
                'ordering': ['unit', 'name'],
                'constraints': [models.UniqueConstraint(fields=('unit', 'name'), name='power_kind_unique_in_unit')],
            },
        ),
    ]
