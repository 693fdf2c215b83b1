"""Notifications: who is told what, and when (README, 审批流程). In-app notices are written
after the commit of the change they report; their e-mails go out from the background worker
(workflow.tasks), never inside a request."""

import logging
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from access import rules as access
from risks.models import RiskForm
from units.enums import Role
from units.models import Person
from workflow import selectors, transitions
from workflow.enums import Action, FormState
from workflow.models import (
    Notification,
    Objection,
    RatingWindow,
)

log = logging.getLogger(__name__)


def notification_push(
    *,
    recipient: User,
    kind: str,
    message: str,
    folded_message: str | None = None,
    url: str = "",
    form: RiskForm | None = None,
    email: bool = True,
    count: int | None = None,
) -> Notification:
    """Add an in-app notice, folding it into an unread one of the same kind; the first one of
    a fold also goes out by e-mail, from the background worker after the commit. `count` is the
    number of forms the folded message names, taken from the page the notice links to
    (workflow.selectors.queue_count), so that "有 N 张" never disagrees with the queue."""
    unread = (
        Notification.objects.filter(recipient=recipient, kind=kind, read_at__isnull=True)
        .order_by("-created_at")
        .first()
    )
    if unread is not None and folded_message:
        unread.count = count if count is not None else unread.count + 1
        unread.message = folded_message.format(count=unread.count)
        unread.form = None
        unread.created_at = timezone.now()
        unread.url = url or unread.url
        unread.save(update_fields=["count", "message", "form", "created_at", "url"])
        return unread
    notice = Notification(recipient=recipient, kind=kind, message=message[:300], url=url, form=form)
    notice.full_clean()
    notice.save()
    if email and recipient.email:
        from workflow.tasks import send_notification_email

        notice_id = notice.pk
        transaction.on_commit(lambda: _enqueue_email(send_notification_email, notice_id))
    return notice


def _enqueue_email(task, notice_id: int) -> None:
    try:
        task.enqueue(notice_id)
    except Exception:  # a queue outage must not undo or hide the in-app notice
        log.exception("queueing the e-mail of notification %s failed", notice_id)


def notification_email_send(*, notice_id: int) -> bool:
    """Send one notification's e-mail (the worker runs this). False when there is nothing to
    send any more (the notice or the address is gone)."""
    notice = Notification.objects.select_related("recipient").filter(pk=notice_id).first()
    if notice is None or not notice.recipient.email:
        return False
    link = notice.url
    base = getattr(settings, "SITE_URL", "")
    if link.startswith("/") and base:
        link = base.rstrip("/") + link
    send_mail(
        subject=f"【廉政风险防控】{notice.message}"[:120],
        message=f"{notice.message}\n\n请登录廉政风险防控管理系统查看或办理：{link}",
        from_email=None,
        recipient_list=[notice.recipient.email],
    )
    return True


def notifications_mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())


# What the next actor is asked to do, by state: (kind, message for one form, folded message).
def _next_step(form: RiskForm) -> list[tuple[Person, str, str, str, str]]:
    """(person, kind, message, folded message, url name) for whoever must act next."""
    title = form.subject_title
    state = form.state
    steps: list[tuple[Person, str, str, str, str]] = []
    if state == FormState.DRAFT and form.filler_id:
        steps.append((form.filler, "fill", f"《{title}》待您填报", "", "risks:form_detail"))
    elif state == FormState.DEPT_REVIEW:
        for p in access.people_who_may_act(form):
            steps.append(
                (
                    p,
                    "review",
                    f"《{title}》待您审核",
                    "有 {count} 张一览表待您审核",
                    "workflow:review_queue",
                )
            )
    elif state == FormState.MASS_REVIEW:
        if not form.rating_windows.filter(closed_at__isnull=True).exists():
            for p in access.people_who_may_act(form):
                steps.append(
                    (
                        p,
                        "organise_rating",
                        f"《{title}》待组织群众评议",
                        "有 {count} 张一览表待组织群众评议",
                        "workflow:rating_windows",
                    )
                )
    elif state == FormState.COLLECTIVE:
        decided = transitions.is_decided(form)
        signed = transitions._signed(form) is None
        for p in access.people_who_may_act(form):
            is_office = Role.INTEGRITY_OFFICE in access.form_roles(p, form)
            if is_office and not decided:
                steps.append(
                    (
                        p,
                        "decide",
                        f"《{title}》待集体审定",
                        "有 {count} 张一览表待集体审定",
                        "workflow:collective",
                    )
                )
            elif is_office and signed:
                steps.append(
                    (
                        p,
                        "publish",
                        f"《{title}》已签字，待公示",
                        "有 {count} 张一览表待公示",
                        "workflow:collective",
                    )
                )
            elif not is_office and decided:
                steps.append(
                    (
                        p,
                        "sign",
                        f"《{title}》待您签字",
                        "有 {count} 张一览表待您签字",
                        "workflow:sign_queue",
                    )
                )
    return steps


def _level(form: RiskForm, level: int | None) -> str:
    return form.unit.level_label(level) if level else "未定"


def _filler_message(form: RiskForm, action: Action, comment: str) -> tuple[str, str] | None:
    """(kind, message) telling the filler what happened to their form, or None."""
    title = form.subject_title
    if action in (Action.RETURN_TO_DRAFT, Action.RETURN_FROM_COLLECTIVE):
        return f"returned:{form.pk}", f"《{title}》被退回修改：{comment}"
    if action == Action.PASS:
        return "passed", f"《{title}》已通过部室审核" + (f"，意见：{comment}" if comment else "")
    if action == Action.DECIDE:
        changed = [
            f"第 {n} 个风险点由{_level(form, p.proposed_level)}审定为{_level(form, p.final_level)}"
            + (f"（理由：{p.final_reason}）" if p.final_reason else "")
            for n, p in enumerate(form.points.all(), 1)
            if p.final_level and p.final_level != p.proposed_level
        ]
        overall = f"《{title}》集体审定等级：{_level(form, form.overall_final_level)}"
        if changed:
            return "decided", overall + "，与拟定等级不同：" + "；".join(changed)
        return "decided", overall + "，与拟定等级相同"
    if action == Action.PUBLISH:
        notice = form.notices.order_by("-published_on", "-id").first()
        period = (
            f"，公示期 {notice.starts_on:%Y年%m月%d日} 至 {notice.ends_on:%Y年%m月%d日}"
            if notice
            else ""
        )
        return "published", f"《{title}》已公示{period}，期间同事可提出异议"
    if action == Action.FILE:
        return "filed", f"《{title}》已备案，审定等级：{_level(form, form.overall_final_level)}"
    if action == Action.UPHOLD_OBJECTION:
        return "objection_answer", f"《{title}》的异议经核实成立，已发回集体审定：{comment}"
    if action == Action.RERATE:
        return (
            f"rerate:{form.pk}",
            f"《{title}》需重新评定（第 {form.version} 版），请重新填报：{comment}",
        )
    return None


def notify_after_transition(
    *, form_id: int, action: Action, actor_id: int | None, comment: str
) -> None:
    """After the commit of a transition: the filler hears what happened to their form; whoever
    must act next is asked to (folded per kind)."""
    form = (
        RiskForm.objects.select_related("unit", "post", "department", "filler__user")
        .prefetch_related("points")
        .get(pk=form_id)
    )
    told = _filler_message(form, Action(action), comment)
    if told is not None and form.filler_id and form.filler.user_id != actor_id:
        kind, message = told
        notification_push(
            recipient=form.filler.user,
            kind=kind,
            message=message[:300],
            url=reverse("risks:form_detail", args=[form.pk]),
            form=form,
        )
    if action in (Action.RETURN_TO_DRAFT, Action.RETURN_FROM_COLLECTIVE, Action.RERATE):
        return  # the filler, just told, is the one who acts next
    for person, kind, message, folded, url_name in _next_step(form):
        if person.user_id == actor_id:
            continue
        if kind == "sign" and action in (Action.SIGN_SUPERVISOR, Action.SIGN_PRINCIPAL):
            continue  # the other signer was told when the decision was recorded
        url = (
            reverse(url_name, args=[form.pk])
            if url_name == "risks:form_detail"
            else reverse(url_name)
        )
        notification_push(
            recipient=person.user,
            kind=kind,
            message=message,
            folded_message=folded or None,
            url=url,
            form=form,
            count=selectors.queue_count(person.user, kind) if folded else None,
        )


def notify_raters(*, window_id: int) -> None:
    window = RatingWindow.objects.select_related("unit", "department").get(pk=window_id)
    people = Person.objects.filter(unit=window.unit, active=True).select_related("user")
    if window.department_id:
        people = people.filter(department=window.department)
    url = reverse("workflow:rating_list")
    for person in people:
        notification_push(
            recipient=person.user,
            kind=f"rating:{window.pk}",
            message=f"{window.scope_label}群众评议已开始，截止 "
            f"{timezone.localtime(window.deadline):%m月%d日 %H:%M}，请参加评议",
            url=url,
        )


def notify_objection(*, objection_id: int) -> None:
    """A new objection: 廉防办 must answer it; the filler hears that their form has one (never
    who raised it)."""
    objection = Objection.objects.select_related(
        "form__unit", "form__post", "form__department", "form__filler__user", "point"
    ).get(pk=objection_id)
    form = objection.form
    for person in access.people_who_may_act(form):
        notification_push(
            recipient=person.user,
            kind="objection",
            message=f"《{form.subject_title}》收到新的异议，待答复",
            folded_message="有 {count} 条异议待答复",
            url=reverse("workflow:objections"),
            form=form,
        )
    if form.filler_id:
        where = f"第 {objection.point.order} 个风险点" if objection.point_id else "全表"
        notification_push(
            recipient=form.filler.user,
            kind=f"objection:{objection.pk}",
            message=f"《{form.subject_title}》公示期间收到一条异议（{where}）：{objection.text}",
            url=reverse("risks:form_detail", args=[form.pk]),
            form=form,
        )


def notify_objection_answered(*, objection_id: int) -> None:
    """An objection answered: a named raiser is told, and the filler when it was not upheld
    (an upheld one is a transition, told to the filler through notify_after_transition). An
    anonymous raiser reads the answer under 我提出的异议; no notice names them."""
    objection = Objection.objects.select_related(
        "form__unit", "form__post", "form__department", "form__filler__user", "raised_by__user"
    ).get(pk=objection_id)
    form = objection.form
    verdict = "异议成立" if objection.upheld else "异议不成立"
    message = f"《{form.subject_title}》的异议已答复（{verdict}）：{objection.answer}"
    if form.filler_id and not objection.upheld:
        notification_push(
            recipient=form.filler.user,
            kind=f"objection_answer:{objection.pk}",
            message=message,
            url=reverse("risks:form_detail", args=[form.pk]),
            form=form,
        )
    raiser = objection.raised_by
    if raiser is not None and raiser.user_id and raiser.pk != form.filler_id:
        notification_push(
            recipient=raiser.user,
            kind=f"objection_answer:{objection.pk}",
            message=f"您对《{form.subject_title}》提出的异议已答复（{verdict}）：{objection.answer}",
            url=reverse("workflow:my_objections"),
        )
