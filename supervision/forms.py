"""Forms of the supervision pages. Choices are narrowed to the unit being worked on."""

from django import forms
from django.db.models import Exists, OuterRef

from riskreg import clock
from risks.models import RiskForm, RiskPoint
from supervision.enums import (
    DispositionKind,
    FindingSource,
    GradeWording,
    RecipientKind,
    ReminderMethod,
    SubjectKind,
    WarningGrade,
    grade_label,
)
from supervision.models import Finding, UnitSettings, WarningNotice
from units.models import Department, Person, Post, Unit

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
ITEM_ROWS = 5


class PointChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: RiskPoint) -> str:
        return f"{obj.form.subject_title}：{obj.description[:40]}"


class PointField(forms.ModelChoiceField):
    def label_from_instance(self, obj: RiskPoint) -> str:
        level = obj.final_level or obj.proposed_level
        return f"{obj.form.subject_title}：{obj.description[:40]}（现{level or '未定'}级）"


def current_points(unit: Unit):
    newer = RiskForm.objects.filter(previous_version=OuterRef("form_id"))
    return (
        RiskPoint.objects.filter(form__unit=unit)
        .filter(~Exists(newer))
        .select_related("form__post__department", "form__department", "form__unit")
        .order_by("form__department__order", "form_id", "order")
    )


class UnitBoundForm(forms.Form):
    def __init__(self, *args, unit: Unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.unit = unit
        people = Person.objects.filter(unit=unit, active=True).select_related("department")
        departments = Department.objects.filter(unit=unit)
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField):
                model = field.queryset.model
                if model is Person:
                    field.queryset = people
                elif model is Department:
                    field.queryset = departments
                elif model is Post:
                    field.queryset = Post.objects.filter(unit=unit, active=True)
                elif model is RiskPoint:
                    field.queryset = current_points(unit)
                elif model is Finding:
                    field.queryset = Finding.objects.filter(unit=unit).order_by("-found_on")
                elif model is WarningNotice:
                    field.queryset = WarningNotice.objects.filter(unit=unit).order_by("-id")


class FindingForm(UnitBoundForm):
    source = forms.ChoiceField(label="来源", choices=FindingSource.choices)
    found_on = forms.DateField(label="发现日期", widget=DATE)
    text = forms.CharField(label="发现的问题", widget=forms.Textarea(attrs={"rows": 4}))
    subject_kind = forms.ChoiceField(label="涉及对象", choices=SubjectKind.choices)
    subject_person = forms.ModelChoiceField(Person.objects.none(), label="涉及人员", required=False)
    subject_post = forms.ModelChoiceField(Post.objects.none(), label="涉及岗位", required=False)
    subject_department = forms.ModelChoiceField(
        Department.objects.none(), label="涉及部室", required=False
    )
    risk_points = PointChoiceField(
        RiskPoint.objects.none(), label="涉及风险点（可多选）", required=False
    )


class WarningForm(UnitBoundForm):
    grade = forms.ChoiceField(label="预警级别", choices=WarningGrade.choices)
    recipient_kind = forms.ChoiceField(
        label="预警对象", choices=RecipientKind.choices, widget=forms.RadioSelect,
        initial=RecipientKind.PERSON,
    )  # fmt: skip
    recipient = forms.ModelChoiceField(Person.objects.none(), label="预警人员", required=False)
    recipient_department = forms.ModelChoiceField(
        Department.objects.none(), label="预警部室", required=False
    )
    risk_text = forms.CharField(label="发现的风险", widget=forms.Textarea(attrs={"rows": 4}))
    requirement = forms.CharField(
        label="工作要求",
        widget=forms.Textarea(attrs={"rows": 3}),
        initial="请对照上述风险认真自查，制定整改措施，并在期限内书面反馈。",
    )
    reply_due = forms.DateField(label="书面反馈期限", widget=DATE)
    finding = forms.ModelChoiceField(Finding.objects.none(), label="来自监督发现", required=False)
    risk_points = PointChoiceField(
        RiskPoint.objects.none(), label="涉及风险点（可多选）", required=False
    )

    def __init__(self, *args, unit: Unit, **kwargs):
        super().__init__(*args, unit=unit, **kwargs)
        wording = UnitSettings.of(unit).grade_wording
        self.fields["grade"].choices = [(g.value, grade_label(g, wording)) for g in WarningGrade]

    def clean(self):
        data = super().clean()
        if data.get("recipient_kind") == RecipientKind.DEPARTMENT:
            if not data.get("recipient_department"):
                self.add_error("recipient_department", "请选择预警的部室。")
        elif not data.get("recipient"):
            self.add_error("recipient", "请选择预警的人员。")
        due = data.get("reply_due")
        if due and due < clock.today():
            self.add_error("reply_due", "反馈期限不能早于今天。")
        return data


class DispositionForm(UnitBoundForm):
    subject = forms.ModelChoiceField(Person.objects.none(), label="处置对象", required=False)
    subject_department = forms.ModelChoiceField(
        Department.objects.none(), label="整改部室（由负责人签收）", required=False
    )
    basis = forms.CharField(label="问题与依据", widget=forms.Textarea(attrs={"rows": 3}))
    finding = forms.ModelChoiceField(Finding.objects.none(), label="来自监督发现", required=False)
    warning = forms.ModelChoiceField(WarningNotice.objects.none(), label="来自预警", required=False)
    risk_points = PointChoiceField(
        RiskPoint.objects.none(), label="涉及风险点（可多选）", required=False
    )
    decided_on = forms.DateField(label="处置日期", widget=DATE)

    def __init__(self, *args, kind: DispositionKind, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        if kind != DispositionKind.RECTIFICATION:
            del self.fields["subject_department"]
        if kind == DispositionKind.REMINDER:
            self.fields["method"] = forms.ChoiceField(
                label="提醒方式", choices=ReminderMethod.choices
            )
        if kind in DispositionKind.talks():
            self.fields["talk_on"] = forms.DateField(label="谈话时间", widget=DATE)
            self.fields["talk_place"] = forms.CharField(label="谈话地点", max_length=100)
            self.fields["talkers"] = forms.CharField(label="谈话人", max_length=100)
            self.fields["recorder"] = forms.CharField(label="记录人", max_length=50)
            self.fields["talk_content"] = forms.CharField(
                label="谈话内容", widget=forms.Textarea(attrs={"rows": 5})
            )
            self.fields["statement"] = forms.CharField(
                label="本人陈述", widget=forms.Textarea(attrs={"rows": 3}), required=False
            )
        if kind == DispositionKind.REFERRAL:
            self.fields["referred_to"] = forms.CharField(
                label="移交机关", max_length=100, initial="驻会纪检组"
            )
            self.fields["outcome"] = forms.CharField(
                label="处理结果（组织处理或纪律处分）", widget=forms.Textarea(attrs={"rows": 3})
            )
        if kind == DispositionKind.RECTIFICATION:
            people = self.fields["subject"].queryset
            for n in range(1, ITEM_ROWS + 1):
                self.fields[f"item_{n}_text"] = forms.CharField(
                    label=f"整改事项 {n}", required=False, max_length=500
                )
                self.fields[f"item_{n}_responsible"] = forms.ModelChoiceField(
                    people, label=f"事项 {n} 责任人", required=False
                )
                self.fields[f"item_{n}_deadline"] = forms.DateField(
                    label=f"事项 {n} 整改期限", required=False, widget=DATE
                )

    def clean(self):
        data = super().clean()
        if not data.get("subject") and not data.get("subject_department"):
            self.add_error("subject", "请选择处置对象。")
        if self.kind == DispositionKind.RECTIFICATION:
            items = []
            for n in range(1, ITEM_ROWS + 1):
                row = {k: data.get(f"item_{n}_{k}") for k in ("text", "responsible", "deadline")}
                if not any(row.values()):
                    continue
                if not all(row.values()):
                    self.add_error(f"item_{n}_text", f"第 {n} 项请填写事项、责任人和期限。")
                items.append(row)
            if not items:
                self.add_error("item_1_text", "请至少填写一项整改事项。")
            data["items"] = items
        return data

    def item_rows(self):
        return [
            (self[f"item_{n}_text"], self[f"item_{n}_responsible"], self[f"item_{n}_deadline"])
            for n in range(1, ITEM_ROWS + 1)
            if f"item_{n}_text" in self.fields
        ]

    def record_fields(self) -> dict:
        names = (
            "method", "talk_on", "talk_place", "talkers", "recorder", "talk_content",
            "statement", "referred_to", "outcome",
        )  # fmt: skip
        return {n: self.cleaned_data[n] for n in names if n in self.cleaned_data}


class ProposalForm(UnitBoundForm):
    point = PointField(RiskPoint.objects.none(), label="风险点")
    proposed_level = forms.TypedChoiceField(
        label="建议等级", coerce=int, choices=[(1, "1（最高）"), (2, "2")]
    )
    reason = forms.CharField(label="建议理由", widget=forms.Textarea(attrs={"rows": 3}))
    finding = forms.ModelChoiceField(Finding.objects.none(), label="来自监督发现", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        label = self.unit.level_label
        self.fields["proposed_level"].choices = [(1, label(1)), (2, label(2))]


class CorrectionForm(forms.Form):
    field = forms.ChoiceField(label="更正项目")
    value = forms.CharField(label="更正为", widget=forms.Textarea(attrs={"rows": 2}))
    reason = forms.CharField(label="更正理由", widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, record, names: tuple[str, ...], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = [(n, record._meta.get_field(n).verbose_name) for n in names]


class UnitSettingsForm(forms.ModelForm):
    """纪检's per-unit settings on the 监督台."""

    grade_wording = forms.ChoiceField(
        label="预警级别称谓",
        choices=GradeWording.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )

    class Meta:
        model = UnitSettings
        fields = ("office_records_findings", "grade_wording")
        widgets = {
            "office_records_findings": forms.CheckboxInput(attrs={"class": "form-check-input"})
        }
