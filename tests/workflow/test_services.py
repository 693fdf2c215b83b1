"""form_transition and the chain's services: reasons, completeness, decisions, notice,
filing, re-rating, the append-only log, who may act next, notifications after commit."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from risks.models import Measure, RiskForm
from tests.factories import make_form, make_person
from tests.workflow.conftest import act, decide, person_of, to_collective, to_mass_review
from workflow import services
from workflow.enums import Action, FormState, RatingVerdict, RerateReason
from workflow.models import AppendOnlyError, Notification, TransitionLog
from workflow.tasks import send_notification_email

pytestmark = pytest.mark.django_db


def published(demo, forms, rnd, meeting, key="post", days_ago=0):
    form = to_collective(demo, forms, key, rnd)
    decide(demo, form, meeting)
    act(form, Action.SIGN_SUPERVISOR, demo["leader"])
    act(form, Action.SIGN_PRINCIPAL, demo["principal"])
    act(
        form,
        Action.PUBLISH,
        demo["office"],
        published_on=timezone.localdate() - datetime.timedelta(days=days_ago),
    )
    return form


# ------------------------------------------------------------------ requirements


@pytest.mark.parametrize("action", [Action.RETURN_TO_DRAFT, Action.RETURN_FROM_COLLECTIVE])
def test_return_needs_a_reason(demo, forms, rnd, action):
    form = forms["post"]
    if action == Action.RETURN_TO_DRAFT:
        act(form, Action.SUBMIT, demo["staff"])
        actor = demo["head"]
    else:
        form = to_collective(demo, forms, "post", rnd)
        actor = demo["office"]
    state = form.state

    with pytest.raises(services.TransitionRefused, match="理由"):
        act(form, action, actor, comment="   ")

    form.refresh_from_db()
    assert form.state == state
    act(form, action, actor, comment="风险点不具体")
    assert form.state == FormState.DRAFT
    assert form.signatures.count() == 0
    assert form.transition_logs.last().comment == "风险点不具体"


def test_submit_needs_at_least_one_point(demo, rnd):
    staff = person_of(demo["staff"])
    form = make_form(round=rnd, post=staff.post, filler=staff)

    with pytest.raises(services.TransitionRefused, match="至少填写一个风险点"):
        act(form, Action.SUBMIT, demo["staff"])


def test_submit_needs_a_measure_for_every_point(demo, forms):
    form = forms["post"]
    Measure.objects.filter(point=form.points.first()).delete()

    with pytest.raises(services.TransitionRefused, match="第 1 个风险点缺少防控措施"):
        act(form, Action.SUBMIT, demo["staff"])
    form.refresh_from_db()
    assert form.state == FormState.DRAFT


def test_submit_signs_as_filler_and_pass_as_head(demo, forms):
    form = forms["post"]
    act(form, Action.SUBMIT, demo["staff"])
    act(form, Action.PASS, demo["head"])
    assert dict(form.signatures.values_list("kind", "name")) == {
        "filler": "李晓燕",
        "dept_head": "赵明远",
    }


def test_decide_needs_a_level_for_every_point(demo, forms, rnd, meeting):
    form = to_collective(demo, forms, "post", rnd)
    first = form.points.first()

    with pytest.raises(services.TransitionRefused, match="第 2 个风险点未确定审定等级"):
        act(form, Action.DECIDE, demo["office"], meeting=meeting, levels={first.pk: (2, "")})


def test_decide_needs_a_reason_where_it_departs_from_the_proposal(demo, forms, rnd, meeting):
    form = to_collective(demo, forms, "post", rnd)
    levels = {p.pk: (p.proposed_level, "") for p in form.points.all()}
    first = form.points.first()
    levels[first.pk] = (1, "")

    with pytest.raises(services.TransitionRefused, match="请说明理由"):
        act(form, Action.DECIDE, demo["office"], meeting=meeting, levels=levels)

    levels[first.pk] = (1, "经手大额资金")
    act(form, Action.DECIDE, demo["office"], meeting=meeting, levels=levels)
    first.refresh_from_db()
    form.refresh_from_db()
    assert (first.final_level, first.final_reason) == (1, "经手大额资金")
    assert form.overall_final_level == 1


def test_decide_needs_a_reason_only_where_it_departs_from_the_proposal(demo, forms, rnd, meeting):
    form = to_mass_review(demo, forms, "post")
    window, _ = services.rating_window_open(
        actor=demo["office"], round=rnd, deadline=timezone.now() + datetime.timedelta(days=1)
    )
    point = form.points.first()
    for colleague in ("staff2", "head", "leader"):
        services.rating_save(
            window=window,
            point=point,
            rater=person_of(demo[colleague]),
            verdict=RatingVerdict.TOO_LOW,
        )
    services.rating_window_close(window=window, actor=demo["office"])
    form.refresh_from_db()

    proposed = point.proposed_level
    raised = proposed - 1 if proposed > 1 else 2
    with pytest.raises(services.TransitionRefused, match=r"与拟定等级.*不同，请说明理由"):
        decide(demo, form, meeting, levels={point.pk: (raised, "")})

    decide(demo, form, meeting)  # the proposal, against a majority for 偏低: no reason needed
    point.refresh_from_db()
    assert point.final_level == proposed


def test_sign_comes_after_the_decision(demo, forms, rnd, meeting):
    form = to_collective(demo, forms, "post", rnd)
    with pytest.raises(services.TransitionRefused):
        act(form, Action.SIGN_SUPERVISOR, demo["leader"])
    decide(demo, form, meeting)
    act(form, Action.SIGN_SUPERVISOR, demo["leader"])
    with pytest.raises(services.TransitionRefused, match="已签"):
        act(form, Action.SIGN_SUPERVISOR, demo["leader"])


def test_publish_needs_every_signature(demo, forms, rnd, meeting):
    form = to_collective(demo, forms, "post", rnd)
    decide(demo, form, meeting)
    act(form, Action.SIGN_SUPERVISOR, demo["leader"])

    with pytest.raises(services.TransitionRefused, match="党组书记签字"):
        act(form, Action.PUBLISH, demo["office"])


# ------------------------------------------------------------------ 公示 and 备案


def test_notice_counts_working_days_from_the_day_after_publication():
    friday = datetime.date(2026, 6, 5)
    assert services.notice_period(friday, 5) == (
        datetime.date(2026, 6, 8),
        datetime.date(2026, 6, 12),
    )
    wednesday = datetime.date(2026, 6, 10)
    assert services.notice_period(wednesday, 5) == (
        datetime.date(2026, 6, 11),
        datetime.date(2026, 6, 17),
    )


def test_publish_sets_the_notice_end_from_the_round(demo, forms, rnd, meeting):
    rnd.notice_working_days = 3
    rnd.save()
    form = published(demo, forms, rnd, meeting)
    notice = form.notices.get()
    start, end = services.notice_period(timezone.localdate(), 3)
    assert (notice.starts_on, notice.ends_on) == (start, end)


def test_file_waits_for_the_end_of_the_notice(demo, forms, rnd, meeting):
    form = published(demo, forms, rnd, meeting)
    with pytest.raises(services.TransitionRefused, match="期满后方可备案"):
        act(form, Action.FILE, demo["office"])


def test_file_waits_for_every_objection_to_be_answered(demo, forms, rnd, meeting):
    form = published(demo, forms, rnd, meeting, days_ago=1)
    objection = services.objection_raise(actor=demo["staff2"], form=form, text="等级偏低")
    form.notices.update(ends_on=timezone.localdate() - datetime.timedelta(days=1))

    with pytest.raises(services.TransitionRefused, match="1 条异议未答复"):
        act(form, Action.FILE, demo["office"])

    services.objection_answer(
        objection=objection, actor=demo["office"], answer="经核实，维持原等级。", upheld=False
    )
    act(form, Action.FILE, demo["office"])
    assert form.state == FormState.FILED


def test_an_upheld_objection_returns_the_form_to_collective(demo, forms, rnd, meeting):
    form = published(demo, forms, rnd, meeting)
    objection = services.objection_raise(
        actor=demo["staff2"], form=form, text="应为一级", anonymous=True
    )
    assert objection.raised_by is None

    services.objection_answer(
        objection=objection, actor=demo["office"], answer="异议成立，重新审定。", upheld=True
    )

    form.refresh_from_db()
    assert form.state == FormState.COLLECTIVE
    assert not form.signatures.filter(kind__in=["supervisor", "principal"]).exists()
    # The earlier decision no longer counts: the leaders cannot sign until it is re-decided.
    with pytest.raises(services.TransitionRefused):
        act(form, Action.SIGN_PRINCIPAL, demo["principal"])
    decide(demo, form, meeting)
    act(form, Action.SIGN_PRINCIPAL, demo["principal"])


# ------------------------------------------------------------------ filed and re-rated


def filed(demo, forms, rnd, meeting):
    form = published(demo, forms, rnd, meeting, days_ago=20)
    act(form, Action.FILE, demo["office"])
    return form


def test_a_filed_form_refuses_every_action_but_rerate(demo, forms, rnd, meeting):
    form = filed(demo, forms, rnd, meeting)
    for action in Action:
        if action == Action.RERATE:
            continue
        for user in demo.values():
            with pytest.raises(services.TransitionError):
                act(form, action, user, comment="理由")
    form.refresh_from_db()
    assert form.state == FormState.FILED


def test_rerate_starts_a_new_version_and_keeps_the_filed_one(demo, forms, rnd, meeting):
    form = filed(demo, forms, rnd, meeting)
    before = services.form_snapshot(form)
    logs_before = form.transition_logs.count()

    result = act(
        form,
        Action.RERATE,
        demo["office"],
        comment="纪检组建议提高等级，经研究采纳",
        reason=RerateReason.INSPECTOR_PROPOSAL,
    )

    new = result.new_form
    form.refresh_from_db()
    assert form.state == FormState.FILED
    assert services.form_snapshot(form) == before
    assert form.transition_logs.count() == logs_before + 1
    assert (new.state, new.version, new.previous_version_id) == (FormState.DRAFT, 2, form.pk)
    assert [p.description for p in new.points.all()] == [p["description"] for p in before["points"]]
    assert [p.proposed_level for p in new.points.all()] == [
        p["final_level"] for p in before["points"]
    ]
    assert new.rerating.reason_kind == RerateReason.INSPECTOR_PROPOSAL
    # Only the newest version may be re-rated again.
    with pytest.raises(services.TransitionRefused):
        act(form, Action.RERATE, demo["office"], comment="再次", reason=RerateReason.JOB_CHANGE)


# ------------------------------------------------------------------ the log


def test_log_rows_record_who_what_and_a_snapshot(demo, forms):
    form = forms["post"]
    services.form_transition(
        form=form, action=Action.SUBMIT, actor=demo["staff"], client_address="10.0.0.8"
    )
    entry = TransitionLog.objects.get(form=form)
    assert (entry.actor_name, entry.role, entry.from_state, entry.to_state) == (
        "李晓燕",
        "filler",
        "draft",
        "dept_review",
    )
    assert entry.client_address == "10.0.0.8"
    assert [p["measures"] for p in entry.snapshot["points"]] == [["措施"], ["措施"]]


def test_log_is_append_only(demo, forms):
    form = forms["post"]
    act(form, Action.SUBMIT, demo["staff"])
    entry = TransitionLog.objects.get(form=form)

    entry.comment = "改写"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        TransitionLog.objects.filter(form=form).update(comment="改写")
    with pytest.raises(AppendOnlyError):
        TransitionLog.objects.filter(form=form).delete()
    assert TransitionLog.objects.get(form=form).comment == ""


# ------------------------------------------------------------------ who may act next


def test_who_may_act_follows_the_state(demo, forms):
    from access.rules import people_who_may_act

    form = forms["post"]
    act(form, Action.SUBMIT, demo["staff"])
    form = RiskForm.objects.get(pk=form.pk)
    assert {p.user for p in people_who_may_act(form)} == {demo["head"]}

    act(form, Action.PASS, demo["head"])

    form = RiskForm.objects.get(pk=form.pk)
    assert {p.user for p in people_who_may_act(form)} == {demo["office"]}


# ------------------------------------------------------------------ notifications


def test_notifications_go_out_after_commit(demo, forms, django_capture_on_commit_callbacks):
    demo["head"].email = "head@example.org"
    demo["head"].save()
    form = forms["post"]

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        act(form, Action.SUBMIT, demo["staff"])
    assert callbacks
    assert not Notification.objects.exists() and not mail.outbox

    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()
    notice = Notification.objects.get(recipient=demo["head"])
    assert "待您审核" in notice.message
    # The e-mail is a job for the background worker, not sent inside the request.
    assert not mail.outbox
    job = DBTaskResult.objects.get(task_path="workflow.tasks.send_notification_email")
    assert job.args_kwargs["args"] == [notice.pk]

    send_notification_email.call(notice.pk)  # what the worker does
    assert mail.outbox[0].to == ["head@example.org"]
    assert "待您审核" in mail.outbox[0].subject


def test_a_return_notifies_the_filler(demo, forms, django_capture_on_commit_callbacks):
    form = forms["post"]
    with django_capture_on_commit_callbacks(execute=True):
        act(form, Action.SUBMIT, demo["staff"])
        act(form, Action.RETURN_TO_DRAFT, demo["head"], comment="请补充印章管理风险")
    notice = Notification.objects.get(recipient=demo["staff"])
    assert "请补充印章管理风险" in notice.message


def test_batch_notifications_fold_into_one(demo, rnd, django_capture_on_commit_callbacks):
    from tests.workflow.conftest import complete_form

    head = person_of(demo["head"])
    staff_forms = []
    for n in range(3):
        person = make_person(unit=rnd.unit, department=head.department, post=None, name=f"同事{n}")
        from tests.factories import make_post

        person.post = make_post(unit=rnd.unit, department=head.department)
        person.save()
        staff_forms.append(complete_form(make_form(round=rnd, post=person.post, filler=person)))
    with django_capture_on_commit_callbacks(execute=True):
        for form in staff_forms:
            act(form, Action.SUBMIT, form.filler.user)
    notices = Notification.objects.filter(recipient=demo["head"])
    assert notices.count() == 1
    assert notices.get().message == "有 3 张一览表待您审核"


# ------------------------------------------------------------------ rating windows


def test_a_rating_window_closes_when_its_deadline_passes(demo, forms, rnd):
    form = to_mass_review(demo, forms, "post")
    window, _ = services.rating_window_open(
        actor=demo["office"], round=rnd, deadline=timezone.now() + datetime.timedelta(hours=1)
    )
    type(window).objects.filter(pk=window.pk).update(deadline=timezone.now())

    closed = services.rating_windows_close_due()

    assert [w.pk for w in closed] == [window.pk]
    form.refresh_from_db()
    assert form.state == FormState.COLLECTIVE
    assert form.transition_logs.last().role == TransitionLog.SYSTEM_ROLE


def test_one_rating_per_person_per_point_changeable_until_close(demo, forms, rnd):
    form = to_mass_review(demo, forms, "post")
    window, _ = services.rating_window_open(
        actor=demo["office"], round=rnd, deadline=timezone.now() + datetime.timedelta(days=1)
    )
    point, rater = form.points.first(), person_of(demo["staff2"])
    services.rating_save(window=window, point=point, rater=rater, verdict=RatingVerdict.AGREE)
    services.rating_save(window=window, point=point, rater=rater, verdict=RatingVerdict.TOO_LOW)
    assert list(point.ratings.values_list("verdict", flat=True)) == ["too_low"]

    with pytest.raises(Exception, match="本人"):
        services.rating_save(
            window=window, point=point, rater=person_of(demo["staff"]), verdict="agree"
        )
    services.rating_window_close(window=window, actor=demo["office"])
    with pytest.raises(Exception, match="已结束"):
        services.rating_save(window=window, point=point, rater=rater, verdict="agree")


def test_a_department_window_covers_only_its_department(demo, forms, rnd):
    to_mass_review(demo, forms, "post")
    to_mass_review(demo, forms, "leader_post")
    window, _ = services.rating_window_open(
        actor=demo["office"],
        round=rnd,
        department=forms["post"].department,
        deadline=timezone.now() + datetime.timedelta(days=1),
    )
    assert list(window.forms.all()) == [forms["post"]]
    with pytest.raises(Exception, match="范围"):
        services.rating_save(
            window=window,
            point=forms["post"].points.first(),
            rater=person_of(demo["staff2"]),  # 赈济救护部
            verdict="agree",
        )


def test_only_the_office_opens_a_window(demo, forms, rnd):
    to_mass_review(demo, forms, "post")
    with pytest.raises(services.TransitionError):
        services.rating_window_open(
            actor=demo["head"], round=rnd, deadline=timezone.now() + datetime.timedelta(days=1)
        )
    assert not rnd.rating_windows.exists()
