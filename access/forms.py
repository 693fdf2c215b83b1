"""Input forms of the grants page (validation only; writes go through access.services)."""

from django import forms
from django.db.models import Q

from riskreg import clock
from risks.models import RiskForm
from units.models import Person, Unit


def _date(label: str) -> forms.DateField:
    return forms.DateField(label=label, widget=forms.DateInput(attrs={"type": "date"}))


class DelegationForm(forms.Form):
    delegator = forms.ModelChoiceField(
        label="委托人", queryset=Person.objects.none(), help_text="部室负责人或领导班子成员"
    )
    delegate = forms.ModelChoiceField(label="受托人", queryset=Person.objects.none())
    starts_on = _date("起始日期")
    ends_on = _date("截止日期")
    note = forms.CharField(label="事由", required=False, max_length=200)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        people = Person.objects.filter(unit__in=units, active=True).select_related("unit")
        self.fields["delegator"].queryset = people.filter(
            Q(headed_departments__isnull=False)
            | Q(supervised_departments__isnull=False)
            | Q(post__tier="principal")
        ).distinct()
        self.fields["delegate"].queryset = people
        if not self.is_bound:
            self.initial.setdefault("starts_on", clock.today())

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", "截止日期不能早于起始日期。")
        return data


class ReadGrantForm(forms.Form):
    username = forms.CharField(
        label="被授权人登录名",
        max_length=150,
        help_text="如 gyrc-000123（审计人员、上级纪检人员等）",
    )
    unit = forms.ModelChoiceField(
        label="单位", queryset=Unit.objects.none(), required=False, empty_label="（只授权一张表）"
    )
    form_id = forms.IntegerField(
        label="一览表编号", required=False, min_value=1, help_text="只授权一张表时填写；否则留空"
    )
    starts_on = _date("起始日期")
    ends_on = _date("截止日期")
    note = forms.CharField(label="事由", required=False, max_length=200)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.units = list(units)
        self.fields["unit"].queryset = Unit.objects.filter(pk__in=[u.pk for u in self.units])
        if not self.is_bound:
            self.initial.setdefault("starts_on", clock.today())

    def clean(self):
        data = super().clean()
        username = data.get("username", "").strip()
        if username:
            person = (
                Person.objects.filter(user__username=username, active=True)
                .select_related("user")
                .first()
            )
            if person is None:
                self.add_error("username", "没有这个在岗人员的登录名。")
            data["grantee"] = person
        unit, form_id = data.get("unit"), data.get("form_id")
        if (unit is None) == (form_id is None):
            raise forms.ValidationError("请选择一个单位，或填写一张一览表的编号（二者选一）。")
        if form_id is not None:
            form = RiskForm.objects.filter(pk=form_id, unit__in=self.units).first()
            if form is None:
                self.add_error("form_id", "您管辖的单位中没有这个编号的一览表。")
            data["form"] = form
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", "截止日期不能早于起始日期。")
        return data
