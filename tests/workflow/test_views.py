"""The chain's screens: 403 for a forbidden action, 404 out of scope, the queues, rating
anonymity on every page a filler or leader can reach, filed forms locked in the admin."""

import datetime
import re

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from risks.models import Measure, RiskForm, RiskPoint
from tests.factories import make_person
from tests.workflow.conftest import act, decide, person_of, to_mass_review
from workflow import selectors, services
from workflow.enums import Action, FormState, RatingVerdict
from workflow.models import Signature, TransitionLog

pytestmark = pytest.mark.django_db


def post_action(client, form, action, comment=""):
    return client.post(
        reverse("workflow:act", args=[form.pk]),
        {"action": action, "comment": comment, "confirmed": "1"},
    )


def test_forbidden_action_answers_403_and_changes_nothing(demo, forms, login):
    form = forms["post"]
    act(form, Action.SUBMIT, demo["staff"])

    response = post_action(login(demo["staff"]), form, "pass")

    assert response.status_code == 403
    form.refresh_from_db()
    assert form.state == FormState.DEPT_REVIEW
    assert form.transition_logs.count() == 1


def test_inspector_reads_but_may_not_act(demo, forms, login):
    form = forms["post"]
    act(form, Action.SUBMIT, demo["staff"])
    client = login(demo["inspector"])

    assert client.get(reverse("risks:form_detail", args=[form.pk])).status_code == 200
    assert post_action(client, form, "pass").status_code == 403


def test_out_of_scope_form_answers_404(demo, forms, outsider, login):
    form = forms["post"]
    act(form, Action.SUBMIT, demo["staff"])
    client = login(outsider)

    assert client.get(reverse("risks:form_detail", args=[form.pk])).status_code == 404
    assert post_action(client, form, "pass").status_code == 404
    form.refresh_from_db()
    assert form.state == FormState.DEPT_REVIEW


def test_head_passes_from_the_form_page(demo, forms, login):
    form = forms["post"]
    act(form, Action.SUBMIT, demo["staff"])
    client = login(demo["head"])

    page = client.get(reverse("risks:form_detail", args=[form.pk])).content.decode()
    assert "审核通过" in page and "退回修改" in page

    response = post_action(client, form, "pass")
    assert response.status_code == 302
    form.refresh_from_db()
    assert form.state == FormState.MASS_REVIEW


def test_return_without_reason_is_refused_with_a_message(demo, forms, login):
    form = forms["post"]
    act(form, Action.SUBMIT, demo["staff"])

    response = login(demo["head"]).post(
        reverse("workflow:act", args=[form.pk]),
        {"action": "return_to_draft", "comment": ""},
        follow=True,
    )

    assert "请填写理由" in response.content.decode()
    form.refresh_from_db()
    assert form.state == FormState.DEPT_REVIEW


def test_review_queue_pass_all_selected(demo, forms, login):
    for key in ("post",):
        act(forms[key], Action.SUBMIT, demo["staff"])
    client = login(demo["head"])
    page = client.get(reverse("workflow:review_queue")).content.decode()
    assert forms["post"].subject_title in page

    client.post(reverse("workflow:review_queue"), {"form_ids": [forms["post"].pk]})

    forms["post"].refresh_from_db()
    assert forms["post"].state == FormState.MASS_REVIEW
    assert Signature.objects.filter(form=forms["post"], kind="dept_head").exists()


def test_review_queue_post_ignores_forms_not_in_the_queue(demo, forms, login):
    act(forms["head_post"], Action.SUBMIT, demo["head"])  # reviewed by the leader, not the head

    login(demo["head"]).post(
        reverse("workflow:review_queue"), {"form_ids": [forms["head_post"].pk]}
    )

    forms["head_post"].refresh_from_db()
    assert forms["head_post"].state == FormState.DEPT_REVIEW


@pytest.fixture
def five_in_review(demo, rnd, monkeypatch):
    """Five forms of new staff of the head's department waiting for review, two per page."""
    from tests.workflow.test_queries import staff_forms

    monkeypatch.setattr("workflow.views.QUEUE_PAGE_SIZE", 2)
    forms = staff_forms(demo, rnd, 5)
    for form in forms:
        act(form, Action.SUBMIT, form.filler.user)
    return forms


def _queue_titles(response) -> list[str]:
    return [f.subject_title for f in response.context["forms"]]


def test_review_queue_shows_the_remaining_forms_on_the_next_pages(demo, five_in_review, login):
    client = login(demo["head"])
    url = reverse("workflow:review_queue")

    pages = [client.get(url, {"page": n}) for n in (1, 2, 3)]

    titles = [_queue_titles(page) for page in pages]
    assert [len(t) for t in titles] == [2, 2, 1]
    assert sorted(t for page in titles for t in page) == sorted(
        f.subject_title for f in five_in_review
    )
    first = pages[0].content.decode()
    assert "共 5 张，本页为第 1–2 张" in first
    assert 'href="?page=3"' in first
    assert titles[1][0] in pages[1].content.decode()
    assert titles[1][0] not in first


def test_review_queue_row_says_enough_to_decide(demo, five_in_review, login):
    form = five_in_review[0]
    response = login(demo["head"]).get(reverse("workflow:review_queue"))
    page = response.content.decode()
    row = next(f for f in response.context["forms"] if f.pk == form.pk)
    assert row.n_points == 2  # complete_form: two points, both proposed at level 2
    assert [(c.label, c.count) for c in row.level_counts] == [("二级", 2)]
    assert row.since is not None
    assert reverse("risks:form_detail", args=[form.pk]) in page
    assert form.filler.name in page
    assert "风险点1" not in page  # the points themselves are on the form page


def test_review_queue_batch_on_a_page_passes_exactly_the_selected(demo, five_in_review, login):
    client = login(demo["head"])
    url = reverse("workflow:review_queue")
    on_page_two = client.get(url, {"page": 2}).context["forms"]
    chosen = on_page_two[0]

    response = client.post(url, {"form_ids": [chosen.pk], "comment": "同意", "page": "2"})

    assert response.status_code == 302 and response["Location"] == f"{url}?page=2"
    passed = RiskForm.objects.filter(
        pk__in=[f.pk for f in five_in_review], state=FormState.MASS_REVIEW
    )
    assert list(passed) == [chosen]
    assert TransitionLog.objects.get(form=chosen, action=Action.PASS).comment == "同意"
    assert len(client.get(url, {"page": 3}).context["forms"]) == 2  # four left: pages 1–2


def test_review_queue_return_with_reason_from_the_row(demo, five_in_review, login):
    form = five_in_review[0]
    client = login(demo["head"])
    page = client.get(reverse("workflow:review_queue")).content.decode()
    assert "退回理由（必填）" in page

    post_action(client, form, "return_to_draft", comment="请补充防控措施")

    form.refresh_from_db()
    assert form.state == FormState.DRAFT


def test_sign_queue_signs_the_selected_forms(demo, forms, rnd, meeting, login):
    from tests.workflow.conftest import to_collective

    form = to_collective(demo, forms, "post", rnd)
    decide(demo, form, meeting)
    client = login(demo["leader"])
    page = client.get(reverse("workflow:sign_queue")).content.decode()
    assert form.subject_title in page
    assert "分管领导签字" in page  # the line this leader signs

    client.post(reverse("workflow:sign_queue"), {"form_ids": [form.pk]})

    assert Signature.objects.filter(form=form, kind="supervisor", name="王建国").exists()


# ------------------------------------------------------------------ rating anonymity

RATERS = ["评议人甲乙", "评议人丙丁"]


@pytest.fixture
def rated(demo, forms, rnd, meeting):
    """The staff's form rated by two colleagues with unmistakable names, then decided."""
    form = to_mass_review(demo, forms, "post")
    window, _ = services.rating_window_open(
        actor=demo["office"], round=rnd, deadline=timezone.now() + datetime.timedelta(days=1)
    )
    staff = person_of(demo["staff"])
    for name in RATERS:
        rater = make_person(unit=staff.unit, department=staff.department, name=name)
        for point in form.points.all():
            services.rating_save(
                window=window,
                point=point,
                rater=rater,
                verdict=RatingVerdict.AGREE,
                comment=f"说明来自同事{point.pk}",
            )
    return form, window


def test_raters_see_and_change_their_own_rating(demo, rated, login):
    form, window = rated
    client = login(demo["staff2"])
    response = client.get(reverse("workflow:rate_form", args=[form.pk]))
    assert response.status_code == 200
    data = {f"verdict-{p.pk}": "too_low" for p in form.points.all()}
    client.post(reverse("workflow:rate_form", args=[form.pk]), data)
    assert window.ratings.filter(rater=person_of(demo["staff2"]), verdict="too_low").count() == 2


def test_rating_pages_count_points_and_ratings(demo, rated, login):
    """The rater's list shows how many points of each form they have rated; the office's
    window list how many forms and ratings the window holds (2 raters × 2 points)."""
    form, window = rated
    staff2 = person_of(demo["staff2"])
    services.rating_save(
        window=window, point=form.points.first(), rater=staff2, verdict=RatingVerdict.AGREE
    )
    row = re.search(
        rf"<td>{re.escape(form.subject_title)}</td><td[^>]*>[^<]*</td><td>(\d+) / (\d+)</td>",
        login(demo["staff2"]).get(reverse("workflow:rating_list")).content.decode(),
    )
    assert row and row.groups() == ("1", "2")
    page = login(demo["office"]).get(reverse("workflow:rating_windows")).content.decode()
    assert re.search(r"<td>1</td><td>5</td>", page)


def test_rating_counts_on_the_lists_follow_each_rating(demo, forms, rnd, login):
    form = to_mass_review(demo, forms, "post")
    window, _ = services.rating_window_open(
        actor=demo["office"], round=rnd, deadline=timezone.now() + datetime.timedelta(days=1)
    )
    rater = login(demo["staff2"])
    first, second = form.points.all()
    rater.post(reverse("workflow:rate_form", args=[form.pk]), {f"verdict-{first.pk}": "agree"})

    listed = {f.pk: f for f in rater.get(reverse("workflow:rating_list")).context["forms"]}
    assert (listed[form.pk].n_rated, listed[form.pk].n_points) == (1, 2)
    counts = {i.label: i.count for i in selectors.worklist(demo["staff2"])}
    assert counts["待评议（群众评议）"] == 1  # one point still to rate

    rater.post(reverse("workflow:rate_form", args=[form.pk]), {f"verdict-{second.pk}": "too_low"})
    counts = {i.label: i.count for i in selectors.worklist(demo["staff2"])}
    assert counts["待评议（群众评议）"] == 0
    office = login(demo["office"]).get(reverse("workflow:rating_windows"))
    shown = next(w for w in office.context["windows"] if w.pk == window.pk)
    assert (shown.n_forms, shown.n_ratings) == (window.forms.count(), 2)


def test_filler_may_not_rate_own_form(demo, rated, login):
    form, _ = rated
    response = login(demo["staff"]).get(reverse("workflow:rate_form", args=[form.pk]))
    assert response.status_code == 403


def test_no_page_a_filler_or_leader_reaches_shows_a_rater(demo, rated, rnd, meeting, login):
    form, window = rated
    services.rating_window_close(window=window, actor=demo["office"])
    form.refresh_from_db()
    decide(demo, form, meeting)
    urls = [
        reverse("home"),
        reverse("risks:form_detail", args=[form.pk]),
        reverse("risks:my_forms"),
        reverse("workflow:rating_list"),
        reverse("workflow:sign_queue"),
        reverse("workflow:review_queue"),
        reverse("workflow:notice_register"),
        reverse("workflow:filed_register"),
        reverse("workflow:notifications"),
        reverse("workflow:collective"),
        reverse("workflow:board"),
    ]
    seen_tally = False
    for persona in ("staff", "head", "leader", "principal", "office", "inspector"):
        client = login(demo[persona])
        for url in urls:
            response = client.get(url)
            html = response.content.decode()
            for name in RATERS:
                assert name not in html, (persona, url)
            seen_tally |= f"说明来自同事{form.points.first().pk}" in html
    assert seen_tally  # the comments are shown, only the raters are not


# ------------------------------------------------------------------ filed forms in the admin


def filed_form(demo, forms, rnd, meeting):
    from tests.workflow.conftest import to_collective

    form = to_collective(demo, forms, "post", rnd)
    decide(demo, form, meeting)
    act(form, Action.SIGN_SUPERVISOR, demo["leader"])
    act(form, Action.SIGN_PRINCIPAL, demo["principal"])
    act(
        form,
        Action.PUBLISH,
        demo["office"],
        published_on=timezone.localdate() - datetime.timedelta(days=20),
    )
    act(form, Action.FILE, demo["office"])
    return form


def test_filed_forms_refuse_changes_in_every_registered_admin(demo, forms, rnd, meeting):
    from django.contrib.auth.models import User

    form = filed_form(demo, forms, rnd, meeting)
    root = User.objects.create_superuser("root", "root@example.org", "Root-pass-2026")
    request = RequestFactory().get("/admin/")
    request.user = root
    point = form.points.first()
    objects = {
        RiskForm: form,
        RiskPoint: point,
        Measure: point.measures.first(),
        Signature: form.signatures.first(),
        TransitionLog: form.transition_logs.first(),
    }
    for model, obj in objects.items():
        model_admin = admin.site._registry.get(model)
        if model_admin is None:
            continue
        assert not model_admin.has_change_permission(request, obj), model
        assert not model_admin.has_delete_permission(request, obj), model


def test_filed_form_admin_pages_refuse_writes(demo, forms, rnd, meeting, client):
    from django.contrib.auth.models import User

    form = filed_form(demo, forms, rnd, meeting)
    root = User.objects.create_superuser("root", "root@example.org", "Root-pass-2026")
    client.force_login(root)
    change = reverse("admin:risks_riskform_change", args=[form.pk])
    delete = reverse("admin:risks_riskform_delete", args=[form.pk])

    assert client.post(change, {"state": "draft"}).status_code == 403
    assert client.post(delete, {"post": "yes"}).status_code == 403
    log = form.transition_logs.first()
    assert (
        client.post(
            reverse("admin:workflow_transitionlog_delete", args=[log.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    form.refresh_from_db()
    assert form.state == FormState.FILED


def test_filed_form_shows_no_action_but_rerate_for_the_office(demo, forms, rnd, meeting, login):
    form = filed_form(demo, forms, rnd, meeting)
    staff_page = (
        login(demo["staff"]).get(reverse("risks:form_detail", args=[form.pk])).content.decode()
    )
    assert 'name="action"' not in staff_page
    office_page = (
        login(demo["office"]).get(reverse("risks:form_detail", args=[form.pk])).content.decode()
    )
    assert 'value="rerate"' in office_page


def test_rerate_from_the_page_shows_the_changes(demo, forms, rnd, meeting, login):
    form = filed_form(demo, forms, rnd, meeting)
    client = login(demo["office"])

    response = client.post(
        reverse("workflow:act", args=[form.pk]),
        {"action": "rerate", "reason": "job_change", "comment": "岗位调整"},
        follow=True,
    )

    assert "与已备案第 1 版对比" in response.content.decode()
    assert RiskForm.objects.filter(previous_version=form, state=FormState.DRAFT).exists()


# ------------------------------------------------------------------ 公示 and objections


def test_everyone_in_the_unit_reads_the_notice_and_may_object(demo, forms, rnd, meeting, login):
    from tests.workflow.conftest import to_collective

    form = to_collective(demo, forms, "post", rnd)
    decide(demo, form, meeting)
    act(form, Action.SIGN_SUPERVISOR, demo["leader"])
    act(form, Action.SIGN_PRINCIPAL, demo["principal"])
    act(form, Action.PUBLISH, demo["office"])
    client = login(demo["staff2"])

    page = client.get(reverse("workflow:notice_register")).content.decode()
    assert form.subject_title in page and "公示期至" in page

    client.post(
        reverse("workflow:objection_create", args=[form.pk]),
        {"text": "该岗位风险等级偏低", "anonymous": "on", "point": ""},
    )
    objection = form.objections.get()
    assert objection.raised_by is None

    office = login(demo["office"])
    page = office.get(reverse("workflow:objections")).content.decode()
    assert "匿名" in page and "该岗位风险等级偏低" in page
    office.post(
        reverse("workflow:objection_answer", args=[objection.pk]),
        {"answer": "异议成立", "upheld": "1", "confirmed": "1"},
    )
    form.refresh_from_db()
    assert form.state == FormState.COLLECTIVE


def test_outsider_cannot_object(demo, forms, rnd, meeting, outsider, login):
    form = filed_form(demo, forms, rnd, meeting)
    response = login(outsider).post(
        reverse("workflow:objection_create", args=[form.pk]), {"text": "x"}
    )
    assert response.status_code == 404


# ------------------------------------------------------------------ home, board, office pages


@pytest.mark.parametrize("persona", ["staff", "head", "leader", "principal", "office", "inspector"])
def test_home_shows_my_worklist(demo, persona, login):
    page = login(demo[persona]).get(reverse("home")).content.decode()
    assert "我的待办" in page and "待填报的一览表" in page


def test_board_is_for_office_and_inspectors(demo, forms, login):
    act(forms["post"], Action.SUBMIT, demo["staff"])
    for persona in ("office", "inspector"):
        page = login(demo[persona]).get(reverse("workflow:board")).content.decode()
        assert "办公室" in page and "部室审核" in page
    assert login(demo["staff"]).get(reverse("workflow:board")).status_code == 403


def test_board_marks_overdue_forms(demo, forms, rnd, login):
    rnd.self_check_deadline = timezone.localdate() - datetime.timedelta(days=1)
    rnd.save()
    page = login(demo["office"]).get(reverse("workflow:board")).content.decode()
    assert "逾期未完成" in page and forms["post"].subject_title in page


@pytest.mark.parametrize(
    "name", ["workflow:rating_windows", "workflow:collective", "workflow:objections"]
)
def test_office_pages_refuse_others(demo, login, name):
    assert login(demo["head"]).get(reverse(name)).status_code == 403
    assert login(demo["office"]).get(reverse(name)).status_code == 200


def test_office_runs_a_rating_window_from_the_page(demo, forms, rnd, login):
    to_mass_review(demo, forms, "post")
    client = login(demo["office"])
    deadline = (timezone.localtime() + datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")

    client.post(reverse("workflow:rating_windows"), {"round": rnd.pk, "deadline": deadline})

    window = rnd.rating_windows.get()
    assert list(window.forms.all()) == [forms["post"]]
    client.post(reverse("workflow:rating_window_close", args=[window.pk]), {"confirmed": "1"})
    forms["post"].refresh_from_db()
    assert forms["post"].state == FormState.COLLECTIVE


def test_batch_decide_from_the_meeting_page(demo, forms, rnd, meeting, login):
    from tests.workflow.conftest import to_collective

    form = to_collective(demo, forms, "post", rnd)
    client = login(demo["office"])
    page = client.get(reverse("workflow:meeting", args=[meeting.pk])).content.decode()
    assert form.subject_title in page
    data = {"form_ids": [form.pk]}
    for p in form.points.all():
        data[f"level-{p.pk}"] = str(p.proposed_level)
        data[f"reason-{p.pk}"] = ""

    client.post(reverse("workflow:meeting", args=[meeting.pk]), data)

    assert form.decisions.filter(meeting=meeting).exists()
    assert set(form.points.values_list("final_level", flat=True)) == {2}


def test_notifications_page_and_nav_count(demo, forms, login, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        act(forms["post"], Action.SUBMIT, demo["staff"])
    client = login(demo["head"])
    page = client.get(reverse("home")).content.decode()
    assert "条未读" in page
    page = client.get(reverse("workflow:notifications")).content.decode()
    assert "待您审核" in page


# ------------------------------------------------------------------ one form page


def test_form_page_offers_submit_to_the_filler_in_draft_with_report_links(demo, forms, login):
    form = forms["post"]
    page = login(demo["staff"]).get(reverse("risks:form_detail", args=[form.pk])).content.decode()
    assert "审批流程" in page and 'value="submit"' in page and "保存风险点" in page
    for name in ("reports:form_html", "reports:form_pdf", "reports:form_xlsx"):
        assert reverse(name, args=[form.pk]) in page


def test_form_page_offers_pass_and_return_to_the_head_in_review(demo, forms, login):
    form = forms["post"]
    act(form, Action.SUBMIT, demo["staff"])
    page = login(demo["head"]).get(reverse("risks:form_detail", args=[form.pk])).content.decode()
    assert 'value="pass"' in page and 'value="return_to_draft"' in page
    assert "流转记录" in page and "提交" in page


def test_action_lands_back_on_the_form_page_with_a_message(demo, forms, login):
    form = forms["post"]
    client = login(demo["staff"])
    response = post_action(client, form, "submit")
    assert response.status_code == 302
    assert response.url == reverse("risks:form_detail", args=[form.pk])
    page = client.get(response.url).content.decode()
    assert "提交完成" in page and "部室审核" in page


def test_old_workflow_form_address_redirects_permanently(demo, forms, login):
    form = forms["post"]
    response = login(demo["staff"]).get(f"/workflow/forms/{form.pk}/")
    assert response.status_code == 301
    assert response.url == reverse("risks:form_detail", args=[form.pk])


def test_workflow_my_forms_duplicate_is_gone(demo, login):
    assert login(demo["staff"]).get("/workflow/forms/mine/").status_code == 404


def test_opening_a_notification_is_a_post_that_marks_it_read(client, demo):
    from workflow.models import Notification

    notice = Notification.objects.create(
        recipient=demo["staff"], kind="returned", message="您的一览表已被发回。", url="/"
    )
    client.force_login(demo["staff"])
    url = reverse("workflow:notification_open", args=[notice.pk])

    assert client.get(url).status_code == 405
    notice.refresh_from_db()
    assert notice.read_at is None
    assert client.post(url).status_code == 302
    notice.refresh_from_db()
    assert notice.read_at is not None


def test_notice_register_pages_through_every_form_under_notice(
    demo, rnd, meeting, login, monkeypatch
):
    from tests.workflow.test_queries import published, staff_forms

    monkeypatch.setattr("workflow.views.REGISTER_PAGE_FORMS", 2)
    forms = staff_forms(demo, rnd, 3)
    published(demo, rnd, forms, meeting)
    client = login(demo["staff2"])
    url = reverse("workflow:notice_register")

    first, second = client.get(url), client.get(url, {"page": 2})

    shown = [f.pk for f in first.context["forms"]] + [f.pk for f in second.context["forms"]]
    assert sorted(shown) == sorted(f.pk for f in forms)
    assert len(first.context["forms"]) == 2
    assert 'href="?page=2"' in first.content.decode()
    last = second.context["forms"][0]
    assert last.notice is not None and last.n_open_objections == 1  # published() raised one
    assert "风险点1" in second.content.decode()  # the points are still shown in full


def test_collective_list_agrees_with_the_meeting_view_of_each_form(demo, forms, rnd, meeting):
    """The 集体审定 list counts in the database what the meeting page reads point by point:
    undecided, decided and signed by one line, and decided before an upheld objection."""
    from tests.workflow.conftest import to_collective
    from tests.workflow.test_services import published

    undecided = to_collective(demo, forms, "head_post", rnd)
    decided = to_collective(demo, forms, "department", rnd)
    decide(demo, decided, meeting)
    act(decided, Action.SIGN_SUPERVISOR, demo["leader"])
    reopened = published(demo, forms, rnd, meeting)
    objection = services.objection_raise(actor=demo["staff2"], form=reopened, text="应为一级")
    services.objection_answer(
        objection=objection, actor=demo["office"], answer="异议成立，重新审定。", upheld=True
    )

    def seen(forms_):
        return {f.pk: (f.is_decided, list(f.missing_lines)) for f in forms_}

    overview = seen(selectors.collective_overview(demo["office"]))
    assert overview == seen(selectors.collective_forms(demo["office"]))
    assert overview[undecided.pk][0] is False
    assert overview[decided.pk] == (True, ["principal"])
    assert overview[reopened.pk][0] is False
