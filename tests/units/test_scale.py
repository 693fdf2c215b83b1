import pytest
from django.core.management import CommandError, call_command

from risks.models import Measure, RiskForm, RiskPoint
from units.models import Person, Unit
from workflow.enums import FormState

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
