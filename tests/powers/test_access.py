"""Who reads and who edits the power list: staff read their post's items and edit nothing,
heads draft their department's, 廉防办 confirms; confirming is logged and audited."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from powers.enums import PowerState
from powers.models import PowerChange, PowerItem
from tests.powers.conftest import add_steps, make_item
from units.models import Department

pytestmark = pytest.mark.django_db


def test_head_drafts_an_item_of_their_department_as_a_draft(login, demo, gyrc, clerk_post):
    client = login(demo["head"])
    response = client.post(
        reverse("powers:item_add", args=["GYRC"]),
        {
            "owner": f"p{clerk_post.pk}",
            "name": "档案查阅审批",
            "kind": "内部管理",
            "legal_basis": "《档案法》第二十八条",
            "status": "keep",
        },
    )
    item = PowerItem.objects.get(name="档案查阅审批")
    assert response.status_code == 302
    assert item.state == PowerState.DRAFT and item.post == clerk_post and item.unit == gyrc
    assert PowerChange.objects.filter(item=item, action="create").exists()
    assert AuditEvent.objects.filter(action="powers.change", object_id=str(item.pk)).exists()


def test_head_cannot_draft_for_another_department(login, demo, gyrc):
    other = Department.objects.get(unit=gyrc, name="赈济救护部")
    response = login(demo["head"]).post(
        reverse("powers:item_add", args=["GYRC"]),
        {"owner": f"d{other.pk}", "name": "越权事项", "kind": "内部管理", "status": "keep"},
    )
    assert response.status_code == 200  # the form again, with the choice refused
    assert "越权事项" not in PowerItem.objects.values_list("name", flat=True)


def test_staff_reads_their_post_draft_but_edits_nothing(login, demo, clerk_item):
    client = login(demo["staff"])
    page = client.get(reverse("powers:item_detail", args=[clerk_item.pk]))
    assert page.status_code == 200
    assert "用印申请" in page.content.decode() and "确权" in page.content.decode()
    assert client.get(reverse("powers:item_edit", args=[clerk_item.pk])).status_code == 403
    posted = client.post(
        reverse("powers:step_add", args=[clerk_item.pk]), {"step-name": "偷加的环节"}
    )
    assert posted.status_code == 403
    assert client.post(reverse("powers:item_confirm", args=[clerk_item.pk])).status_code == 403
    assert clerk_item.steps.count() == 3
    assert client.get(reverse("powers:item_add", args=["GYRC"])).status_code == 403


def test_a_colleague_does_not_see_another_post_draft(login, demo, clerk_item):
    client = login(demo["staff2"])
    assert client.get(reverse("powers:item_detail", args=[clerk_item.pk])).status_code == 404
    catalogue = client.get(reverse("powers:catalogue", args=["GYRC"])).content.decode()
    assert "公文与印章管理" not in catalogue


def test_outsider_gets_404(login, outsider, clerk_item):
    client = login(outsider)
    assert client.get(reverse("powers:item_detail", args=[clerk_item.pk])).status_code == 404
    assert client.get(reverse("powers:catalogue", args=["GYRC"])).status_code == 404


def test_office_confirms_and_members_then_read_it(login, demo, clerk_item):
    head = login(demo["head"])
    assert head.post(reverse("powers:item_confirm", args=[clerk_item.pk])).status_code == 403
    office = login(demo["office"])
    office.post(reverse("powers:item_confirm", args=[clerk_item.pk]))
    clerk_item.refresh_from_db()
    assert clerk_item.state == PowerState.CONFIRMED
    assert clerk_item.confirmed_year == 2026 or clerk_item.confirmed_year >= 2026
    assert clerk_item.confirmed_by == demo["office"]
    assert PowerChange.objects.filter(item=clerk_item, action="confirm").exists()
    colleague = login(demo["staff2"])
    assert colleague.get(reverse("powers:item_detail", args=[clerk_item.pk])).status_code == 200


def test_an_edit_after_confirmation_needs_confirming_again(login, demo, clerk_item):
    login(demo["office"]).post(reverse("powers:item_confirm", args=[clerk_item.pk]))
    client = login(demo["head"])
    response = client.post(
        reverse("powers:item_edit", args=[clerk_item.pk]),
        {
            "owner": f"p{clerk_item.post_id}",
            "name": clerk_item.name,
            "kind": "内部管理",
            "legal_basis": "《条例》第三条",
            "status": "adjust",
        },
    )
    assert response.status_code == 302
    clerk_item.refresh_from_db()
    assert clerk_item.state == PowerState.DRAFT and clerk_item.status == "adjust"
    change = PowerChange.objects.filter(item=clerk_item, action="update").get()
    assert "《条例》第三条" in change.summary and "重新确权" in change.summary


def test_steps_add_branch_and_reorder(login, demo, clerk_item):
    client = login(demo["head"])
    first = clerk_item.steps.order_by("order").first()
    client.post(
        reverse("powers:step_add", args=[clerk_item.pk]),
        {
            "step-name": "补正",
            "step-branch_of": first.pk,
            "step-condition": "材料不全",
            "step-returns": "on",
        },
    )
    branch = clerk_item.steps.get(name="补正")
    assert branch.branch_of == first and branch.returns
    second = clerk_item.steps.get(name="审批")
    client.post(reverse("powers:step_move", args=[clerk_item.pk, second.pk]), {"direction": "up"})
    main = list(
        clerk_item.steps.filter(branch_of__isnull=True)
        .order_by("order")
        .values_list("name", flat=True)
    )
    assert main == ["审批", "用印申请", "登记用印"]


def test_a_branch_without_condition_is_refused_with_a_message(login, demo, clerk_item):
    first = clerk_item.steps.order_by("order").first()
    response = login(demo["head"]).post(
        reverse("powers:step_add", args=[clerk_item.pk]),
        {"step-name": "不予受理", "step-branch_of": first.pk},
    )
    assert response.status_code == 400
    assert "分支环节请写明分支条件" in response.content.decode()
    assert not clerk_item.steps.filter(name="不予受理").exists()


def test_the_change_log_refuses_edits(demo, clerk_item):
    change = PowerChange.objects.filter(item=clerk_item).first()
    with pytest.raises(ValueError):
        change.save()
    with pytest.raises(ValueError):
        change.delete()


def test_catalogue_query_count_is_flat(
    login, demo, gyrc, office_dept, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(demo["office"])
    url = reverse("powers:catalogue", args=["GYRC"])

    def count() -> int:
        client.get(url)  # warm caches
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    make_item(unit=gyrc, department=office_dept, name="事项一")
    few = count()
    for n in range(12):
        item = make_item(unit=gyrc, department=office_dept, name=f"事项{n + 2}")
        add_steps(item, ["受理", "办理"])
    assert count() == few


def test_a_unit_defined_kind_is_offered_and_others_refused(login, demo, gyrc, office_dept):
    from django.core.exceptions import ValidationError

    from powers.models import UnitPowerKind

    with pytest.raises(ValidationError):
        make_item(unit=gyrc, department=office_dept, name="募捐活动备案", kind="募捐管理")
    UnitPowerKind.objects.create(unit=gyrc, name="募捐管理")
    item = make_item(unit=gyrc, department=office_dept, name="募捐活动备案", kind="募捐管理")
    assert item.kind == "募捐管理"
    page = login(demo["head"]).get(reverse("powers:item_add", args=["GYRC"])).content.decode()
    assert '<option value="募捐管理">' in page and '<option value="行政给付">' in page
