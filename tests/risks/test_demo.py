"""load_demo opens GYRC's 2026 round with real content, and a second run changes nothing."""

import pytest
from django.core.management import call_command

from risks.models import Measure, RiskForm, RiskPoint, Round

pytestmark = pytest.mark.django_db

MODELS = [Round, RiskForm, RiskPoint, Measure]


def _snapshot() -> dict:
    return {m.__name__: sorted(map(repr, m.objects.values_list())) for m in MODELS}


def test_load_demo_opens_the_2026_round_with_filled_forms(settings, capsys):
    settings.DEBUG = True
    call_command("load_demo")
    rnd = Round.objects.get(unit__code="GYRC", title="2026年度廉政风险排查")
    assert rnd.forms.count() >= 25
    filled = rnd.forms.filter(points__isnull=False).distinct()
    assert filled.count() >= 5
    assert rnd.forms.get(subject_kind="leadership").points.count() >= 4
    assert RiskForm.objects.get(round=rnd, filler__user__username="demo_staff2").points.count() >= 3
    assert Measure.objects.filter(point__form__round=rnd).count() >= 20


def test_load_demo_twice_changes_no_risk_content(settings, capsys):
    settings.DEBUG = True
    call_command("load_demo")
    before = _snapshot()
    capsys.readouterr()
    call_command("load_demo")
    assert _snapshot() == before
    assert "无需更改" in capsys.readouterr().out
