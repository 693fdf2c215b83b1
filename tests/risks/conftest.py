"""Fixtures of the risk-register tests: a GYRC round with forms for the demo personas."""

import pytest

from tests.factories import make_form, make_round
from units.models import Department, Person, Unit


@pytest.fixture
def gyrc(demo):
    return Unit.objects.get(code="GYRC")


@pytest.fixture
def staff_form(demo, gyrc):
    """The 综合文秘 form of demo_staff (李晓燕), empty, in 自查填报."""
    staff = Person.objects.get(user=demo["staff"])
    return make_form(round=make_round(unit=gyrc), post=staff.post, filler=staff)


@pytest.fixture
def dept_form(demo, staff_form):
    return make_form(
        round=staff_form.round,
        subject_kind="department",
        department=Department.objects.get(unit=staff_form.unit, name="办公室"),
        filler=Person.objects.get(user=demo["head"]),
    )
