"""The register's filter form (GET), shared by the HTML table, the Excel export and the volume."""

from django import forms

from reports.selectors import TIER_FILTER_LABELS, RegisterFilters
from risks.enums import RiskCategory, RiskLevel
from risks.models import Round
from units.models import Department, Unit


class RegisterFilterForm(forms.Form):
    round = forms.ModelChoiceField(
        label="排查轮次", queryset=Round.objects.none(), required=False, empty_label=None
    )
    department = forms.ModelChoiceField(
        label="部室", queryset=Department.objects.none(), required=False, empty_label="全部部室"
    )
    tier = forms.ChoiceField(label="岗位层级", required=False)
    category = forms.ChoiceField(label="风险类别", required=False)
    level = forms.TypedChoiceField(label="风险等级", required=False, coerce=int, empty_value=None)
    key = forms.ChoiceField(
        label="重点岗位",
        required=False,
        choices=[("", "全部"), ("1", "重点岗位"), ("0", "非重点岗位")],
    )

    def __init__(self, *args, unit: Unit, default_round: Round | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.unit = unit
        self.default_round = default_round
        self.fields["round"].queryset = Round.objects.filter(unit=unit).order_by("-year", "-id")
        self.fields["round"].initial = default_round
        self.fields["department"].queryset = Department.objects.filter(unit=unit)
        self.fields["tier"].choices = [("", "全部"), *TIER_FILTER_LABELS.items()]
        self.fields["category"].choices = [("", "全部"), *RiskCategory.choices]
        self.fields["level"].choices = [
            ("", "全部"),
            *[(level.value, unit.level_label(level.value)) for level in RiskLevel],
        ]
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select form-select-sm"

    def selected_round(self) -> Round | None:
        if self.is_valid() and self.cleaned_data.get("round"):
            return self.cleaned_data["round"]
        return self.default_round

    def filters(self) -> RegisterFilters:
        """The filters asked for; an invalid value is ignored rather than failing the page."""
        if not self.is_valid():
            return RegisterFilters()
        data = self.cleaned_data
        key = data.get("key")
        return RegisterFilters(
            department_id=data["department"].pk if data.get("department") else None,
            tier=data.get("tier") or None,
            category=data.get("category") or None,
            level=data.get("level") or None,
            key_post=None if key in ("", None) else key == "1",
        )
