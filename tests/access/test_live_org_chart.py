"""Access follows the org chart on the next request, with no command run in between: a new
department head in the admin, or the old head deactivated by a roster import, moves the
department's forms in 部室审核 at once."""

import pytest
from django.urls import reverse

from tests.factories import make_form, make_person, make_point, make_round, roster_row, roster_xlsx
from units import services as unit_services
from units.models import Department, Person, Unit
from workflow import services
from workflow.enums import Action, FormState

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(demo):
    """The staff member's form, submitted: waiting in 部室审核 for the head of 办公室."""
    gyrc = Unit.objects.get(code="GYRC")
    staff = Person.objects.get(user=demo["staff"])
    form = make_form(round=make_round(unit=gyrc), post=staff.post, filler=staff)
    make_point(form=form, category=form.allowed_categories()[0], level=2)
    services.form_transition(form=form, action=Action.SUBMIT, actor=demo["staff"])
    return form


def _queue(client, user) -> str:
    client.force_login(user)
    return client.get(reverse("workflow:review_queue")).content.decode()


def _pass(client, user, form) -> int:
    client.force_login(user)
    url = reverse("workflow:act", args=[form.pk])
    return client.post(url, {"action": Action.PASS, "comment": ""}).status_code


def test_a_new_head_set_in_the_admin_takes_over_the_queue_at_once(client, demo, submitted):
    dept = Department.objects.get(unit=submitted.unit, name="办公室")
    new_head = make_person(unit=dept.unit, department=dept, name="钱新任")
    title = submitted.subject_title
    assert title in _queue(client, demo["head"])

    client.force_login(demo["admin"])
    response = client.post(
        reverse("admin:units_department_change", args=[dept.pk]),
        {
            "unit": dept.unit_id, "name": dept.name, "code": dept.code, "order": dept.order,
            "head": new_head.pk, "supervisor": dept.supervisor_id,
            "power_items-TOTAL_FORMS": "0", "power_items-INITIAL_FORMS": "0",
        },
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Department.objects.get(pk=dept.pk).head == new_head

    assert title in _queue(client, new_head.user)
    assert title not in _queue(client, demo["head"])
    assert _pass(client, demo["head"], submitted) in (403, 404)
    assert _pass(client, new_head.user, submitted) == 302
    submitted.refresh_from_db()
    assert submitted.state == FormState.MASS_REVIEW


def test_a_head_deactivated_by_a_roster_import_loses_the_queue_at_once(client, demo, submitted):
    head = Person.objects.get(user=demo["head"])
    content = roster_xlsx(
        [roster_row(head.employee_no, head.name, "办公室", head.post.name, active="否")]
    )
    result = unit_services.roster_import(
        unit=head.unit, content=content, file_name="名册.xlsx", dry_run=False
    )
    assert not result.plan.errors, result.plan.errors
    assert not Person.objects.get(pk=head.pk).active

    # A deactivated account is logged out (sent to the login page); nothing moves.
    assert _pass(client, demo["head"], submitted) in (302, 403, 404)
    submitted.refresh_from_db()
    assert submitted.state == FormState.DEPT_REVIEW
    # The department's supervisor now reviews it: 部室审核 of a department without an active head.
    assert submitted.subject_title in _queue(client, demo["leader"])
