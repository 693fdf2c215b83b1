"""Opening a screening round: which forms appear, for whom, and never twice."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from audit.enums import AuditAction
from audit.models import AuditEvent
from risks import selectors, services
from risks.models import RiskForm, Round
from tests.factories import ROUND_DEADLINES, make_department, make_person, make_post
from units.enums import PostTier
from units.models import Person, Post, Unit
from workflow.enums import FormState

pytestmark = pytest.mark.django_db


def _open(demo, gyrc, **kw):
    return services.round_open(
        unit=gyrc,
        year=2026,
        title=kw.pop("title", "2026年度廉政风险排查"),
        by=demo["office"],
        **{**ROUND_DEADLINES, **kw},
    )


def test_round_open_creates_forms_for_posts_departments_and_leadership(demo, gyrc):
    result = _open(demo, gyrc)
    forms = RiskForm.objects.filter(round=result.round)
    active_people = Person.objects.filter(unit=gyrc, active=True, post__isnull=False).count()
    departments = gyrc.departments.count()
    assert result.created_forms == forms.count() == active_people + departments + 1
    assert set(forms.values_list("state", flat=True)) == {FormState.DRAFT}
    staff = Person.objects.get(user=demo["staff"])
    assert forms.get(subject_kind="post", filler=staff).post == staff.post
    office_dept = gyrc.departments.get(name="办公室")
    assert forms.get(subject_kind="department", department=office_dept).filler == office_dept.head
    principal = Person.objects.get(user=demo["principal"])
    assert forms.get(subject_kind="leadership").filler == principal


def test_round_open_twice_creates_nothing_more(demo, gyrc):
    first = _open(demo, gyrc)
    count = RiskForm.objects.count()
    again = _open(demo, gyrc, self_check_deadline=datetime.date(2026, 3, 1))
    assert again.existed and again.created_forms == 0
    assert again.round == first.round
    assert RiskForm.objects.count() == count
    assert Round.objects.get().self_check_deadline == datetime.date(2026, 3, 1)
    assert services.round_create_missing_forms(round=first.round, by=demo["office"]) == 0


def test_round_creates_only_missing_forms_for_new_people(demo, gyrc):
    result = _open(demo, gyrc)
    dept = gyrc.departments.get(name="办公室")
    post = make_post(unit=gyrc, department=dept, name="档案管理")
    newcomer = make_person(unit=gyrc, department=dept, post=post)
    assert services.round_create_missing_forms(round=result.round, by=demo["office"]) == 1
    assert RiskForm.objects.filter(round=result.round, filler=newcomer).count() == 1


def test_person_with_concurrent_posts_gets_one_form_per_post(demo, gyrc):
    cashier = Person.objects.get(unit=gyrc, employee_no="000206")
    driver_post = Post.objects.get(unit=gyrc, name="驾驶员")
    archive = make_post(unit=gyrc, department=cashier.department, name="档案管理")
    cashier.concurrent_posts.add(driver_post, archive)
    result = _open(demo, gyrc)
    posts = set(
        RiskForm.objects.filter(round=result.round, filler=cashier).values_list(
            "post__name", flat=True
        )
    )
    assert posts == {"出纳", "驾驶员", "档案管理"}
    # The driver still has their own form for the same post.
    assert RiskForm.objects.filter(round=result.round, post=driver_post).count() == 2
    assert _open(demo, gyrc).created_forms == 0


def test_inactive_people_posts_and_vacant_posts_get_no_form(demo, gyrc):
    leaver = Person.objects.get(unit=gyrc, employee_no="000304")
    leaver.active = False
    leaver.save()
    closed = Person.objects.get(unit=gyrc, employee_no="000503").post
    Post.objects.filter(pk=closed.pk).update(active=False)
    vacant = make_post(unit=gyrc, department=make_department(unit=gyrc), name="空缺岗位")
    result = _open(demo, gyrc)
    forms = RiskForm.objects.filter(round=result.round)
    assert not forms.filter(filler=leaver).exists()
    assert not forms.filter(post=closed).exists()
    assert not forms.filter(post=vacant).exists()


def test_reassigned_post_form_is_not_recreated(demo, gyrc):
    result = _open(demo, gyrc)
    form = RiskForm.objects.get(round=result.round, filler__user=demo["staff"])
    other = Person.objects.get(user=demo["staff2"])
    services.form_reassign_filler(form=form, filler=other, by=demo["office"])
    assert services.round_create_missing_forms(round=result.round, by=demo["office"]) == 0


def test_home_gap_counts_the_post_forms_that_sync_would_create(demo, gyrc, login):
    """The office's home page counts in the database (missing_post_subjects) what 补建 would
    create from missing_forms: newcomers, concurrent posts (the main post once), not the
    inactive, not other units' posts, not a subject whose form was reassigned."""
    result = _open(demo, gyrc)
    form = RiskForm.objects.get(round=result.round, filler__user=demo["staff"])
    services.form_reassign_filler(
        form=form, filler=Person.objects.get(user=demo["staff2"]), by=demo["office"]
    )
    dept = gyrc.departments.get(name="办公室")
    archive = make_post(unit=gyrc, department=dept, name="档案管理")
    newcomers = [make_person(unit=gyrc, department=dept, post=archive) for _ in range(2)]
    cashier = Person.objects.get(unit=gyrc, employee_no="000206")
    cashier.concurrent_posts.add(archive, cashier.post)
    leaver = make_person(unit=gyrc, department=dept, post=archive)
    leaver.active = False
    leaver.save()
    closed = make_post(unit=gyrc, department=dept, name="已撤销岗位")
    make_person(unit=gyrc, department=dept, post=closed)
    Post.objects.filter(pk=closed.pk).update(active=False)

    expected = {
        (f.filler_id, f.post_id)
        for f in selectors.missing_forms(result.round)
        if f.subject_kind == "post"
    }
    assert expected == {(p.pk, archive.pk) for p in [*newcomers, cashier]}
    assert selectors.missing_post_subjects(result.round) == expected
    home = login(demo["office"]).get("/").content.decode()
    assert "3 人尚无一览表" in home and "1 个岗位" in home
    services.round_create_missing_forms(round=result.round, by=demo["office"])
    assert selectors.missing_post_subjects(result.round) == set()
    assert "尚无一览表" not in login(demo["office"]).get("/").content.decode()


@pytest.mark.parametrize("persona", ["staff", "head", "principal", "inspector", "admin"])
def test_only_the_integrity_office_opens_rounds(demo, gyrc, persona):
    with pytest.raises(PermissionDenied):
        services.round_open(unit=gyrc, year=2026, title="x", by=demo[persona], **ROUND_DEADLINES)
    assert not Round.objects.exists()


def test_office_cannot_open_round_for_another_unit(demo):
    with pytest.raises(PermissionDenied):
        services.round_open(
            unit=Unit.objects.get(code="GYRC-LZ"),
            year=2026,
            title="x",
            by=demo["office"],
            **ROUND_DEADLINES,
        )


# --- pages ------------------------------------------------------------------------------------


OPEN_FORM = {
    "title": "2026年度廉政风险排查",
    "year": "2026",
    "self_check_deadline": "2026-03-31",
    "dept_review_deadline": "2026-04-20",
    "mass_review_deadline": "2026-05-15",
    "collective_deadline": "2026-06-10",
    "notice_working_days": "5",
}


def test_round_open_page_opens_the_round_after_confirmation(client, demo, gyrc):
    client.force_login(demo["office"])
    page = client.get(reverse("risks:round_open"))
    assert "开启排查轮次" in page.content.decode()
    data = {"unit": gyrc.pk, **OPEN_FORM}
    check = client.post(reverse("risks:round_open"), data).content.decode()
    people = Person.objects.filter(unit=gyrc, active=True, post__isnull=False).count()
    departments = gyrc.departments.count()
    assert f"岗位一览表 {people} 张（{people} 人" in check
    assert f"部室一览表 {departments} 张" in check
    assert "领导班子一览表 1 张" in check
    assert f"确认开启并生成 {people + departments + 1} 张一览表" in check
    assert not Round.objects.exists()
    response = client.post(reverse("risks:round_open"), {**data, "confirmed": "1"}, follow=True)
    body = response.content.decode()
    assert "已开启“2026年度廉政风险排查”" in body
    assert "李晓燕" in body and "领导班子" in body and "赈济救护部" in body
    assert Round.objects.get().dept_review_deadline == datetime.date(2026, 4, 20)


def test_round_open_page_rejects_bad_input_in_chinese(client, demo, gyrc):
    client.force_login(demo["office"])
    response = client.post(
        reverse("risks:round_open"),
        {
            "unit": gyrc.pk,
            "title": "",
            "year": "abc",
            "self_check_deadline": "2026-05-01",
            "dept_review_deadline": "2026-04-01",
            "notice_working_days": "99",
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "不能早于" in body
    assert not Round.objects.exists()


@pytest.mark.parametrize("persona", ["staff", "head", "inspector", "admin"])
def test_round_pages_are_closed_to_others(client, demo, gyrc, persona):
    rnd = _open(demo, gyrc).round
    client.force_login(demo[persona])
    assert client.get(reverse("risks:round_open")).status_code == 404
    assert client.get(reverse("risks:round_list")).status_code == 404
    assert client.get(reverse("risks:round_detail", args=[rnd.pk])).status_code == 404
    assert client.post(reverse("risks:round_sync", args=[rnd.pk])).status_code == 404


def test_round_sync_button_is_idempotent(client, demo, gyrc):
    rnd = _open(demo, gyrc).round
    count = RiskForm.objects.count()
    client.force_login(demo["office"])
    response = client.post(reverse("risks:round_sync", args=[rnd.pk]), follow=True)
    assert "没有需要补建的" in response.content.decode()
    assert RiskForm.objects.count() == count


def test_office_reassigns_filler_of_a_draft_form(client, demo, gyrc):
    rnd = _open(demo, gyrc).round
    form = RiskForm.objects.get(round=rnd, subject_kind="leadership")
    leader = Person.objects.get(user=demo["leader"])
    client.force_login(demo["office"])
    response = client.post(
        reverse("risks:form_reassign", args=[form.pk]), {"filler": leader.pk}, follow=True
    )
    assert "填表人改为 王建国" in response.content.decode()
    form.refresh_from_db()
    assert form.filler == leader
    client.force_login(demo["leader"])
    assert client.get(reverse("risks:form_detail", args=[form.pk])).status_code == 200
    assert "新增风险点" in client.get(reverse("risks:form_detail", args=[form.pk])).content.decode()


def test_reassign_refuses_a_person_of_another_unit_and_non_office(client, demo, gyrc, outsider):
    rnd = _open(demo, gyrc).round
    form = RiskForm.objects.get(round=rnd, subject_kind="leadership")
    client.force_login(demo["office"])
    response = client.post(
        reverse("risks:form_reassign", args=[form.pk]), {"filler": outsider.person.pk}
    )
    assert "请选择本单位在岗的人员" in response.content.decode()
    client.force_login(demo["principal"])
    assert client.get(reverse("risks:form_reassign", args=[form.pk])).status_code == 403
    RiskForm.objects.filter(pk=form.pk).update(state=FormState.DEPT_REVIEW)
    client.force_login(demo["office"])
    assert client.get(reverse("risks:form_reassign", args=[form.pk])).status_code == 403
    form.refresh_from_db()
    assert form.filler.user == demo["principal"]


def test_leadership_post_tier_layout(demo, gyrc):
    rnd = _open(demo, gyrc).round
    principal_form = RiskForm.objects.get(round=rnd, post__tier=PostTier.PRINCIPAL)
    assert principal_form.layout_title == "党政一把手"


def test_round_open_without_deadlines_is_refused(client, demo, gyrc):
    client.force_login(demo["office"])
    data = {"unit": gyrc.pk, **OPEN_FORM, "confirmed": "1"}
    del data["mass_review_deadline"], data["collective_deadline"]
    body = client.post(reverse("risks:round_open"), data).content.decode()
    assert "请填写“群众评议截止”日期" in body and "请填写“集体审定截止”日期" in body
    assert not Round.objects.exists()
    with pytest.raises(ValidationError):
        services.round_open(unit=gyrc, year=2026, title="x", by=demo["office"])
    assert not Round.objects.exists()


def test_round_open_title_is_never_an_existing_rounds(client, demo, gyrc):
    _open(demo, gyrc)
    client.force_login(demo["office"])
    page = client.get(reverse("risks:round_open")).content.decode()
    assert 'value="2026年度廉政风险排查"' not in page
    body = client.post(
        reverse("risks:round_open"), {"unit": gyrc.pk, **OPEN_FORM, "confirmed": "1"}
    ).content.decode()
    assert "本单位已有“2026年度廉政风险排查”" in body
    assert Round.objects.count() == 1


def test_round_edit_page_changes_deadlines_and_is_audited(client, demo, gyrc):
    rnd = _open(demo, gyrc).round
    client.force_login(demo["office"])
    url = reverse("risks:round_edit", args=[rnd.pk])
    assert "修改截止日期和公示期" in client.get(url).content.decode()
    data = {k: v for k, v in OPEN_FORM.items() if k not in ("title", "year")}
    response = client.post(
        url, {**data, "collective_deadline": "2026-06-30", "notice_working_days": "7"}, follow=True
    )
    assert "已修改“2026年度廉政风险排查”的截止日期和公示期" in response.content.decode()
    rnd.refresh_from_db()
    assert (rnd.collective_deadline, rnd.notice_working_days) == (datetime.date(2026, 6, 30), 7)
    event = AuditEvent.objects.get(action=AuditAction.ROUND_CHANGE)
    assert event.details["changes"]["collective_deadline"] == ["2026-06-10", "2026-06-30"]
    client.force_login(demo["head"])
    assert client.get(url).status_code == 404


def test_round_page_marks_a_passed_deadline_while_forms_still_wait(client, demo, gyrc, settings):
    rnd = _open(demo, gyrc).round
    client.force_login(demo["office"])
    settings.RISKREG_TODAY_OFFSET_DAYS = (
        datetime.date(2026, 4, 2) - datetime.date.today()
    ).days  # two days after 自查填报截止 (2026-03-31)
    body = client.get(reverse("risks:round_detail", args=[rnd.pk])).content.decode()
    assert "2026-03-31 <span" in body and "逾期 2 天" in body
    assert "2026-04-20</dd>" in body  # 部室审核: not due yet
