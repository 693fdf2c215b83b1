"""Two leaders clicking "pass" at the same moment give one transition, not two (PostgreSQL:
form_transition locks the row with SELECT … FOR UPDATE and re-checks the state under the lock)."""

import threading

import pytest
from django.db import connection, connections

from tests.workflow.conftest import act
from workflow import services
from workflow.enums import Action, FormState
from workflow.models import TransitionLog

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks need PostgreSQL; SQLite serialises"
    ),
]


def test_two_simultaneous_passes_give_one_transition(demo, forms):
    form = forms["post"]
    act(form, Action.SUBMIT, demo["staff"])
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def pass_form():
        try:
            barrier.wait()
            services.form_transition(form=form, action=Action.PASS, actor=demo["head"])
            outcomes.append("passed")
        except services.TransitionRefused:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=pass_form) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    form.refresh_from_db()
    assert sorted(outcomes) == ["passed", "refused"]
    assert form.state == FormState.MASS_REVIEW
    assert TransitionLog.objects.filter(form=form, action=Action.PASS).count() == 1
    assert form.signatures.filter(kind="dept_head").count() == 1
