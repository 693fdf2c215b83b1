"""Forms of the organisation admin pages."""

from django import forms
from django.db.models import QuerySet

from audit.uploads import validate_spreadsheet_upload
from units.models import Unit
from units.roster import HEADERS, MAX_ROSTER_BYTES


class RosterImportForm(forms.Form):
    unit = forms.ModelChoiceField(
        label="导入到单位", queryset=Unit.objects.none(), empty_label="请选择单位"
    )
    file = forms.FileField(
        label="名册文件",
        help_text=(
            "Excel（.xlsx）或 CSV（UTF-8 或 GBK 编码）。列名：" + "、".join(HEADERS) + "，"
            "顺序不限，其他列忽略。"
        ),
    )
    deactivate_missing = forms.BooleanField(
        label="停用名册外人员",
        required=False,
        help_text="本单位中不在名册里的人员将被停用（不会删除，停用后无法登录）。",
    )

    blank_clears = forms.BooleanField(
        label="空白单元格清空原值",
        required=False,
        help_text="默认不勾选：职务、手机、邮箱等选填列的空白单元格保留系统中的原值。",
    )

    def __init__(self, *args, units: QuerySet[Unit], **kwargs) -> None:
        kwargs.setdefault("label_suffix", "：")
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        if len(units) == 1:
            self.fields["unit"].initial = units[0].pk

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # Size and type sniffed from the content (not the name) before anything reads it.
        validate_spreadsheet_upload(upload, max_bytes=MAX_ROSTER_BYTES)
        return upload
