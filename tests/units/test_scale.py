import pytest
from django.core.management import CommandError, call_command

from risks.models import Measure, RiskForm, RiskPoint
from units.models import Person, Unit
from workflow.enums import FormState
from workflow.models import (
    CollectiveMeeting,
    FormDecision,
    Objection,
    PublicNotice,
    Rating,
    TransitionLog,
)

pytestmark = pytest.mark.django_db


def test_generate_scale_data_builds_units_people_forms_in_every_state(capsys):
    call_command("generate_scale_data", units=2, staff_per_unit=60, points_per_form=3)
    assert Unit.objects.filter(code__startswith="SCALE-").count() == 2
    assert Person.objects.filter(unit__code="SCALE-0001").count() == 60
    forms = RiskForm.objects.filter(unit__code__startswith="SCALE-")
    assert set(forms.values_list("state", flat=True)) == set(FormState.values)
    assert RiskPoint.objects.filter(form__in=forms).count() == forms.count() * 3
    assert not RiskPoint.objects.filter(measures__isnull=True).exists()
    assert Measure.objects.count() >= RiskPoint.objects.count()
    assert "单位 2，人员 120" in capsys.readouterr().out


def test_generate_scale_data_appends_new_units_on_second_run():
    call_command("generate_scale_data", units=1, staff_per_unit=20, points_per_form=1)
    call_command("generate_scale_data", units=1, staff_per_unit=20, points_per_form=1)
    assert set(Unit.objects.filter(code__startswith="SCALE-").values_list("code", flat=True)) == {
        "SCALE-0001",
        "SCALE-0002",
    }


def test_generate_scale_data_rejects_nonsense():
    with pytest.raises(CommandError, match="参数不合理"):
        call_command("generate_scale_data", units=0)


def test_generate_scale_data_writes_the_chain_records_consistent_with_states():
    call_command("generate_scale_data", units=1, staff_per_unit=80, points_per_form=2)
    forms = RiskForm.objects.filter(unit__code="SCALE-0001")
    # Every form past the draft has its submission logged; filed forms have the whole chain.
    assert (
        TransitionLog.objects.filter(form__in=forms).count()
        >= forms.exclude(state=FormState.DRAFT).count()
    )
    filed = forms.filter(state=FormState.FILED).first()
    assert list(filed.transition_logs.values_list("to_state", flat=True)) == [
        FormState.DEPT_REVIEW,
        FormState.MASS_REVIEW,
        FormState.COLLECTIVE,
        FormState.PUBLIC_NOTICE,
        FormState.FILED,
    ]
    assert not TransitionLog.objects.filter(form__state=FormState.DRAFT).exists()
    assert Rating.objects.filter(point__form__state=FormState.MASS_REVIEW).exists()
    assert not Rating.objects.filter(point__form__state=FormState.DEPT_REVIEW).exists()
    assert CollectiveMeeting.objects.filter(unit__code="SCALE-0001").count() == 1
    published = forms.filter(state__in=FormState.published())
    assert FormDecision.objects.filter(form__in=published).count() == published.count()
    assert PublicNotice.objects.filter(form__in=published).count() == published.count()
    assert Objection.objects.filter(form__in=published).exists()


def test_generate_scale_data_can_build_one_situation_for_a_benchmark():
    from bench.scale import generate

    generate(units=1, staff_per_unit=14, points_per_form=1, state=FormState.DEPT_REVIEW,
             departments=1)  # fmt: skip
    forms = RiskForm.objects.filter(unit__code="SCALE-0001", state=FormState.DEPT_REVIEW)
    assert forms.count() == 10  # 3 leaders and 1 head fill drafts; 10 staff wait for review
    head = forms.first().department.head
    from workflow.selectors import review_queue

    assert len(review_queue(head.user)) == 10
