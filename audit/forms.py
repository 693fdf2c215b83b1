"""Forms of the security pages: the second factor's code, the two-person procedure."""

from django import forms

from audit.models import DualControlKind
from units.enums import GrantedRole
from units.models import Person, Unit


class TokenForm(forms.Form):
    token = forms.CharField(
        label="验证码",
        max_length=20,
        help_text=(
            "身份验证器应用中的 6 位数字；手机不在身边时，可输入一个恢复码（每个只能用一次）。"
        ),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "class": "form-control",
            }
        ),
    )


class DualRequestForm(forms.Form):
    kind = forms.ChoiceField(
        label="事项",
        choices=DualControlKind.choices,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    username = forms.CharField(
        label="对象人员的登录名",
        max_length=150,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    role = forms.ChoiceField(
        label="角色（授予或撤销时填写）",
        required=False,
        choices=[
            ("", "—"),
            (GrantedRole.AUDIT_ADMIN.value, GrantedRole.AUDIT_ADMIN.label),
            (GrantedRole.INSPECTOR.value, GrantedRole.INSPECTOR.label),
        ],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    unit = forms.ModelChoiceField(
        label="适用单位（授予或撤销时填写）",
        required=False,
        queryset=Unit.objects.none(),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    include_subunits = forms.BooleanField(
        label="含下级单位",
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    reason = forms.CharField(
        label="理由",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units

    def clean_username(self) -> Person:
        username = self.cleaned_data["username"].strip()
        person = (
            Person.objects.select_related("user", "unit")
            .filter(user__username=username, unit__in=self.fields["unit"].queryset)
            .first()
        )
        if person is None:
            raise forms.ValidationError("在您能办理的单位中找不到这个登录名。")
        return person

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") in (DualControlKind.GRANT, DualControlKind.REVOKE):
            if not cleaned.get("role"):
                self.add_error("role", "授予或撤销角色时请选择角色。")
            if not cleaned.get("unit"):
                self.add_error("unit", "授予或撤销角色时请选择适用单位。")
        return cleaned


class DecisionForm(forms.Form):
    note = forms.CharField(
        label="审批意见",
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
