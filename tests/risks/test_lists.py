"""我的一览表, 一览表查阅 and the round page: who sees which rows, and constant query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from risks import services
from risks.models import RiskForm
from tests.factories import ROUND_DEADLINES, make_form, make_point, make_post, make_round
from units.models import Department, Person
from workflow.enums import FormState

pytestmark = pytest.mark.django_db


def _queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params or {}).status_code == 200
    return len(ctx.captured_queries)


def _add_forms(rnd, person, n):
    """n more forms filled by `person`, each on its own post, each with a point."""
    for _ in range(n):
        post = make_post(unit=rnd.unit, department=person.department)
        form = make_form(round=rnd, post=post, filler=person)
        make_point(form=form)


def test_my_forms_lists_the_forms_i_fill(client, demo, staff_form):
    other = make_form(
        round=staff_form.round,
        post=Person.objects.get(user=demo["staff2"]).post,
        filler=Person.objects.get(user=demo["staff2"]),
    )
    client.force_login(demo["staff"])
    body = client.get(reverse("risks:my_forms")).content.decode()
    assert "综合文秘" in body and reverse("risks:form_detail", args=[staff_form.pk]) in body
    assert reverse("risks:form_detail", args=[other.pk]) not in body


def test_my_forms_costs_the_same_for_1_and_30_rows(client, demo, staff_form):
    client.force_login(demo["staff"])
    url = reverse("risks:my_forms")
    one = _queries(client, url)
    _add_forms(staff_form.round, Person.objects.get(user=demo["staff"]), 29)
    assert RiskForm.objects.filter(filler__user=demo["staff"]).count() == 30
    assert _queries(client, url) == one


def test_form_list_shows_only_readable_forms(client, demo, staff_form):
    staff2 = Person.objects.get(user=demo["staff2"])
    other_dept = make_form(round=staff_form.round, post=staff2.post, filler=staff2)
    client.force_login(demo["head"])
    body = client.get(reverse("risks:form_list")).content.decode()
    assert reverse("risks:form_detail", args=[staff_form.pk]) in body
    assert reverse("risks:form_detail", args=[other_dept.pk]) not in body


def test_form_list_filters_by_round_department_and_state(client, demo, staff_form):
    staff2 = Person.objects.get(user=demo["staff2"])
    other_dept = make_form(round=staff_form.round, post=staff2.post, filler=staff2)
    old_round = make_round(unit=staff_form.unit, year=2025)
    old = make_form(round=old_round, post=staff_form.post, filler=staff_form.filler)
    RiskForm.objects.filter(pk=old.pk).update(state=FormState.FILED)
    client.force_login(demo["office"])
    url = reverse("risks:form_list")

    def listed(params):
        body = client.get(url, params).content.decode()
        return {
            f.pk
            for f in (staff_form, other_dept, old)
            if reverse("risks:form_detail", args=[f.pk]) in body
        }

    # By default the current round only, so that two rounds never mix unseen; "" = all rounds.
    assert listed({}) == {staff_form.pk, other_dept.pk}
    assert listed({"round": ""}) == {staff_form.pk, other_dept.pk, old.pk}
    assert listed({"round": old_round.pk}) == {old.pk}
    office = Department.objects.get(unit=staff_form.unit, name="办公室")
    assert listed({"round": "", "department": office.pk}) == {staff_form.pk, old.pk}
    assert listed({"round": "", "state": "filed"}) == {old.pk}
    # Nonsense filters are ignored, never an error page.
    assert listed({"round": "abc", "state": "nonsense"}) == {staff_form.pk, other_dept.pk, old.pk}


def test_form_list_pages_keep_the_filter_and_cover_every_form(client, demo, staff_form):
    _add_forms(staff_form.round, Person.objects.get(user=demo["staff"]), 59)
    client.force_login(demo["office"])
    url = reverse("risks:form_list")
    every = set(RiskForm.objects.filter(state=FormState.DRAFT).values_list("pk", flat=True))
    assert len(every) == 60

    first = client.get(url, {"state": "draft"}).content.decode()
    second = client.get(url, {"state": "draft", "page": 2}).content.decode()

    assert "共 60 张，第 1 / 2 页" in first and "?state=draft&amp;page=2" in first

    def listed(body):
        return {pk for pk in every if reverse("risks:form_detail", args=[pk]) in body}

    assert len(listed(first)) == 50 and listed(first) | listed(second) == every


def test_form_list_costs_the_same_for_1_and_30_rows(client, demo, staff_form):
    client.force_login(demo["office"])
    url = reverse("risks:form_list")
    one = _queries(client, url)
    _add_forms(staff_form.round, Person.objects.get(user=demo["staff"]), 29)
    assert _queries(client, url) == one


def test_round_page_costs_the_same_for_few_and_many_forms(client, demo, gyrc):
    rnd = services.round_open(
        unit=gyrc, year=2026, title="轮次", by=demo["office"], **ROUND_DEADLINES
    ).round
    client.force_login(demo["office"])
    url = reverse("risks:round_detail", args=[rnd.pk])
    before = _queries(client, url)
    _add_forms(rnd, Person.objects.get(user=demo["staff"]), 10)
    assert _queries(client, url) == before


def test_round_page_lists_a_large_round_a_hundred_forms_at_a_time(client, demo, gyrc, monkeypatch):
    """Past a page of forms the round page pages them and offers the department and state
    filters; the counts above still cover the whole round."""
    from risks import views

    monkeypatch.setattr(views, "ROUND_PAGE_FORMS", 10)
    rnd = services.round_open(
        unit=gyrc, year=2026, title="轮次", by=demo["office"], **ROUND_DEADLINES
    ).round
    staff = Person.objects.get(user=demo["staff"])
    _add_forms(rnd, staff, 12)
    forms = RiskForm.objects.filter(round=rnd)
    total = forms.count()
    client.force_login(demo["office"])
    url = reverse("risks:round_detail", args=[rnd.pk])

    def listed(body):
        return {pk for pk in forms.values_list("pk", flat=True) if f"/forms/{pk}/" in body}

    first = client.get(url).content.decode()
    assert f"自查填报 {total} 张" in first and f"共 {total} 张" in first
    assert "更换填表人" in first and 'aria-label="筛选本轮次的一览表"' in first
    seen = set()
    pages = -(-total // 10)
    for number in range(1, pages + 1):
        page = listed(client.get(url, {"page": number}).content.decode())
        assert len(page) == (10 if number < pages else total - 10 * (pages - 1))
        seen |= page
    assert seen == set(forms.values_list("pk", flat=True))

    office = staff.department
    body = client.get(url, {"group": office.pk}).content.decode()
    in_office = forms.filter(department=office).count()
    assert in_office > 10
    assert f"{office.name}（{in_office}）" in body and f"符合条件的 {in_office} 张" in body
    assert listed(body) <= set(forms.filter(department=office).values_list("pk", flat=True))
    leadership = client.get(url, {"group": "leadership"}).content.decode()
    assert listed(leadership) == set(
        forms.filter(department__isnull=True).values_list("pk", flat=True)
    )
    assert "领导班子（三重一大）" in leadership
    RiskForm.objects.filter(pk=forms.first().pk).update(state=FormState.DEPT_REVIEW)
    body = client.get(url, {"state": FormState.DEPT_REVIEW}).content.decode()
    assert listed(body) == {forms.first().pk} and "符合条件的 1 张" in body
    assert "没有符合条件的一览表" in client.get(url, {"state": FormState.FILED}).content.decode()


def test_round_page_of_a_small_round_lists_every_form_without_filters(client, demo, gyrc):
    rnd = services.round_open(
        unit=gyrc, year=2026, title="轮次", by=demo["office"], **ROUND_DEADLINES
    ).round
    client.force_login(demo["office"])
    body = client.get(reverse("risks:round_detail", args=[rnd.pk])).content.decode()
    for pk in RiskForm.objects.filter(round=rnd).values_list("pk", flat=True):
        assert reverse("risks:form_detail", args=[pk]) in body
    assert "筛选本轮次的一览表" not in body and "下一页" not in body


def test_home_shows_forms_to_fill_with_count_and_links(client, demo, staff_form):
    client.force_login(demo["staff"])
    body = client.get(reverse("home")).content.decode()
    assert "待填报的一览表" in body
    assert reverse("risks:form_detail", args=[staff_form.pk]) in body
    RiskForm.objects.filter(pk=staff_form.pk).update(state=FormState.DEPT_REVIEW)
    body = client.get(reverse("home")).content.decode()
    assert reverse("risks:form_detail", args=[staff_form.pk]) not in body
    assert "目前没有需要您办理的事项" in body


@pytest.mark.parametrize(
    ("persona", "expected", "absent"),
    [
        ("staff", ["我的一览表"], ["一览表查阅", "排查轮次"]),
        ("head", ["我的一览表", "一览表查阅"], ["排查轮次"]),
        ("inspector", ["一览表查阅"], ["排查轮次"]),
        ("office", ["我的一览表", "一览表查阅", "排查轮次"], []),
    ],
)
def test_navigation_links(client, demo, persona, expected, absent):
    client.force_login(demo[persona])
    nav = client.get(reverse("home")).content.decode().split("</nav>")[0]
    for label in expected:
        assert label in nav, label
    for label in absent:
        assert label not in nav, label
