"""Test data builders, one place for all tests. Plain functions with sensible defaults."""

import itertools

from units.enums import GrantedRole, PostTier
from units.models import Department, Person, Post, RoleGrant, Unit
from units.services import person_create

_seq = itertools.count(1)


def make_unit(
    *, code: str | None = None, name: str | None = None, parent: Unit | None = None, **kw
) -> Unit:
    n = next(_seq)
    unit = Unit(code=code or f"U{n}", name=name or f"测试单位{n}", parent=parent, **kw)
    unit.full_clean()
    unit.save()
    return unit


def make_department(*, unit: Unit, name: str | None = None, **kw) -> Department:
    dept = Department(unit=unit, name=name or f"部室{next(_seq)}", **kw)
    dept.full_clean()
    dept.save()
    return dept


def make_post(
    *,
    unit: Unit,
    department: Department | None = None,
    name: str | None = None,
    tier: str = PostTier.STAFF,
    **kw,
) -> Post:
    post = Post(unit=unit, department=department, name=name or f"岗位{next(_seq)}", tier=tier, **kw)
    post.full_clean()
    post.save()
    return post


def make_person(
    *,
    unit: Unit,
    department: Department | None = None,
    post: Post | None = None,
    name: str | None = None,
    employee_no: str | None = None,
    password: str | None = "Test-pass-2026",
    **kw,
) -> Person:
    n = next(_seq)
    person = person_create(
        unit=unit,
        employee_no=employee_no or f"E{n:05d}",
        name=name or f"人员{n}",
        department=department,
        post=post,
        **kw,
    )
    if password:
        person.user.set_password(password)
        person.user.save()
    return person


def make_grant(
    *, person: Person, role: GrantedRole, unit: Unit, include_subunits: bool = False
) -> RoleGrant:
    return RoleGrant.objects.create(
        person=person, role=role, unit=unit, include_subunits=include_subunits
    )
