"""委托 and 特别授权: granted and revoked on the grants page by the roles allowed, audited, in
force between their dates only, and checked by the same access rules as everything else."""

import datetime as dt

import pytest
from django.test import override_settings
from django.urls import reverse

from access import rules
from access.models import Delegation, UnitReadGrant
from audit.enums import AuditAction
from audit.models import AuditEvent
from riskreg import clock
from risks.models import RiskForm
from tests.factories import make_form, make_point, make_round
from units.models import Person, Unit
from workflow import services
from workflow.enums import Action, FormState
from workflow.models import Signature, TransitionLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def gyrc(demo):
    return Unit.objects.get(code="GYRC")


@pytest.fixture
def cashier(demo, gyrc):
    """出纳 of 办公室: a colleague of the head, holding no review role of their own."""
    return Person.objects.get(unit=gyrc, employee_no="000206")


@pytest.fixture
def submitted(demo, gyrc):
    staff = Person.objects.get(user=demo["staff"])
    form = make_form(round=make_round(unit=gyrc), post=staff.post, filler=staff)
    make_point(form=form, category=form.allowed_categories()[0], level=2)
    services.form_transition(form=form, action=Action.SUBMIT, actor=demo["staff"])
    return form


def _days(n: int) -> str:
    return (clock.today() + dt.timedelta(days=n)).isoformat()


def _delegate(client, demo, delegator, delegate, start=0, end=5):
    client.force_login(demo["office"])
    return client.post(
        reverse("access:delegation_add"),
        {
            "delegator": delegator.pk,
            "delegate": delegate.pk,
            "starts_on": _days(start),
            "ends_on": _days(end),
            "note": "休假",
        },
    )


def test_the_delegate_passes_as_dai_x_within_the_dates_and_not_after(
    client, demo, cashier, submitted
):
    head = Person.objects.get(user=demo["head"])
    assert _delegate(client, demo, head, cashier).status_code == 302
    assert AuditEvent.objects.filter(action=AuditAction.DELEGATION_GRANT).count() == 1

    client.force_login(cashier.user)
    queue = client.get(reverse("workflow:review_queue")).content.decode()
    assert submitted.subject_title in queue and "代 赵明远" in queue
    # The same person, after the delegation ended: nothing to read, nothing to pass.
    with override_settings(RISKREG_TODAY_OFFSET_DAYS=6):
        assert client.get(reverse("risks:form_detail", args=[submitted.pk])).status_code == 404
        response = client.post(reverse("workflow:act", args=[submitted.pk]), {"action": "pass"})
        assert response.status_code == 404
    response = client.post(reverse("workflow:act", args=[submitted.pk]), {"action": "pass"})
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.state == FormState.MASS_REVIEW
    line = Signature.objects.get(form=submitted, kind="dept_head")
    assert line.person == cashier and line.on_behalf_of == head
    assert line.name == f"{cashier.name}（代 赵明远）"
    entry = TransitionLog.objects.get(form=submitted, action=Action.PASS)
    assert entry.actor_name == f"{cashier.name}（代 赵明远）" and entry.on_behalf_of == head


def test_a_delegation_not_yet_started_gives_nothing(client, demo, cashier, submitted):
    head = Person.objects.get(user=demo["head"])
    assert _delegate(client, demo, head, cashier, start=2, end=5).status_code == 302
    client.force_login(cashier.user)
    assert (
        submitted.subject_title not in client.get(reverse("workflow:review_queue")).content.decode()
    )


def test_the_office_revokes_a_delegation_and_it_is_audited(client, demo, cashier, submitted):
    head = Person.objects.get(user=demo["head"])
    _delegate(client, demo, head, cashier)
    row = Delegation.objects.get()
    page = client.get(reverse("access:grants")).content.decode()
    assert cashier.name in page and "赵明远" in page
    assert client.post(reverse("access:delegation_revoke", args=[row.pk])).status_code == 302
    assert not Delegation.objects.exists()
    assert AuditEvent.objects.filter(action=AuditAction.DELEGATION_REVOKE).count() == 1
    assert not rules.can_view_form(Person.objects.get(pk=cashier.pk).user, submitted)


def test_only_the_office_of_the_unit_delegates(client, demo, cashier):
    head = Person.objects.get(user=demo["head"])
    for persona in ("staff", "head", "inspector", "admin"):
        client.force_login(demo[persona])
        response = client.post(
            reverse("access:delegation_add"),
            {
                "delegator": head.pk,
                "delegate": cashier.pk,
                "starts_on": _days(0),
                "ends_on": _days(3),
            },
        )
        assert response.status_code == 403, persona
    assert not Delegation.objects.exists()


def test_bad_dates_are_refused_in_chinese_and_nothing_is_written(client, demo, cashier):
    head = Person.objects.get(user=demo["head"])
    response = _delegate(client, demo, head, cashier, start=5, end=1)
    assert response.status_code == 400
    assert "截止日期不能早于起始日期" in response.content.decode()
    response = _delegate(client, demo, cashier, head)  # the cashier has nothing to delegate
    assert response.status_code == 400
    assert not Delegation.objects.exists()


def _read_grant(client, demo, grantee, **target):
    client.force_login(demo["inspector"])
    return client.post(
        reverse("access:read_grant_add"),
        {"username": grantee.user.username, "starts_on": _days(0), "ends_on": _days(3), **target},
    )


def test_a_unit_read_grant_opens_exactly_that_units_forms(client, demo, outsider, submitted):
    lz_person = outsider.person
    before = set(rules.forms_visible_to(outsider).values_list("pk", flat=True))
    gyrc = submitted.unit
    assert _read_grant(client, demo, lz_person, unit=gyrc.pk).status_code == 302
    assert AuditEvent.objects.filter(action=AuditAction.READ_GRANT).count() == 1

    fresh = type(outsider).objects.get(pk=outsider.pk)  # holdings are cached per request
    after = set(rules.forms_visible_to(fresh).values_list("pk", flat=True))
    gyrc_forms = set(RiskForm.objects.filter(unit=gyrc).values_list("pk", flat=True))
    assert after == before | gyrc_forms
    client.force_login(outsider)
    assert client.get(reverse("risks:form_detail", args=[submitted.pk])).status_code == 200
    # Reading is all: the review step stays the head's.
    response = client.post(reverse("workflow:act", args=[submitted.pk]), {"action": "pass"})
    assert response.status_code == 403
    with override_settings(RISKREG_TODAY_OFFSET_DAYS=4):
        assert client.get(reverse("risks:form_detail", args=[submitted.pk])).status_code == 404


def test_a_form_read_grant_opens_that_form_only(client, demo, outsider, submitted, gyrc):
    other = make_form(
        round=submitted.round,
        post=Person.objects.get(user=demo["staff2"]).post,
        filler=Person.objects.get(user=demo["staff2"]),
    )
    assert _read_grant(client, demo, outsider.person, form_id=submitted.pk).status_code == 302
    client.force_login(outsider)
    assert client.get(reverse("risks:form_detail", args=[submitted.pk])).status_code == 200
    assert client.get(reverse("risks:form_detail", args=[other.pk])).status_code == 404


def test_only_the_inspector_grants_reading_and_revokes_it(client, demo, outsider, gyrc):
    client.force_login(demo["office"])
    response = client.post(
        reverse("access:read_grant_add"),
        {
            "username": outsider.username,
            "unit": gyrc.pk,
            "starts_on": _days(0),
            "ends_on": _days(3),
        },
    )
    assert response.status_code == 403
    assert _read_grant(client, demo, outsider.person, unit=gyrc.pk).status_code == 302
    row = UnitReadGrant.objects.get()
    assert outsider.person.name in client.get(reverse("access:grants")).content.decode()
    url = reverse("access:read_grant_revoke", args=["unit", row.pk])
    assert client.post(url).status_code == 302
    assert not UnitReadGrant.objects.exists()
    assert AuditEvent.objects.filter(action=AuditAction.READ_GRANT_REVOKE).count() == 1
