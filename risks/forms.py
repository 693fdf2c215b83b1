"""Forms of the filling page, the round pages and the list filters. Labels and help texts are
what a staff member who fills in the form once a year reads: plain words, the seed's terms."""

import datetime

from django import forms

from risks.enums import Harm, Likelihood, RiskLevel, categories_for
from risks.models import RiskForm, RiskPoint, Round
from risks.services import MAX_MEASURES, PointInput
from units.models import Department, Person, Unit
from workflow.enums import FormState

MEASURE_MAX_LENGTH = 1000


def level_choices(unit: Unit, *, empty: str) -> list[tuple[str | int, str]]:
    return [("", empty)] + [(level.value, unit.level_label(level.value)) for level in RiskLevel]


class MeasuresWidget(forms.Widget):
    """Several text boxes with the same name; the template draws them (risks/_point_form.html)."""

    def value_from_datadict(self, data, files, name):
        return data.getlist(name) if hasattr(data, "getlist") else data.get(name, [])


class MeasuresField(forms.Field):
    widget = MeasuresWidget

    def to_python(self, value) -> list[str]:
        if not value:
            return []
        if isinstance(value, str):
            value = [value]
        return [str(v).strip() for v in value if str(v).strip()]

    def validate(self, value: list[str]) -> None:
        if len(value) > MAX_MEASURES:
            raise forms.ValidationError(f"每个风险点最多填写 {MAX_MEASURES} 条防控措施。")
        for number, text in enumerate(value, 1):
            if len(text) > MEASURE_MAX_LENGTH:
                raise forms.ValidationError(
                    f"第 {number} 条措施太长（最多 {MEASURE_MAX_LENGTH} 字），请精简或拆成几条。"
                )


class PointForm(forms.ModelForm):
    """One risk point. A draft may lack likelihood, harm and measures; the page lists what is
    still missing. Category and description are needed to save at all."""

    measures = MeasuresField(
        label="防控措施",
        required=False,
        help_text="一个风险点至少要有一条对应的防控措施；每个框填写一条，可添加多条。",
    )

    class Meta:
        model = RiskPoint
        fields = [
            "category",
            "description",
            "likelihood",
            "harm",
            "proposed_level",
            "proposal_reason",
            "responsible_person",
        ]
        labels = {
            "description": "风险点（风险内容及表现形式）",
            "proposed_level": "拟定风险等级",
            "proposal_reason": "与建议等级不同的理由",
        }
        help_texts = {
            "description": (
                "写清在哪个环节、可能出现什么问题，如“报销审核不严，对超标准支出予以报销”。"
            ),
            "likelihood": "这种情况发生的可能性有多大。",
            "harm": "一旦发生，对工作和单位的危害有多重。",
            "proposed_level": "不选则按“发生概率 × 危害程度”得出的建议等级。",
            "proposal_reason": "只有拟定等级与建议等级不同时才需要填写。",
            "responsible_person": "负责落实防控措施的人，一般为本人。",
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "likelihood": forms.RadioSelect,
            "harm": forms.RadioSelect,
            "proposal_reason": forms.Textarea(attrs={"rows": 2}),
        }
        error_messages = {
            "category": {
                "required": "请选择风险类别。",
                "invalid_choice": "请选择列表中的风险类别。",
            },
            "description": {"required": "请填写风险点的内容。"},
        }

    def __init__(self, *args, risk_form: RiskForm, **kwargs) -> None:
        instance = kwargs.get("instance") or RiskPoint(form=risk_form)
        instance.form = risk_form
        kwargs["instance"] = instance
        super().__init__(*args, **kwargs)
        self.risk_form = risk_form
        unit = risk_form.unit
        self.fields["category"].choices = [
            ("", "请选择类别"),
            *categories_for(risk_form.subject_kind),
        ]
        self.fields["description"].max_length = 2000
        self.fields["description"].widget.attrs["maxlength"] = 2000
        self.fields["likelihood"].choices = list(Likelihood.choices)
        self.fields["harm"].choices = list(Harm.choices)
        self.fields["proposed_level"].choices = level_choices(unit, empty="按建议等级")
        self.fields["proposed_level"].widget.attrs["class"] = "form-select"
        self.fields["category"].widget.attrs["class"] = "form-select"
        for name in ("description", "proposal_reason", "responsible_person"):
            self.fields[name].widget.attrs["class"] = "form-control"
        if not self.is_bound and instance.pk:
            self.initial["measures"] = [m.text for m in instance.measures.all()]
            if instance.proposed_level and instance.proposed_level == instance.suggested_level:
                # "按建议等级": the level keeps following likelihood × harm when they change,
                # instead of holding on to a number that then needs a reason.
                self.initial["proposed_level"] = ""
        self.fields["likelihood"].widget.attrs["class"] = "form-check-input"
        self.fields["harm"].widget.attrs["class"] = "form-check-input"

    def measure_rows(self) -> list[str]:
        """The measure boxes to draw: the entered ones plus empty boxes to add more."""
        if self.is_bound:
            values = self.fields["measures"].to_python(
                self.data.getlist(self.add_prefix("measures"))
            )
        else:
            values = list(self.initial.get("measures", []))
        return values + [""] * (2 if values else 3)

    def point_input(self) -> PointInput:
        data = self.cleaned_data
        return PointInput(
            category=data["category"],
            description=data["description"],
            likelihood=data.get("likelihood"),
            harm=data.get("harm"),
            proposed_level=data.get("proposed_level"),
            proposal_reason=data.get("proposal_reason", ""),
            responsible_person=data.get("responsible_person", ""),
            measures=data.get("measures", []),
        )


class OverallLevelForm(forms.Form):
    overall_proposed_level = forms.TypedChoiceField(
        label="本表总体风险等级（拟定）",
        required=False,
        coerce=int,
        empty_value=None,
        help_text="一般取各风险点中最高的等级。",
    )

    def __init__(self, *args, risk_form: RiskForm, **kwargs) -> None:
        kwargs.setdefault("initial", {"overall_proposed_level": risk_form.overall_proposed_level})
        super().__init__(*args, **kwargs)
        field = self.fields["overall_proposed_level"]
        field.choices = level_choices(risk_form.unit, empty="暂不确定")
        field.widget.attrs["class"] = "form-select"


class RoundOpenForm(forms.Form):
    unit = forms.ModelChoiceField(label="单位", queryset=Unit.objects.none(), empty_label=None)
    title = forms.CharField(
        label="轮次名称", max_length=100, help_text="如：2026年度廉政风险排查。"
    )
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    self_check_deadline = forms.DateField(label="自查填报截止")
    dept_review_deadline = forms.DateField(label="部室审核截止")
    mass_review_deadline = forms.DateField(label="群众评议截止")
    collective_deadline = forms.DateField(label="集体审定截止")
    notice_working_days = forms.IntegerField(
        label="公示期（工作日）",
        min_value=1,
        max_value=30,
        initial=5,
        help_text="公示期一般为 5 个工作日。",
    )

    DEADLINES = [
        "self_check_deadline",
        "dept_review_deadline",
        "mass_review_deadline",
        "collective_deadline",
    ]

    def __init__(self, *args, units: list[Unit], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(pk__in=[u.pk for u in units])
        for name in self.DEADLINES:
            self.fields[name].widget = forms.DateInput(
                attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"
            )
            self.fields[name].error_messages["invalid"] = "请输入正确的日期，如 2026-03-31。"
            self.fields[name].error_messages["required"] = (
                f"请填写“{self.fields[name].label}”日期。"
            )
        for name in ("title", "year", "notice_working_days"):
            if name in self.fields:
                self.fields[name].widget.attrs["class"] = "form-control"
        if "unit" in self.fields:
            self.fields["unit"].widget.attrs["class"] = "form-select"
        self.fields["notice_working_days"].error_messages["required"] = "请填写公示期（工作日）。"

    def clean(self):
        data = super().clean()
        unit, title = data.get("unit"), (data.get("title") or "").strip()
        if unit and title and Round.objects.filter(unit=unit, title=title).exists():
            self.add_error(
                "title",
                f"本单位已有“{title}”。要调整它的截止日期或公示期，请打开该轮次点“修改截止日期”；"
                "要开启新的轮次，请另起名称。",
            )
        previous: tuple[str, datetime.date] | None = None
        for name in self.DEADLINES:
            value = data.get(name)
            if value is None:
                continue
            if previous and value < previous[1]:
                self.add_error(
                    name,
                    f"“{self.fields[name].label}”不能早于“{self.fields[previous[0]].label}”。",
                )
            previous = (name, value)
        return data


class RoundEditForm(RoundOpenForm):
    """The deadlines and notice length of an existing round (its own edit page)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, units=[], **kwargs)
        for name in ("unit", "title", "year"):
            del self.fields[name]


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        where = obj.department.name if obj.department_id else "领导班子"
        post = f"·{obj.post.name}" if obj.post_id else ""
        return f"{obj.name}（{where}{post}）"


class ReassignFillerForm(forms.Form):
    filler = PersonChoiceField(
        label="新的填表人", queryset=Person.objects.none(), empty_label="请选择人员"
    )

    def __init__(self, *args, people, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["filler"].queryset = people
        self.fields["filler"].widget.attrs["class"] = "form-select"
        self.fields["filler"].error_messages["invalid_choice"] = "请选择本单位在岗的人员。"


class RoundFormsFilter(forms.Form):
    """GET filters of a round's forms (the round page); a bad value is ignored."""

    group = forms.ChoiceField(label="部室", required=False)
    state = forms.ChoiceField(label="状态", required=False)

    def __init__(self, *args, departments: list[Department], leadership: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = [
            ("", "全部部室"),
            *[(str(d.pk), d.name) for d in departments],
            (leadership, "领导班子"),
        ]
        self.fields["state"].choices = [("", "全部状态"), *FormState.choices]
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select form-select-sm"


class FormListFilter(forms.Form):
    """GET filters of the forms list; a bad value is ignored rather than an error page."""

    round = forms.TypedChoiceField(label="排查轮次", required=False, coerce=int, empty_value=None)
    department = forms.TypedChoiceField(label="部室", required=False, coerce=int, empty_value=None)
    state = forms.ChoiceField(label="状态", required=False)

    def __init__(self, *args, rounds, departments: list[Department], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["round"].choices = [("", "全部轮次")] + [
            (r.pk, f"{r.unit.short_name or r.unit.name} · {r.title}") for r in rounds
        ]
        self.fields["department"].choices = [("", "全部部室")] + [
            (d.pk, f"{d.unit.short_name or d.unit.name} · {d.name}") for d in departments
        ]
        self.fields["state"].choices = [("", "全部状态"), *FormState.choices]
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select form-select-sm"
