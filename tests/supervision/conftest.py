"""Supervision fixtures: the demo organisation, its people by persona, a form with points."""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User

from riskreg import clock
from risks.models import RiskForm, RiskPoint
from supervision import services
from supervision.enums import DispositionKind, WarningGrade
from supervision.models import Disposition, WarningNotice
from tests.factories import make_form, make_point, make_round
from units.models import Department, Person, Unit


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@dataclass
class World:
    users: dict[str, User]
    unit: Unit
    office_dept: Department
    form: RiskForm
    point: RiskPoint

    def person(self, persona: str) -> Person:
        return self.users[persona].person


@pytest.fixture
def world(demo, outsider) -> World:
    unit = Unit.objects.get(code="GYRC")
    staff = demo["staff"].person
    form = make_form(round=make_round(unit=unit), post=staff.post, filler=staff)
    point = make_point(form=form, description="公文印章使用审批不严。", level=2)
    return World(
        users={**demo, "outsider": outsider},
        unit=unit,
        office_dept=Department.objects.get(unit=unit, name="办公室"),
        form=form,
        point=point,
    )


def issue_warning(world: World, *, to: str = "staff", days: int = 10, **kw) -> WarningNotice:
    return services.warning_issue(
        actor=world.users["inspector"],
        unit=world.unit,
        grade=kw.pop("grade", WarningGrade.YELLOW),
        recipient=world.person(to),
        risk_text="印章使用登记不全。",
        requirement="请自查并书面反馈。",
        reply_due=clock.today() + dt.timedelta(days=days),
        **kw,
    )


def issue_rectification(world: World, *, deadline_days: int = 10) -> Disposition:
    """A 责令限期整改 of 办公室 (head: demo_head) with one item for demo_staff."""
    return services.disposition_issue(
        actor=world.users["inspector"],
        unit=world.unit,
        kind=DispositionKind.RECTIFICATION,
        subject_department=world.office_dept,
        basis="印章管理不规范。",
        items=[
            {
                "text": "建立印章使用登记簿。",
                "responsible": world.person("staff"),
                "deadline": clock.today() + dt.timedelta(days=deadline_days),
            }
        ],
    )
