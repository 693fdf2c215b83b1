"""Forms of the power list: an item (with its owner) and a step."""

from __future__ import annotations

from django import forms

from powers.enums import PowerStatus
from powers.models import PowerItem, PowerStep
from powers.services import ItemInput, StepInput

_TEXT = {"class": "form-control"}
_AREA = {"class": "form-control", "rows": 3}


class ItemForm(forms.Form):
    owner = forms.ChoiceField(
        label="所属部室或岗位", widget=forms.Select(attrs={"class": "form-select"})
    )
    name = forms.CharField(label="职权名称", max_length=200, widget=forms.TextInput(attrs=_TEXT))
    kind = forms.ChoiceField(label="职权类别", widget=forms.Select(attrs={"class": "form-select"}))
    content = forms.CharField(label="职权内容", required=False, widget=forms.Textarea(attrs=_AREA))
    responsible_body = forms.CharField(
        label="办理主体",
        required=False,
        max_length=200,
        help_text="承办的部室或岗位；留空即为所属部室或岗位。",
        widget=forms.TextInput(attrs=_TEXT),
    )
    legal_basis = forms.CharField(
        label="法律依据",
        required=False,
        help_text="法律法规名称及条款，如《中华人民共和国红十字会法》第十一条。",
        widget=forms.Textarea(attrs=_AREA),
    )
    time_limit = forms.CharField(
        label="办理时限", required=False, max_length=100, widget=forms.TextInput(attrs=_TEXT)
    )
    supervision_channel = forms.CharField(
        label="监督渠道",
        required=False,
        help_text="如纪检组监督电话、意见箱、门户网站留言。",
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 2}),
    )
    status = forms.ChoiceField(
        label="清理结果",
        choices=PowerStatus.choices,
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args, owners: list[tuple[str, str]], kinds: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = owners
        self.fields["kind"].choices = [(k, k) for k in kinds]

    @staticmethod
    def initial_for(item: PowerItem) -> dict:
        owner = f"p{item.post_id}" if item.post_id else f"d{item.department_id}"
        return {
            "owner": owner,
            **{name: getattr(item, name) for name in ItemInput.__dataclass_fields__},
        }

    def item_input(self) -> ItemInput:
        return ItemInput(
            **{name: self.cleaned_data[name] for name in ItemInput.__dataclass_fields__}
        )


class StepForm(forms.Form):
    name = forms.CharField(label="环节名称", max_length=100, widget=forms.TextInput(attrs=_TEXT))
    responsible = forms.CharField(
        label="责任主体", required=False, max_length=100, widget=forms.TextInput(attrs=_TEXT)
    )
    time_limit = forms.CharField(
        label="办理时限", required=False, max_length=100, widget=forms.TextInput(attrs=_TEXT)
    )
    materials = forms.CharField(
        label="所需材料",
        required=False,
        help_text="每行一项。",
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 2}),
    )
    branch_of = forms.ModelChoiceField(
        label="分支自",
        queryset=PowerStep.objects.none(),
        required=False,
        empty_label="（主流程环节）",
        help_text="选择一个环节，则本环节是它的分支，如补正、不予受理。",
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    condition = forms.CharField(
        label="分支条件",
        required=False,
        max_length=100,
        help_text="如：材料不全、不符合条件。",
        widget=forms.TextInput(attrs=_TEXT),
    )
    returns = forms.BooleanField(
        label="完成后回到原环节（如补正后重新受理）",
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args, item: PowerItem, step: PowerStep | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        main = item.steps.filter(branch_of__isnull=True).order_by("order", "id")
        if step is not None:
            main = main.exclude(pk=step.pk)
        self.fields["branch_of"].queryset = main

    @staticmethod
    def initial_for(step: PowerStep) -> dict:
        return {name: getattr(step, name) for name in StepInput.__dataclass_fields__}

    def step_input(self) -> StepInput:
        return StepInput(
            **{name: self.cleaned_data[name] for name in StepInput.__dataclass_fields__}
        )
