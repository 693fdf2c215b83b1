"""workflow.demo: the demo round part-way along the chain, idempotent."""

import pytest

from risks.models import RiskForm
from workflow.demo import demo_chain_load
from workflow.enums import FormState
from workflow.models import Objection, TransitionLog
from workflow.selectors import review_queue, sign_queue, worklist

pytestmark = pytest.mark.django_db


def test_demo_chain_leaves_forms_in_every_state(demo):
    result = demo_chain_load()

    states = set(RiskForm.objects.values_list("state", flat=True))
    assert states == set(FormState.values)
    assert Objection.objects.filter(answered_at__isnull=True).count() == 1
    assert RiskForm.objects.filter(state=FormState.FILED).count() >= 3
    assert result.transitions > 0


def test_demo_chain_gives_every_persona_work(demo):
    demo_chain_load()

    assert len(review_queue(demo["head"])) == 4
    assert review_queue(demo["leader"])  # the head's own form
    assert sign_queue(demo["leader"]) and sign_queue(demo["principal"])
    counts = {item.label: item.count for item in worklist(demo["office"])}
    assert counts["待答复的异议"] == 1
    assert counts["待集体审定"] >= 1
    staff_counts = {item.label: item.count for item in worklist(demo["staff"])}
    assert staff_counts["待填报的一览表"] == 1
    staff2_counts = {item.label: item.count for item in worklist(demo["staff2"])}
    assert staff2_counts["待评议（群众评议）"] >= 1


def test_demo_chain_twice_changes_nothing(demo):
    demo_chain_load()
    before = (
        TransitionLog.objects.count(),
        sorted(RiskForm.objects.values_list("pk", "state")),
        Objection.objects.count(),
    )

    result = demo_chain_load()

    after = (
        TransitionLog.objects.count(),
        sorted(RiskForm.objects.values_list("pk", "state")),
        Objection.objects.count(),
    )
    assert after == before
    assert result.transitions == 0 and result.created == 0


PAGES = [
    "home",
    "risks:my_forms",
    "workflow:review_queue",
    "workflow:sign_queue",
    "workflow:rating_list",
    "workflow:rating_windows",
    "workflow:collective",
    "workflow:notice_register",
    "workflow:filed_register",
    "workflow:objections",
    "workflow:board",
    "workflow:notifications",
]


def test_every_page_renders_for_every_persona_on_the_demo(demo, login):
    from django.urls import reverse

    from workflow.models import CollectiveMeeting

    demo_chain_load()
    meeting = CollectiveMeeting.objects.get()
    for persona, user in demo.items():
        client = login(user)
        for name in PAGES:
            assert client.get(reverse(name)).status_code in (200, 403), (persona, name)
        for form in RiskForm.objects.all():
            status = client.get(reverse("risks:form_detail", args=[form.pk])).status_code
            assert status in (200, 404), (persona, form)
        status = client.get(reverse("workflow:meeting", args=[meeting.pk])).status_code
        assert status == (200 if persona == "office" else 403)
