import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from powers.models import PowerItem
from tests.factories import make_department, make_person, make_post, make_unit
from units.enums import LevelLabelStyle, PostTier
from units.models import Department, Post, Unit

pytestmark = pytest.mark.django_db


def test_employee_no_unique_within_unit():
    unit = make_unit()
    make_person(unit=unit, employee_no="000123")
    with pytest.raises(ValidationError) as exc:
        make_person(unit=unit, employee_no="000123")
    assert "本单位已有相同工号的人员" in str(exc.value)


def test_employee_no_may_repeat_across_units():
    make_person(unit=make_unit(), employee_no="000123")
    other = make_person(unit=make_unit(), employee_no="000123")
    assert other.employee_no == "000123"


def test_employee_no_unique_enforced_by_database():
    unit = make_unit()
    first = make_person(unit=unit, employee_no="7")
    second = make_person(unit=unit, employee_no="8")
    second.employee_no = first.employee_no
    with pytest.raises(IntegrityError), transaction.atomic():
        second.save()


def test_person_department_must_belong_to_person_unit():
    unit, other = make_unit(), make_unit()
    foreign_dept = make_department(unit=other)
    with pytest.raises(ValidationError) as exc:
        make_person(unit=unit, department=foreign_dept)
    assert "部室必须属于人员所在单位" in str(exc.value)


def test_post_department_must_belong_to_post_unit():
    unit, other = make_unit(), make_unit()
    with pytest.raises(ValidationError):
        make_post(unit=unit, department=make_department(unit=other))


def test_department_belongs_to_exactly_one_unit():
    dept = make_department(unit=make_unit(), name="办公室")
    assert Department._meta.get_field("unit").null is False
    # The same name is a different department in another unit.
    twin = make_department(unit=make_unit(), name="办公室")
    assert twin.unit_id != dept.unit_id
    with pytest.raises(ValidationError):
        make_department(unit=dept.unit, name="办公室")


@pytest.mark.parametrize("tier", [PostTier.PRINCIPAL, PostTier.LEADER])
def test_leadership_post_has_no_department(tier):
    unit = make_unit()
    dept = make_department(unit=unit)
    with pytest.raises(ValidationError) as exc:
        make_post(unit=unit, department=dept, tier=tier)
    assert "领导班子岗位" in str(exc.value)
    # The database refuses it too, whatever path writes it.
    with pytest.raises(IntegrityError), transaction.atomic():
        Post.objects.create(unit=unit, department=dept, name="违规岗位", tier=tier)


def test_staff_post_in_department_is_valid():
    unit = make_unit()
    post = make_post(unit=unit, department=make_department(unit=unit, name="办公室"), name="出纳")
    assert str(post) == "办公室·出纳"


def test_power_item_belongs_to_post_or_department_not_both():
    unit = make_unit()
    dept = make_department(unit=unit)
    post = make_post(unit=unit, department=dept)
    with pytest.raises(ValidationError):
        PowerItem(post=post, department=dept, name="财务审核").full_clean()
    with pytest.raises(ValidationError):
        PowerItem(name="财务审核").full_clean()
    PowerItem(post=post, name="财务审核").full_clean()


def test_unit_tree_paths_and_subtree():
    city = make_unit(code="CITY")
    county = make_unit(code="COUNTY", parent=city)
    town = make_unit(code="TOWN", parent=county)
    assert set(city.subtree().values_list("code", flat=True)) == {"CITY", "COUNTY", "TOWN"}
    assert set(county.subtree().values_list("code", flat=True)) == {"COUNTY", "TOWN"}
    assert town.depth == 2


def test_moving_a_unit_moves_its_subtree():
    a, b = make_unit(code="A"), make_unit(code="B")
    child = make_unit(code="C", parent=a)
    grandchild = make_unit(code="D", parent=child)
    child.parent = b
    child.save()
    grandchild.refresh_from_db()
    assert set(b.subtree().values_list("code", flat=True)) == {"B", "C", "D"}
    assert grandchild.path == f"/{b.pk}/{child.pk}/{grandchild.pk}/"


def test_unit_cannot_be_its_own_ancestor():
    parent = make_unit()
    child = make_unit(parent=parent)
    parent.parent = child
    with pytest.raises(ValidationError):
        parent.full_clean()


def test_unit_code_unique():
    make_unit(code="GYRC")
    with pytest.raises(ValidationError):
        make_unit(code="GYRC")


@pytest.mark.parametrize(
    ("style", "labels"),
    [
        (LevelLabelStyle.NUMERIC, ["一级", "二级", "三级"]),
        (LevelLabelStyle.HIGH_MID_LOW, ["高", "中", "低"]),
        (LevelLabelStyle.LETTERS, ["A", "B", "C"]),
    ],
)
def test_unit_level_labels(style, labels):
    unit = make_unit(level_labels=style)
    assert [unit.level_label(level) for level in (1, 2, 3)] == labels


def test_phone_validation_message_in_chinese():
    unit = make_unit()
    with pytest.raises(ValidationError) as exc:
        make_person(unit=unit, phone="12345")
    assert "手机号应为 11 位数字" in str(exc.value)
    assert Unit.objects.count() == 1
