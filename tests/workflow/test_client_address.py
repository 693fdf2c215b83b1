"""Behind a trusted proxy, a transition's log row and audit row record the client's address
(audit.net.client_address), not the proxy's."""

import pytest
from django.test import override_settings
from django.urls import reverse

from audit.enums import AuditAction
from audit.models import AuditEvent
from tests.workflow.conftest import person_of
from workflow.enums import Action, FormState
from workflow.models import TransitionLog

pytestmark = pytest.mark.django_db


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_a_transition_behind_the_proxy_records_the_clients_address(client, demo, forms):
    form = forms["post"]
    assert form.filler == person_of(demo["staff"])
    client.force_login(demo["staff"])
    response = client.post(
        reverse("workflow:act", args=[form.pk]),
        {"action": Action.SUBMIT, "confirmed": "1", "revision": form.revision},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="203.0.113.7",
    )
    assert response.status_code == 302
    form.refresh_from_db()
    assert form.state == FormState.DEPT_REVIEW
    assert TransitionLog.objects.get(form=form).client_address == "203.0.113.7"
    event = AuditEvent.objects.get(action=AuditAction.WORKFLOW_TRANSITION)
    assert event.client_address == "203.0.113.7"
