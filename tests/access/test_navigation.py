"""The menus ask access.rules: 部室审核 for everyone who can review (廉防办 included: it
reviews the principal's and the leadership forms), 待签字 for signers, 授权管理 for the two
roles that grant."""

import datetime as dt

import pytest
from django.urls import reverse

from access.services import delegation_grant
from riskreg import clock
from units.models import Person

pytestmark = pytest.mark.django_db

REVIEW = {"head", "leader", "principal", "office"}
SIGN = {"leader", "principal"}
GRANTS = {"office", "inspector"}


def _menu(client, user) -> str:
    client.force_login(user)
    return client.get(reverse("home")).content.decode()


@pytest.mark.parametrize(
    "persona", ["staff", "staff2", "head", "leader", "principal", "office", "inspector", "admin"]
)
def test_menu_entries_follow_the_access_rules(client, demo, persona):
    body = _menu(client, demo[persona])
    assert (f'href="{reverse("workflow:review_queue")}"' in body) == (persona in REVIEW)
    assert (f'href="{reverse("workflow:sign_queue")}"' in body) == (persona in SIGN)
    assert (f'href="{reverse("access:grants")}"' in body) == (persona in GRANTS)


def test_a_delegate_gets_the_review_and_sign_entries_while_in_force(client, demo):
    cashier = Person.objects.get(unit__code="GYRC", employee_no="000206")
    assert f'href="{reverse("workflow:review_queue")}"' not in _menu(client, cashier.user)
    today = clock.today()
    delegation_grant(
        by=demo["office"],
        delegator=Person.objects.get(user=demo["leader"]),
        delegate=cashier,
        starts_on=today,
        ends_on=today + dt.timedelta(days=2),
    )
    body = _menu(client, cashier.user)
    assert f'href="{reverse("workflow:review_queue")}"' in body
    assert f'href="{reverse("workflow:sign_queue")}"' in body
