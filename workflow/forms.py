"""Input forms of the chain's screens (validation only; writes go through workflow.services)."""

import datetime
from pathlib import Path

from django import forms
from django.utils import timezone

from audit.uploads import ATTACHMENT_EXTENSIONS, validate_attachment_upload
from risks.models import Round
from units.models import Department


class CommentForm(forms.Form):
    comment = forms.CharField(
        label="意见 / 理由", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RatingWindowForm(forms.Form):
    round = forms.ModelChoiceField(label="排查轮次", queryset=Round.objects.none())
    department = forms.ModelChoiceField(
        label="范围", queryset=Department.objects.none(), required=False, empty_label="全单位"
    )
    deadline = forms.DateTimeField(
        label="截止时间", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["round"].queryset = Round.objects.filter(unit__in=units)
        self.fields["department"].queryset = Department.objects.filter(unit__in=units)
        if not self.is_bound:
            self.initial.setdefault(
                "deadline",
                (timezone.localtime() + datetime.timedelta(days=5))
                .replace(hour=17, minute=30, second=0, microsecond=0)
                .strftime("%Y-%m-%dT%H:%M"),
            )

    def clean(self):
        data = super().clean()
        rnd, dept = data.get("round"), data.get("department")
        if rnd and dept and dept.unit_id != rnd.unit_id:
            self.add_error("department", "部室必须属于该轮次的单位。")
        return data


class MeetingForm(forms.Form):
    round = forms.ModelChoiceField(label="排查轮次", queryset=Round.objects.none())
    title = forms.CharField(label="会议名称", initial="党组会议", max_length=100)
    held_on = forms.DateField(label="会议日期", widget=forms.DateInput(attrs={"type": "date"}))
    attendees = forms.CharField(label="参会人员", widget=forms.Textarea(attrs={"rows": 2}))
    minutes = forms.CharField(
        label="会议纪要", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    minutes_file = forms.FileField(label="纪要附件", required=False)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["round"].queryset = Round.objects.filter(unit__in=units)

    def clean_minutes_file(self):
        upload = self.cleaned_data.get("minutes_file")
        if upload:
            # Size and type from the content (audit.uploads); stored under the extension of
            # what it really is, so its download is served with the right type.
            kind = validate_attachment_upload(upload)
            stem = Path(upload.name).stem[:80] or "minutes"
            upload.name = stem + ATTACHMENT_EXTENSIONS[kind]
        return upload

    def clean(self):
        data = super().clean()
        if not (data.get("minutes") or "").strip() and not data.get("minutes_file"):
            raise forms.ValidationError("请填写会议纪要或上传纪要附件。")
        return data


class ObjectionForm(forms.Form):
    point = forms.ChoiceField(label="针对", required=False)
    text = forms.CharField(label="异议内容", widget=forms.Textarea(attrs={"rows": 4}))
    anonymous = forms.BooleanField(label="匿名提出（不记录提出人）", required=False, initial=False)

    def __init__(self, *args, form=None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "整张一览表")]
        if form is not None:
            choices += [
                (str(p.pk), f"风险点 {n}：{p.description[:30]}")
                for n, p in enumerate(form.points.all(), 1)
            ]
        self.fields["point"].choices = choices


class AnswerForm(forms.Form):
    answer = forms.CharField(label="答复", widget=forms.Textarea(attrs={"rows": 2}))
    upheld = forms.TypedChoiceField(
        label="结论",
        choices=[("0", "异议不成立，维持审定结果"), ("1", "异议成立，退回集体审定")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        # No default: the office chooses a conclusion every time.
        error_messages={"required": "请选择结论：异议成立或不成立。"},
    )
