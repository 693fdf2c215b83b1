"""Fixtures of the access tests: one form of every kind the rules treat differently."""

import pytest

from tests.factories import make_department, make_form, make_person, make_post, make_round
from units.enums import PostTier
from units.models import Department, Person, Post, Unit


@pytest.fixture
def kinds(demo):
    """Forms of GYRC (and one of GYRC-LZ) covering every branch of 部室审核 and signing."""
    gyrc = Unit.objects.get(code="GYRC")
    lz = Unit.objects.get(code="GYRC-LZ")
    rnd = make_round(unit=gyrc)
    person = lambda key: Person.objects.get(user=demo[key])  # noqa: E731
    office_dept = Department.objects.get(unit=gyrc, name="办公室")
    headless = make_department(unit=gyrc, name="无负责人部室", supervisor=person("leader"))
    orphan = make_department(unit=gyrc, name="无分管部室")
    headless_clerk = make_person(
        unit=gyrc, department=headless, post=make_post(unit=gyrc, department=headless)
    )
    orphan_clerk = make_person(
        unit=gyrc, department=orphan, post=make_post(unit=gyrc, department=orphan)
    )
    lz_person = Person.objects.get(unit=lz, employee_no="LZ0004")
    return {
        "staff": make_form(round=rnd, post=person("staff").post, filler=person("staff")),
        "staff2": make_form(round=rnd, post=person("staff2").post, filler=person("staff2")),
        "head_own": make_form(round=rnd, post=person("head").post, filler=person("head")),
        "headless": make_form(round=rnd, post=headless_clerk.post, filler=headless_clerk),
        "orphan": make_form(round=rnd, post=orphan_clerk.post, filler=orphan_clerk),
        "dept": make_form(
            round=rnd, subject_kind="department", department=office_dept, filler=person("head")
        ),
        "orphan_dept": make_form(round=rnd, subject_kind="department", department=orphan),
        "leader_post": make_form(round=rnd, post=person("leader").post, filler=person("leader")),
        "principal_post": make_form(
            round=rnd,
            post=Post.objects.get(unit=gyrc, tier=PostTier.PRINCIPAL),
            filler=person("principal"),
        ),
        "leadership": make_form(round=rnd, subject_kind="leadership", filler=person("principal")),
        "other_unit": make_form(round=make_round(unit=lz), post=lz_person.post, filler=lz_person),
    }
