"""The flowcharts: every step and every tied risk point appear in the SVG, the point in its
level's colour; labels are escaped and the SVG carries no script; tying from the form page."""

import re

import pytest
from django.urls import reverse

from powers import charts, selectors, services
from powers.models import StepRiskLink
from reports.selectors import OPERATOR
from tests.factories import make_form, make_point, make_round
from units.models import Person

pytestmark = pytest.mark.django_db


def _svg_text(svg: str) -> str:
    """All the text drawn, joined (labels are wrapped over several <text> lines)."""
    return (
        "".join(re.findall(r"<text[^>]*>([^<]*)</text>", svg))
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
        .replace("&quot;", '"')
    )


@pytest.fixture
def staff_form(demo, gyrc, clerk_post):
    staff = Person.objects.get(user=demo["staff"])
    return make_form(round=make_round(unit=gyrc), post=clerk_post, filler=staff)


def test_internal_chart_holds_every_step_and_tied_point_in_its_colour(demo, clerk_item, staff_form):
    steps = list(clerk_item.steps.order_by("order"))
    high = make_point(
        form=staff_form,
        description="印章使用未登记",
        level=1,
        likelihood=3,
        harm=3,
        measures=("用印登记",),
    )
    low = make_point(form=staff_form, description="公文传阅遗失", level=3, likelihood=1, harm=1)
    services.point_tie(by=demo["staff"], point=high, step=steps[2])
    services.point_tie(by=demo["staff"], point=low, step=steps[0])
    points = selectors.chart_points(user=OPERATOR, items=[clerk_item])[clerk_item.pk]
    svg = charts.internal_chart(clerk_item, steps, points)
    text = _svg_text(svg)
    for step in steps:
        assert step.name in text
    assert "印章使用未登记" in text and "公文传阅遗失" in text and "用印登记" in text
    border_1, fill_1 = charts.LEVEL_COLOURS[1]
    border_3, _ = charts.LEVEL_COLOURS[3]
    assert fill_1 in svg and border_1 in svg and border_3 in svg
    assert "风险点 · 一级（拟定）" in text


def test_decided_level_wins_over_the_proposal(demo, clerk_item, staff_form):
    step = clerk_item.steps.first()
    point = make_point(form=staff_form, description="越级审批", level=3, likelihood=1, harm=1)
    point.final_level = 1
    point.final_reason = "集体审定提高"
    point.save()
    services.point_tie(by=demo["staff"], point=point, step=step)
    [chart_point] = selectors.chart_points(user=OPERATOR, items=[clerk_item])[clerk_item.pk]
    assert chart_point.level == 1 and chart_point.level_label == "一级（审定）"


def test_labels_are_escaped_and_the_svg_has_no_script(demo, gyrc, clerk_post):
    from tests.powers.conftest import add_steps, make_item

    item = make_item(unit=gyrc, post=clerk_post, name='<script>alert(1)</script>"onload="x')
    add_steps(item, ["<img src=x onerror=alert(1)>", "]]><svg onload=alert(2)>"])
    steps = list(item.steps.all())
    for svg in (charts.internal_chart(item, steps, []), charts.external_chart(item, steps)):
        assert "<script" not in svg.lower() and "<img" not in svg.lower()
        assert not re.search(r"<[^>]*\son\w+\s*=", svg)  # no event attribute on any element
        assert "<img src=x onerror=alert(1)>" in _svg_text(svg)  # shown as text
    assert "<script>alert(1)</script>" in _svg_text(charts.external_chart(item, steps))


def test_the_item_page_embeds_both_charts(login, demo, clerk_item):
    page = login(demo["staff"]).get(reverse("powers:item_detail", args=[clerk_item.pk]))
    html = page.content.decode()
    assert html.count('class="power-chart"') == 2
    assert "权力运行内部流程图" in html and "权力运行外部流程图" in html


def test_filler_ties_a_point_to_a_step_from_the_form_page(login, demo, clerk_item, staff_form):
    point = make_point(form=staff_form, description="用印把关不严")
    client = login(demo["staff"])
    form_page = client.get(reverse("risks:form_detail", args=[staff_form.pk])).content.decode()
    assert "职权事项与办理环节" in form_page and "登记用印" in form_page
    step = clerk_item.steps.get(name="登记用印")
    response = client.post(
        reverse("powers:point_tie", args=[staff_form.pk, point.pk]), {"step": step.pk}
    )
    assert response.status_code == 302
    assert StepRiskLink.objects.get(point=point).step == step
    chart = client.get(reverse("powers:item_detail", args=[clerk_item.pk])).content.decode()
    assert "用印把关不严" in _svg_text(chart)


def test_others_cannot_tie_and_steps_of_other_posts_are_refused(
    login, demo, gyrc, clerk_item, staff_form
):
    from tests.powers.conftest import add_steps, make_item
    from units.models import Post

    point = make_point(form=staff_form, description="用印把关不严")
    step = clerk_item.steps.first()
    url = reverse("powers:point_tie", args=[staff_form.pk, point.pk])
    assert login(demo["head"]).post(url, {"step": step.pk}).status_code == 403
    assert login(demo["staff2"]).post(url, {"step": step.pk}).status_code == 404
    driver = Post.objects.get(unit=gyrc, name="驾驶员")
    foreign = add_steps(make_item(unit=gyrc, post=driver, name="车辆使用"), ["派车"])[0]
    assert login(demo["staff"]).post(url, {"step": foreign.pk}).status_code == 403
    assert not StepRiskLink.objects.exists()


def test_network_chart_links_departments_items_and_points(demo, gyrc, clerk_item, staff_form):
    point = make_point(form=staff_form, description="印章外借", level=2)
    services.point_tie(by=demo["staff"], point=point, step=clerk_item.steps.first())
    departments = selectors.network(user=OPERATOR, unit=gyrc)
    svg = charts.network_chart(gyrc.name, departments)
    text = _svg_text(svg)
    assert "办公室" in text and clerk_item.name in text and "印章外借" in text
    assert charts.LEVEL_COLOURS[2][0] in svg
