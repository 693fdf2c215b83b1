"""The role resolver, for every role, over units, departments and posts, and for sub-units."""

import pytest

from access import rules as access
from tests.factories import make_department, make_grant, make_person, make_post, make_unit
from units.enums import GrantedRole, PostTier, Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    city = make_unit(code="CITY")
    county = make_unit(code="COUNTY", parent=city)
    office = make_department(unit=city, name="办公室")
    relief = make_department(unit=city, name="赈济救护部")
    principal_post = make_post(unit=city, name="党组书记", tier=PostTier.PRINCIPAL)
    leader_post = make_post(unit=city, name="秘书长", tier=PostTier.LEADER)
    head_post = make_post(unit=city, department=office, name="办公室主任", tier=PostTier.MIDDLE)
    clerk_post = make_post(unit=city, department=office, name="文秘")
    cashier_post = make_post(unit=city, department=office, name="出纳", is_key=True)
    relief_post = make_post(unit=city, department=relief, name="物资管理")
    county_post = make_post(unit=county, name="会长", tier=PostTier.PRINCIPAL)
    p = {
        "principal": make_person(unit=city, post=principal_post),
        "leader": make_person(unit=city, post=leader_post),
        "head": make_person(unit=city, department=office, post=head_post),
        "clerk": make_person(unit=city, department=office, post=clerk_post),
        "relief": make_person(unit=city, department=relief, post=relief_post),
        "countyman": make_person(unit=county, post=county_post),
    }
    office.head, office.supervisor = p["head"], p["leader"]
    office.save()
    return {
        "city": city, "county": county, "office": office, "relief": relief,
        "principal_post": principal_post, "leader_post": leader_post, "clerk_post": clerk_post,
        "cashier_post": cashier_post, "relief_post": relief_post, "county_post": county_post, **p,
    }  # fmt: skip


def test_post_holder_over_own_post_only(org):
    assert Role.POST_HOLDER in access.roles_over_post(org["clerk"], org["clerk_post"])
    assert Role.POST_HOLDER not in access.roles_over_post(org["clerk"], org["cashier_post"])
    assert Role.DEPT_MEMBER in access.roles_over_post(org["clerk"], org["cashier_post"])
    assert access.roles_over_post(org["clerk"], org["relief_post"]) == {Role.MEMBER}


def test_concurrent_post_counts_as_held(org):
    org["clerk"].concurrent_posts.add(org["cashier_post"])
    assert Role.POST_HOLDER in access.roles_over_post(org["clerk"], org["cashier_post"])


def test_department_head_over_department_and_its_posts(org):
    assert Role.DEPT_HEAD in access.roles_over_department(org["head"], org["office"])
    assert Role.DEPT_HEAD in access.roles_over_post(org["head"], org["clerk_post"])
    assert Role.DEPT_HEAD not in access.roles_over_department(org["head"], org["relief"])
    assert Role.DEPT_HEAD not in access.roles_over_post(org["head"], org["relief_post"])


def test_supervising_leader_over_supervised_department_only(org):
    assert Role.SUPERVISOR in access.roles_over_department(org["leader"], org["office"])
    assert Role.SUPERVISOR in access.roles_over_post(org["leader"], org["cashier_post"])
    assert Role.SUPERVISOR not in access.roles_over_department(org["leader"], org["relief"])
    assert Role.LEADER in access.roles_over_unit(org["leader"], org["city"])


def test_principal_over_own_unit_and_leaders_posts(org):
    assert Role.PRINCIPAL in access.roles_over_unit(org["principal"], org["city"])
    assert Role.PRINCIPAL in access.roles_over_post(org["principal"], org["relief_post"])
    assert Role.SUPERVISOR in access.roles_over_post(org["principal"], org["leader_post"])
    assert Role.PRINCIPAL not in access.roles_over_unit(org["principal"], org["county"])
    assert access.roles_over_post(org["principal"], org["county_post"]) == set()


@pytest.mark.parametrize(
    "role",
    [
        GrantedRole.INTEGRITY_OFFICE,
        GrantedRole.INSPECTOR,
        GrantedRole.SYSTEM_ADMIN,
        GrantedRole.AUDIT_ADMIN,
    ],
)
def test_granted_role_applies_to_its_unit_only(org, role):
    make_grant(person=org["clerk"], role=role, unit=org["city"])
    assert Role(role) in access.roles_over_unit(org["clerk"], org["city"])
    assert Role(role) in access.roles_over_department(org["clerk"], org["relief"])
    assert Role(role) in access.roles_over_post(org["clerk"], org["relief_post"])
    assert Role(role) not in access.roles_over_unit(org["clerk"], org["county"])
    assert Role(role) not in access.roles_over_post(org["clerk"], org["county_post"])


def test_inspector_with_subunits_covers_sub_units(org):
    make_grant(
        person=org["clerk"], role=GrantedRole.INSPECTOR, unit=org["city"], include_subunits=True
    )
    assert Role.INSPECTOR in access.roles_over_unit(org["clerk"], org["county"])
    assert Role.INSPECTOR in access.roles_over_post(org["clerk"], org["county_post"])
    units = access.granted_units(org["clerk"].user, GrantedRole.INSPECTOR)
    assert {u.code for u in units} == {"CITY", "COUNTY"}


def test_grant_on_sub_unit_does_not_reach_parent(org):
    make_grant(
        person=org["countyman"],
        role=GrantedRole.INSPECTOR,
        unit=org["county"],
        include_subunits=True,
    )
    assert access.roles_over_unit(org["countyman"], org["city"]) == set()


def test_inactive_person_holds_no_role(org):
    make_grant(person=org["clerk"], role=GrantedRole.INSPECTOR, unit=org["city"])
    org["clerk"].active = False
    org["clerk"].save()
    assert access.roles_over_unit(org["clerk"], org["city"]) == set()
    assert access.person_for(org["clerk"].user) is None


def test_outsider_holds_nothing_over_other_unit(org):
    assert access.roles_over_department(org["countyman"], org["office"]) == set()
    assert access.roles_over_post(org["countyman"], org["clerk_post"]) == set()


def test_admin_entry_follows_grants(org):
    assert not access.may_enter_admin(org["clerk"].user)
    make_grant(person=org["head"], role=GrantedRole.AUDIT_ADMIN, unit=org["city"])
    make_grant(person=org["leader"], role=GrantedRole.SYSTEM_ADMIN, unit=org["city"])
    assert access.may_enter_admin(org["head"].user)
    assert not access.may_manage_org(org["head"].user)
    assert access.may_manage_org(org["leader"].user)
    assert access.managed_unit_ids(org["leader"].user) == {org["city"].pk}


def test_holdings_cost_fixed_queries(org, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        for post in (
            org["clerk_post"],
            org["cashier_post"],
            org["relief_post"],
            org["leader_post"],
        ):
            access.roles_over_post(org["principal"], post)
