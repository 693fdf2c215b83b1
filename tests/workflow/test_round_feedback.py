"""What the people of a round are told and shown (issue 14): the filler's notifications, the
returned banner and what changed since, objections and their answers, a fresh re-rating."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from risks.models import RiskPoint
from tests.workflow.conftest import act, decide, to_collective
from tests.workflow.test_services import published
from workflow import services
from workflow.enums import Action, RerateReason
from workflow.models import Notification

pytestmark = pytest.mark.django_db


def _messages(user) -> list[str]:
    return list(
        Notification.objects.filter(recipient=user).order_by("id").values_list("message", flat=True)
    )


def test_the_filler_hears_every_step_to_filing(
    demo, forms, rnd, meeting, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        form = to_collective(demo, forms, "post", rnd)
        point = form.points.first()
        raised = point.proposed_level - 1 if point.proposed_level > 1 else 2
        levels = {p.pk: (p.proposed_level, "") for p in form.points.all()}
        levels[point.pk] = (raised, "涉及资金审批，集体审定上调")
        decide(demo, form, meeting, levels=levels)
        act(form, Action.SIGN_SUPERVISOR, demo["leader"])
        act(form, Action.SIGN_PRINCIPAL, demo["principal"])
        act(
            form,
            Action.PUBLISH,
            demo["office"],
            published_on=timezone.localdate() - datetime.timedelta(days=20),
        )
        act(form, Action.FILE, demo["office"])

    told = "\n".join(_messages(demo["staff"]))
    assert "已通过部室审核" in told
    assert "集体审定等级" in told and "与拟定等级不同" in told and "集体审定上调" in told
    assert "已公示，公示期" in told
    assert "已备案" in told


def test_returned_form_shows_the_banner_and_the_badge(demo, forms, login):
    form = forms["post"]
    act(form, Action.SUBMIT, demo["staff"])
    act(form, Action.RETURN_TO_DRAFT, demo["head"], comment="请补充印章管理风险")
    client = login(demo["staff"])

    page = client.get(reverse("risks:form_detail", args=[form.pk])).content.decode()
    assert "已退回修改" in page and "请补充印章管理风险" in page and "赵明远" in page
    assert "已退回修改" in client.get(reverse("risks:my_forms")).content.decode()
    assert "已退回修改" in client.get(reverse("home")).content.decode()


def test_reviewer_sees_what_changed_since_the_return(demo, forms, login):
    form = forms["post"]
    act(form, Action.SUBMIT, demo["staff"])
    act(form, Action.RETURN_TO_DRAFT, demo["head"], comment="请写清风险点")
    point = form.points.first()
    RiskPoint.objects.filter(pk=point.pk).update(description="改写后的风险点描述")
    act(form, Action.SUBMIT, demo["staff"])

    page = login(demo["head"]).get(reverse("risks:form_detail", args=[form.pk])).content
    page = page.decode()
    assert "退回后的修改（1 处）" in page
    assert "改写后的风险点描述" in page and "请写清风险点" in page


def test_anonymous_objector_reads_the_answer_and_nobody_sees_who(
    demo, forms, rnd, meeting, login, django_capture_on_commit_callbacks
):
    form = published(demo, forms, rnd, meeting)
    with django_capture_on_commit_callbacks(execute=True):
        objection = services.objection_raise(
            actor=demo["staff2"], form=form, text="等级应为一级", anonymous=True
        )
        services.objection_answer(
            objection=objection, actor=demo["office"], answer="经核实维持原等级", upheld=False
        )

    mine = login(demo["staff2"]).get(reverse("workflow:my_objections")).content.decode()
    assert "等级应为一级" in mine and "经核实维持原等级" in mine and "匿名" in mine
    # The filler hears of the objection and of its answer, without a name.
    told = "\n".join(_messages(demo["staff"]))
    assert "收到一条异议" in told and "经核实维持原等级" in told
    assert "黄海燕" not in told
    # Others do not see it under their own objections; the 流转记录 has it, anonymously.
    assert (
        "等级应为一级"
        not in login(demo["head"]).get(reverse("workflow:my_objections")).content.decode()
    )
    page = login(demo["office"]).get(reverse("risks:form_detail", args=[form.pk])).content
    page = page.decode()
    assert "提出异议" in page and "匿名" in page and "答复异议（不成立）" in page
    assert "黄海燕" not in page.split("流转记录")[1]


def test_rerate_starts_fresh_and_shows_the_old_decision_as_history(
    demo, forms, rnd, meeting, login
):
    form = to_collective(demo, forms, "post", rnd)
    point = form.points.first()
    raised = point.proposed_level - 1 if point.proposed_level > 1 else 2
    levels = {p.pk: (p.proposed_level, "") for p in form.points.all()}
    levels[point.pk] = (raised, "集体审定上调")
    decide(demo, form, meeting, levels=levels)
    act(form, Action.SIGN_SUPERVISOR, demo["leader"])
    act(form, Action.SIGN_PRINCIPAL, demo["principal"])
    act(
        form,
        Action.PUBLISH,
        demo["office"],
        published_on=timezone.localdate() - datetime.timedelta(days=20),
    )
    act(form, Action.FILE, demo["office"])
    client = login(demo["office"])
    response = client.post(
        reverse("workflow:act", args=[form.pk]),
        {"action": "rerate", "reason": RerateReason.JOB_CHANGE, "comment": "岗位职责调整"},
        follow=True,
    )
    body = response.content.decode()
    assert "新的第 2 版现处于“自查填报”阶段" in body and "已备案" in body

    new = form.next_version
    first = new.points.order_by("order").first()
    assert first.proposed_level == first.suggested_level and first.proposal_reason == ""
    page = login(demo["staff"]).get(reverse("risks:form_detail", args=[new.pk])).content
    assert "历史" in page.decode() and "集体审定上调" in page.decode()

    # Changing likelihood keeps following the suggestion: no reason asked.
    data = {
        "edit-category": first.category,
        "edit-description": first.description,
        "edit-likelihood": "3",
        "edit-harm": "3",
        "edit-proposed_level": "",
        "edit-proposal_reason": "",
        "edit-responsible_person": "李晓燕",
        "edit-measures": ["措施一"],
        "revision": str(new.revision),
    }
    saved = login(demo["staff"]).post(
        reverse("risks:point_edit", args=[new.pk, first.pk]), data, follow=True
    )
    assert "已保存第 1 个风险点的修改" in saved.content.decode()
    first.refresh_from_db()
    assert first.proposed_level == 1


def test_collective_default_never_asks_for_a_reason(demo, forms, rnd, meeting, login):
    form = to_collective(demo, forms, "post", rnd)
    client = login(demo["office"])
    page = client.get(reverse("workflow:meeting", args=[meeting.pk])).content.decode()
    assert "拟定等级及理由" in page and "群众评议" in page
    data = {"form_ids": [form.pk]}
    for p in form.points.all():
        data[f"level-{p.pk}"] = str(p.proposed_level)
        data[f"reason-{p.pk}"] = ""
    response = client.post(reverse("workflow:meeting", args=[meeting.pk]), data, follow=True)
    assert "已记录审定结果 1 张" in response.content.decode()


def test_last_saved_is_the_fillers_own(demo, forms, login):
    form = forms["post"]
    form.refresh_from_db()
    saved_at = form.last_saved_at
    act(form, Action.SUBMIT, demo["staff"])
    act(form, Action.PASS, demo["head"])
    form.refresh_from_db()
    assert form.last_saved_at == saved_at
