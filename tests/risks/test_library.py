"""The risk library: shipped by a migration, kept by the integrity office in the admin."""

import pytest
from django.urls import reverse

from risks.enums import CATEGORIES_BY_SUBJECT
from risks.models import LibraryEntry

pytestmark = pytest.mark.django_db


def test_starter_library_has_at_least_40_entries_with_measures():
    entries = list(LibraryEntry.objects.prefetch_related("measures"))
    assert len(entries) >= 40
    for entry in entries:
        entry.full_clean()
        assert entry.measures.all(), entry.description
        assert entry.category in CATEGORIES_BY_SUBJECT[entry.subject_kind]
    kinds = {e.subject_kind for e in entries}
    assert kinds == {"post", "department", "leadership"}
    text = " ".join(e.description for e in entries)
    for topic in ["报销", "采购", "救助对象", "捐赠", "公务用车", "接待", "统计数据", "干部选拔"]:
        assert topic in text, topic


def test_office_maintains_the_library_in_the_admin(client, demo):
    client.force_login(demo["office"])
    assert client.get(reverse("admin:index")).status_code == 200
    changelist = client.get(reverse("admin:risks_libraryentry_changelist"))
    assert changelist.status_code == 200
    assert "风险点库" in changelist.content.decode()
    response = client.post(
        reverse("admin:risks_libraryentry_add"),
        {
            "subject_kind": "post",
            "category": "process",
            "description": "档案借阅不登记，档案遗失或被篡改。",
            "keywords": "档案",
            "likelihood": "1",
            "harm": "2",
            "active": "on",
            "order": "100",
            "measures-TOTAL_FORMS": "1",
            "measures-INITIAL_FORMS": "0",
            "measures-0-order": "1",
            "measures-0-text": "档案借阅实行登记审批。",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    entry = LibraryEntry.objects.get(description__startswith="档案借阅")
    assert entry.suggested_level == 3
    assert [m.text for m in entry.measures.all()] == ["档案借阅实行登记审批。"]


def test_office_sees_no_org_chart_in_the_admin(client, demo):
    client.force_login(demo["office"])
    assert client.get(reverse("admin:units_person_changelist")).status_code == 403


@pytest.mark.parametrize("persona", ["admin", "auditor"])
def test_system_and_audit_admins_see_no_risk_content(client, demo, persona):
    client.force_login(demo[persona])
    index = client.get(reverse("admin:index")).content.decode()
    assert "风险点库" not in index and "排查轮次" not in index
    assert client.get(reverse("admin:risks_libraryentry_changelist")).status_code == 403
    assert client.get(reverse("admin:risks_round_changelist")).status_code == 403


def test_wrong_category_for_subject_kind_is_refused_in_the_admin(client, demo):
    client.force_login(demo["office"])
    response = client.post(
        reverse("admin:risks_libraryentry_add"),
        {
            "subject_kind": "department",
            "category": "moral",
            "description": "x",
            "likelihood": "1",
            "harm": "1",
            "order": "0",
            "measures-TOTAL_FORMS": "0",
            "measures-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "该类别不适用于所选的适用对象" in response.content.decode()
