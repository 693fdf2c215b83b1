"""Every report and download goes through the permission module: not visible → 404."""

import pytest
from django.urls import reverse

from units.models import Unit

pytestmark = pytest.mark.django_db

FORM_VIEWS = ("reports:form_html", "reports:form_pdf", "reports:form_xlsx")


@pytest.mark.parametrize("view", FORM_VIEWS)
@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("staff", 404),
        ("admin", 404),
        ("auditor", 404),
        ("outsider", 404),
        ("inspector", 200),
        ("head", 200),
    ],
)
def test_form_reports_of_a_draft(reg, login, demo, outsider, view, persona, status):
    """The cashier's draft: another staff member, the admins and an outsider get 404."""
    user = outsider if persona == "outsider" else demo[persona]
    response = login(user).get(reverse(view, args=[reg.forms["draft"].pk]))
    assert response.status_code == status


@pytest.mark.parametrize("view", FORM_VIEWS)
def test_form_reports_of_an_unknown_form_are_404(reg, login, demo, view):
    assert login(demo["inspector"]).get(reverse(view, args=[999999])).status_code == 404


@pytest.mark.parametrize("view", FORM_VIEWS)
def test_form_reports_need_a_login(reg, client, view):
    response = client.get(reverse(view, args=[reg.forms["staff"].pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("view", FORM_VIEWS)
def test_a_filed_form_is_read_by_the_unit_but_not_by_an_outsider(reg, login, demo, outsider, view):
    form = reg.forms["relief"]
    assert login(demo["staff"]).get(reverse(view, args=[form.pk])).status_code == 200
    assert login(outsider).get(reverse(view, args=[form.pk])).status_code == 404


REGISTER_VIEWS = ("reports:register", "reports:register_xlsx")


@pytest.mark.parametrize("view", REGISTER_VIEWS)
@pytest.mark.parametrize(
    ("persona", "code", "status"),
    [
        ("staff", "GYRC", 200),  # the published register of their own unit
        ("inspector", "GYRC", 200),
        ("inspector", "GYRC-LZ", 200),  # a sub-unit within the inspector's grant
        ("outsider", "GYRC", 404),
        ("staff", "GYRC-LZ", 404),
        ("admin", "GYRC-LZ", 404),  # system admin of GYRC-LZ: no right to read risk content
        ("auditor", "GYRC-LZ", 404),
        ("inspector", "NOPE", 404),
    ],
)
def test_register_access(reg, login, demo, outsider, view, persona, code, status):
    user = outsider if persona == "outsider" else demo[persona]
    assert login(user).get(reverse(view, args=[code])).status_code == status


def test_admin_sees_only_what_their_own_post_allows_in_the_register(reg, login, demo):
    """The system admin also holds a post in GYRC: like any member they read the published
    register of their unit (SPEC: nothing beyond what their other roles allow), never drafts."""
    response = login(demo["admin"]).get(reverse("reports:register", args=["GYRC"]))
    assert response.status_code == 200
    assert "坐支现金" not in response.content.decode()  # the cashier's draft


def test_volume_request_is_refused_outside_the_users_units(reg, login, demo, outsider):
    response = login(outsider).post(reverse("reports:volume_request", args=["GYRC"]))
    assert response.status_code == 404


def test_a_job_is_seen_by_its_requester_only(
    reg, login, demo, immediate_tasks, django_capture_on_commit_callbacks
):
    client = login(demo["inspector"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:volume_request", args=["GYRC"]))
    job_url = response["Location"]
    assert client.get(job_url).status_code == 200
    other = login(demo["staff"])
    assert other.get(job_url).status_code == 404
    assert other.get(job_url + "download/").status_code == 404


def test_lz_register_is_read_by_its_members(reg, login, outsider):
    assert Unit.objects.filter(code="GYRC-LZ").exists()
    assert login(outsider).get(reverse("reports:register", args=["GYRC-LZ"])).status_code == 200
