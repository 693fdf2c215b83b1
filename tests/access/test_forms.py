"""access.rules: who reads and edits a form, and the queryset agrees with the predicate."""

import pytest

from access.rules import (
    can_edit_form,
    can_manage_round,
    can_reassign_filler,
    can_view_form,
    forms_visible_to,
    may_browse_forms,
    may_see_board,
    reads_every_form_in,
    units_with_board,
)
from risks.models import RiskForm
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


# persona → forms they may edit while every form is in 自查填报 (only their own, as filler)
EDITABLE = {
    "staff": {"own"},
    "staff2": {"other_dept"},
    "head": set(),
    "leader": {"leader_post"},
    "principal": set(),
    "office": set(),
    "inspector": set(),
    "admin": set(),
    "auditor": set(),
}


@pytest.mark.parametrize("persona", list(EDITABLE))
def test_who_edits_which_form(demo, forms, persona):
    editable = {name for name, form in forms.items() if can_edit_form(demo[persona], form)}
    assert editable == EDITABLE[persona]


def test_outsider_edits_only_their_own_unit_form(demo, forms, outsider):
    editable = {name for name, form in forms.items() if can_edit_form(outsider, form)}
    assert editable == {"other_unit"}


def test_department_and_leadership_forms_are_edited_by_their_filler(demo, forms):
    head = Person.objects.get(user=demo["head"])
    principal = Person.objects.get(user=demo["principal"])
    RiskForm = forms["dept_form"].__class__
    RiskForm.objects.filter(pk=forms["dept_form"].pk).update(filler=head)
    RiskForm.objects.filter(pk=forms["leadership"].pk).update(filler=principal)
    dept_form = RiskForm.objects.get(pk=forms["dept_form"].pk)
    leadership = RiskForm.objects.get(pk=forms["leadership"].pk)
    assert can_edit_form(demo["head"], dept_form)
    assert can_edit_form(demo["principal"], leadership)
    assert not can_edit_form(demo["leader"], dept_form)
    assert not can_edit_form(demo["office"], leadership)


def test_a_superseded_version_is_not_editable(demo, forms):
    own = forms["own"]
    make_form(round=own.round, post=own.post, filler=own.filler, version=2, previous_version=own)
    assert not can_edit_form(demo["staff"], own)


@pytest.mark.parametrize(
    "persona", ["staff", "staff2", "head", "leader", "principal", "inspector", "admin", "auditor"]
)
def test_only_the_integrity_office_manages_rounds_and_fillers(demo, forms, persona):
    gyrc = Unit.objects.get(code="GYRC")
    assert not can_manage_round(demo[persona], gyrc)
    assert not can_reassign_filler(demo[persona], forms["own"])


def test_integrity_office_manages_its_own_unit_only(demo, forms):
    assert can_manage_round(demo["office"], Unit.objects.get(code="GYRC"))
    assert not can_manage_round(demo["office"], Unit.objects.get(code="GYRC-LZ"))
    assert can_reassign_filler(demo["office"], forms["own"])
    assert not can_reassign_filler(demo["office"], forms["other_unit"])
    forms["own"].state = FormState.DEPT_REVIEW
    assert not can_reassign_filler(demo["office"], forms["own"])


@pytest.mark.parametrize(
    ("persona", "browses"),
    [
        ("staff", False),
        ("staff2", False),
        ("head", True),
        ("leader", True),
        ("principal", True),
        ("office", True),
        ("inspector", True),
        ("admin", False),
        ("auditor", False),
    ],
)
def test_who_browses_forms(demo, persona, browses):
    assert may_browse_forms(demo[persona]) is browses


# persona → units every form of which they read (their office, inspector grant or principal)
READS_WHOLE_UNIT = {
    "principal": {"GYRC"},
    "office": {"GYRC"},
    "inspector": {"GYRC", "GYRC-LZ"},
}


@pytest.mark.parametrize("persona", list(READABLE))
def test_who_reads_every_form_of_a_unit_agrees_with_the_queryset(demo, forms, persona):
    user = demo[persona]
    for code in ("GYRC", "GYRC-LZ"):
        unit = Unit.objects.get(code=code)
        whole = reads_every_form_in(user, [unit])
        assert whole == (code in READS_WHOLE_UNIT.get(persona, set()))
        if whole:
            in_unit = RiskForm.objects.filter(unit=unit)
            assert forms_visible_to(user, in_unit).count() == in_unit.count() > 0
    gyrc_and_lz = list(Unit.objects.filter(code__in=("GYRC", "GYRC-LZ")))
    assert reads_every_form_in(user, gyrc_and_lz) == (persona == "inspector")


@pytest.mark.parametrize("persona", list(READABLE))
def test_who_opens_the_progress_board(demo, persona):
    expected = {"office": {"GYRC"}, "inspector": {"GYRC", "GYRC-LZ"}}.get(persona, set())
    assert {u.code for u in units_with_board(demo[persona])} == expected
    assert may_see_board(demo[persona]) == bool(expected)
