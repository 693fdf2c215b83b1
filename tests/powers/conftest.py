"""Fixtures of the power-list tests: the demo organisation with a small 职权目录 of 办公室."""

import pytest

from powers import services
from powers.models import PowerItem
from powers.services import ItemInput, StepInput
from units.models import Department, Post, Unit


@pytest.fixture
def gyrc(demo):
    return Unit.objects.get(code="GYRC")


@pytest.fixture
def office_dept(gyrc):
    return Department.objects.get(unit=gyrc, name="办公室")


@pytest.fixture
def clerk_post(gyrc):
    """The post of demo_staff (办公室·综合文秘)."""
    return Post.objects.get(unit=gyrc, department__name="办公室", name="综合文秘")


def make_item(
    *, unit, by=None, post=None, department=None, name="公文与印章管理", **kw
) -> PowerItem:
    data = ItemInput(name=name, kind=kw.pop("kind", "内部管理"), legal_basis="《条例》第二条", **kw)
    return services.item_create(by=by, unit=unit, post=post, department=department, data=data)


def add_steps(item, names, by=None):
    return [
        services.step_add(by=by, item=item, data=StepInput(name=n, responsible="办公室"))
        for n in names
    ]


@pytest.fixture
def clerk_item(demo, gyrc, clerk_post):
    """A draft item of demo_staff's post with three steps, drafted by the head of 办公室."""
    item = make_item(unit=gyrc, by=demo["head"], post=clerk_post)
    add_steps(item, ["用印申请", "审批", "登记用印"], by=demo["head"])
    return item
