import pytest
from django.urls import reverse

from units.models import Department, Person, Post, RoleGrant, Unit

pytestmark = pytest.mark.django_db

ADMIN_MODELS = [Unit, Department, Post, Person, RoleGrant]


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda m: m.__name__)
def test_admin_changelist_renders_for_system_admin(client, demo, model):
    client.force_login(demo["admin"])
    url = reverse(f"admin:units_{model._meta.model_name}_changelist")
    response = client.get(url)
    assert response.status_code == 200
    assert str(model._meta.verbose_name_plural) in response.content.decode()


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda m: m.__name__)
def test_admin_change_form_renders(client, demo, model):
    client.force_login(demo["admin"])
    obj = model.objects.first()
    response = client.get(reverse(f"admin:units_{model._meta.model_name}_change", args=[obj.pk]))
    assert response.status_code == 200


def test_account_changelist_renders(client, demo):
    client.force_login(demo["admin"])
    body = client.get(reverse("admin:auth_user_changelist")).content.decode()
    assert "demo_staff" in body


def test_unit_tree_shows_sub_unit_indented_with_counts(client, demo):
    client.force_login(demo["admin"])
    body = client.get(reverse("admin:units_unit_changelist")).content.decode()
    assert "└ 广元市利州区红十字会" in body
    assert "22 人" in body


def test_person_search_by_name(client, demo):
    client.force_login(demo["admin"])
    body = client.get(reverse("admin:units_person_changelist"), {"q": "黄海燕"}).content.decode()
    assert "000302" in body and "000203" not in body


@pytest.mark.parametrize("persona", ["staff", "head", "principal", "inspector"])
def test_admin_closed_to_non_admins(client, demo, persona):
    client.force_login(demo[persona])
    assert client.get(reverse("admin:units_person_changelist")).status_code == 403
    assert client.get(reverse("admin:index")).status_code == 403


def test_admin_sends_anonymous_visitor_to_the_login_page(client, db):
    response = client.get(reverse("admin:units_person_changelist"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("login"))


def test_audit_admin_cannot_manage_org(client, demo):
    client.force_login(demo["auditor"])
    assert client.get(reverse("admin:units_person_changelist")).status_code == 403


def test_admin_add_person_creates_login_without_usable_password(client, demo):
    client.force_login(demo["admin"])
    gyrc = Unit.objects.get(code="GYRC")
    office = gyrc.departments.get(name="办公室")
    response = client.post(
        reverse("admin:units_person_add"),
        {
            "unit": gyrc.pk, "employee_no": "000999", "name": "新同事", "department": office.pk,
            "post": "", "job_title": "科员", "phone": "13900000999", "email": "", "active": "on",
            "role_grants-TOTAL_FORMS": "0", "role_grants-INITIAL_FORMS": "0",
        },
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    person = Person.objects.get(unit=gyrc, employee_no="000999")
    assert person.user.username == "gyrc-000999"
    assert not person.user.has_usable_password()


def test_admin_scoped_to_managed_units(client, demo):
    """A system admin of the sub-unit sees only the sub-unit's people."""
    lz = Unit.objects.get(code="GYRC-LZ")
    lz_person = Person.objects.get(unit=lz, employee_no="LZ0005")
    RoleGrant.objects.create(person=lz_person, role="system_admin", unit=lz)
    lz_person.user.set_password("x-Pass-2026!")
    lz_person.user.save()
    client.force_login(lz_person.user)
    body = client.get(reverse("admin:units_person_changelist")).content.decode()
    assert "LZ0004" in body and "000203" not in body
    gyrc_person = Person.objects.get(employee_no="000203")
    response = client.get(reverse("admin:units_person_change", args=[gyrc_person.pk]))
    assert response.status_code in (302, 403, 404)


def test_person_changelist_queries_do_not_grow_with_the_rows(
    client, demo, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import make_department, make_person, make_post

    client.force_login(demo["admin"])
    unit = Unit.objects.get(code="GYRC")
    url = reverse("admin:units_person_changelist") + f"?unit__id__exact={unit.pk}"
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for n in range(30):  # 30 more people, each in a department of their own
        dept = make_department(unit=unit, name=f"临时科室{n}")
        make_person(unit=unit, department=dept, post=make_post(unit=unit, department=dept))
    with CaptureQueriesContext(connection) as many:
        body = client.get(url).content.decode()
    assert "临时科室29" in body
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_person_list_pages_show_everyone_once_in_order(client, demo):
    """Each page of the person list (first, middle, last; units.admin.KeysFirstPaginator) shows
    the people the list's order puts there: the pages together are the whole list, once."""
    import re

    from django.contrib import admin
    from django.contrib.auth.models import User
    from django.test import RequestFactory

    from tests.factories import make_person

    unit = Unit.objects.get(code="GYRC")
    for n in range(15):
        make_person(unit=unit, employee_no=f"9{n:05d}")
    person_admin = admin.site._registry[Person]
    request = RequestFactory().get("/")
    request.user = User.objects.get(pk=demo["admin"].pk)
    expected = [
        p.employee_no
        for p in person_admin.get_queryset(request).order_by(*Person._meta.ordering, "-pk")
    ]
    client.force_login(demo["admin"])
    url = reverse("admin:units_person_changelist")
    per_page, person_admin.list_per_page = person_admin.list_per_page, 7
    try:
        pages = -(-len(expected) // 7)
        shown = []
        for number in range(1, pages + 1):
            body = client.get(url, {"p": number}).content.decode()
            shown += re.findall(r'<th class="field-employee_no"><a [^>]*>([^<]+)</a>', body)
    finally:
        person_admin.list_per_page = per_page
    assert pages >= 5
    assert shown == expected
