"""Issue 18, the power list in the browser: the head of 办公室 drafts a power item of a post
with three steps, 廉防办 confirms it (确权), the post's holder ties a risk point of their form
to a step, and the item's internal flowchart shows the point. Set-up opens a round and adds
the risk point through the services; every step after that is a click or typing."""

import re

import pytest

from powers.models import PowerItem, StepRiskLink
from risks import services as risk_services
from risks.models import RiskForm
from tests.e2e.helpers import check_page, home, nav
from tests.factories import ROUND_DEADLINES
from units.demo import load_demo_org
from units.models import Person, Unit

pytestmark = pytest.mark.django_db(transaction=True)

POINT = "档案借出不登记"


@pytest.fixture
def staff_form(transactional_db):
    load_demo_org()
    gyrc = Unit.objects.get(code="GYRC")
    office = Person.objects.get(user__username="demo_office").user
    rnd = risk_services.round_open(
        unit=gyrc, year=2026, title="2026年度排查", by=office, **ROUND_DEADLINES
    ).round
    form = RiskForm.objects.get(round=rnd, filler__user__username="demo_staff")
    risk_services.point_add(
        form=form,
        data=risk_services.PointInput(
            category="process",
            description=POINT,
            likelihood=2,
            harm=2,
            proposed_level=2,
            measures=["借阅登记、按期归还"],
        ),
        based_on_revision=0,
        by=form.filler.user,
    )
    return form


def test_head_drafts_office_confirms_staff_ties_and_the_chart_shows_it(
    persona, live_server, staff_form, shot
):
    # The head of 办公室 drafts an item of 综合文秘 with three steps.
    head = persona("demo_head")
    home(head, live_server)
    nav(head, "职权目录")
    head.get_by_role("link", name="起草职权事项").click()
    check_page(head, shot, "p01-head-item-add")
    head.get_by_label("所属部室或岗位").select_option(label="办公室·综合文秘")
    head.get_by_label("职权名称").fill("档案查阅审批")
    head.get_by_label("职权类别").select_option("内部管理")
    head.get_by_label("法律依据").fill("《中华人民共和国档案法》第二十八条")
    head.get_by_label("办理时限").fill("即时办理")
    head.get_by_role("button", name="保存").click()
    head.wait_for_load_state()
    assert "待确权" in head.content()
    for name, who in (("借阅申请", "借阅人"), ("审批", "办公室主任"), ("登记借出", "综合文秘")):
        head.get_by_label("环节名称").fill(name)
        head.get_by_label("责任主体").fill(who)
        head.get_by_role("button", name="添加环节").click()
        head.wait_for_load_state()
        assert f"已添加环节“{name}”" in head.content()
    check_page(head, shot, "p02-head-item-three-steps")
    item = PowerItem.objects.get(name="档案查阅审批")
    assert item.steps.count() == 3 and item.state == "draft"
    assert head.locator("#internal-chart svg").count() == 1
    assert head.get_by_role("button", name="确权").count() == 0  # heads do not confirm

    # 廉防办 confirms.
    office = persona("demo_office")
    office.goto(f"{live_server.url}/powers/items/{item.pk}/")
    office.get_by_role("button", name="确权").click()
    office.wait_for_load_state()
    assert "已确权：“档案查阅审批”" in office.content()
    check_page(office, shot, "p03-office-confirmed")
    item.refresh_from_db()
    assert item.state == "confirmed" and item.confirmed_year

    # The post's holder ties the risk point of their form to the step 登记借出.
    staff = persona("demo_staff")
    staff.goto(f"{live_server.url}/forms/{staff_form.pk}/")
    panel = staff.locator("#powers")
    assert "档案查阅审批" in panel.inner_text()
    panel.get_by_label("所在环节").select_option(label="档案查阅审批 · 登记借出")
    panel.get_by_role("button", name=re.compile("保存环节")).click()
    staff.wait_for_load_state()
    assert "风险点已关联到“档案查阅审批”的环节“登记借出”" in staff.content()
    check_page(staff, shot, "p04-staff-tied")
    link = StepRiskLink.objects.get(point__form=staff_form)
    assert link.step.name == "登记借出"

    # The chart page shows it, on the step's chart, in its level's colour.
    staff.goto(f"{live_server.url}/powers/items/{item.pk}/")
    chart = staff.locator("#internal-chart svg")
    text = "".join(chart.locator("text").all_text_contents())
    assert POINT in text and "登记借出" in text
    assert "#d68910" in chart.inner_html()  # level 2's border colour
    check_page(staff, shot, "p05-chart-with-point")
