"""risks.permissions: who reads and edits a form, and the queryset agrees with the predicate."""

import pytest

from risks.permissions import can_edit_form, can_view_form, forms_visible_to
from tests.factories import make_form, make_round
from units.models import Department, Person, Post, Unit
from workflow.enums import FormState

pytestmark = pytest.mark.django_db


@pytest.fixture
def forms(demo):
    gyrc = Unit.objects.get(code="GYRC")
    lz = Unit.objects.get(code="GYRC-LZ")
    rnd = make_round(unit=gyrc)
    lz_round = make_round(unit=lz)
    staff = Person.objects.get(user=demo["staff"])
    staff2 = Person.objects.get(user=demo["staff2"])
    cashier = Person.objects.get(unit=gyrc, employee_no="000206")
    leader_post = Post.objects.get(unit=gyrc, name="秘书长")
    lz_person = Person.objects.get(unit=lz, employee_no="LZ0004")
    return {
        "own": make_form(round=rnd, post=staff.post, filler=staff),
        "same_dept": make_form(round=rnd, post=cashier.post, filler=cashier),
        "other_dept": make_form(round=rnd, post=staff2.post, filler=staff2),
        "dept_form": make_form(
            round=rnd,
            subject_kind="department",
            department=Department.objects.get(unit=gyrc, name="办公室"),
        ),
        "leadership": make_form(round=rnd, subject_kind="leadership"),
        "leader_post": make_form(
            round=rnd, post=leader_post, filler=Person.objects.get(user=demo["leader"])
        ),
        "other_unit": make_form(round=lz_round, post=lz_person.post, filler=lz_person),
    }


# persona → forms they may read while every form is in 自查填报
READABLE = {
    "staff": {"own"},
    "staff2": {"other_dept"},
    "head": {"same_dept", "own", "dept_form"},
    "leader": {"same_dept", "own", "dept_form", "leadership", "leader_post"},
    "principal": {"own", "same_dept", "other_dept", "dept_form", "leadership", "leader_post"},
    "office": {"own", "same_dept", "other_dept", "dept_form", "leadership", "leader_post"},
    "inspector": {
        "own",
        "same_dept",
        "other_dept",
        "dept_form",
        "leadership",
        "leader_post",
        "other_unit",
    },
    "admin": set(),
    "auditor": set(),
}


@pytest.mark.parametrize("persona", list(READABLE))
def test_who_reads_which_form(demo, forms, persona):
    user = demo[persona]
    readable = {name for name, form in forms.items() if can_view_form(user, form)}
    assert readable == READABLE[persona]
    listed = set(forms_visible_to(user).values_list("pk", flat=True))
    assert listed == {forms[name].pk for name in READABLE[persona]}


def test_outsider_reads_nothing(demo, forms, outsider):
    readable = {name for name, form in forms.items() if can_view_form(outsider, form)}
    assert readable == {"other_unit"}


def test_published_forms_are_read_by_every_unit_member(demo, forms):
    RiskFormState = forms["other_dept"].__class__
    RiskFormState.objects.filter(pk=forms["other_dept"].pk).update(state=FormState.PUBLIC_NOTICE)
    forms["other_dept"].refresh_from_db()
    assert can_view_form(demo["staff"], forms["other_dept"])
    assert can_view_form(demo["admin"], forms["other_dept"])
    assert forms_visible_to(demo["staff"]).filter(pk=forms["other_dept"].pk).exists()


def test_only_filler_edits_and_only_in_draft(demo, forms):
    own = forms["own"]
    assert can_edit_form(demo["staff"], own)
    for persona in ("head", "leader", "principal", "office", "inspector", "admin"):
        assert not can_edit_form(demo[persona], own), persona
    own.state = FormState.DEPT_REVIEW
    assert not can_edit_form(demo["staff"], own)


def test_deactivated_filler_loses_access(demo, forms):
    person = Person.objects.get(user=demo["staff"])
    person.active = False
    person.save()
    assert not can_view_form(demo["staff"], forms["own"])
