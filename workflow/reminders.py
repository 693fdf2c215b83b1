"""催办: the integrity office chases forms that are late against their round's deadlines.

Each late form selected on the progress board tells the people who must act on it now (the
filler in 自查, the reviewer in 部室审核, the signers in 集体审定 …) with an in-app notice and,
when `EMAIL_HOST` is set, an e-mail sent by the background worker (`manage.py db_worker`).
A form is chased at most once a training-clock day; each chase is a `Reminder` row (who, when,
whom) and one audit-log row.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django_tasks import task

from access import rules as access
from audit.enums import AuditAction
from audit.services import audit_record
from riskreg import clock
from risks.models import RiskForm
from workflow.enums import FormState
from workflow.models import Reminder

PHASE_DEADLINES = {
    FormState.DRAFT: "self_check_deadline",
    FormState.DEPT_REVIEW: "dept_review_deadline",
    FormState.MASS_REVIEW: "mass_review_deadline",
    FormState.COLLECTIVE: "collective_deadline",
}


def phase_deadline(form: RiskForm):
    name = PHASE_DEADLINES.get(form.state)
    return getattr(form.round, name) if name else None


@dataclass
class RemindResult:
    sent: list[RiskForm] = field(default_factory=list)
    skipped: list[tuple[RiskForm, str]] = field(default_factory=list)


def forms_remind(
    *, forms: list[RiskForm], actor: User, client_address: str | None = None
) -> RemindResult:
    """Chase each late form once today: notify whoever must act on it now."""
    person = access.person_for(actor)
    office_unit_ids = {u.pk for u in access.units_coordinated_by(actor)}
    if person is None or not office_unit_ids:
        raise PermissionDenied("只有廉防办可以催办。")
    result = RemindResult()
    today = clock.today()
    for form in forms:
        if form.unit_id not in office_unit_ids:
            raise PermissionDenied("只能催办本单位的一览表。")
        deadline = phase_deadline(form)
        if deadline is None or deadline >= today:
            result.skipped.append((form, "未逾期"))
            continue
        concerned = [p for p in access.people_who_may_act(form) if p.pk != person.pk]
        if not concerned and form.filler_id and form.filler_id != person.pk:
            concerned = [form.filler]
        if not concerned:
            result.skipped.append((form, "没有需要通知的办理人"))
            continue
        try:
            with transaction.atomic():
                reminder = Reminder(
                    form=form,
                    sent_by=person,
                    sent_on=today,
                    state=form.state,
                    recipients="、".join(p.name for p in concerned)[:300],
                )
                reminder.full_clean(validate_constraints=False)
                reminder.save()
                _tell(form=form, deadline=deadline, people=concerned, today=today)
                audit_record(
                    actor=actor,
                    action=AuditAction.REMINDER,
                    obj=form,
                    address=client_address,
                    details={"state": form.state, "recipients": [p.pk for p in concerned]},
                )
        except IntegrityError:
            result.skipped.append((form, "今天已催办过"))
            continue
        result.sent.append(form)
    return result


def _tell(*, form: RiskForm, deadline, people, today) -> None:
    from workflow.services import notification_push

    days = (today - deadline).days
    message = (
        f"催办：《{form.subject_title}》{form.get_state_display()}已逾期 {days} 天"
        f"（截止 {deadline:%Y-%m-%d}），请尽快办理"
    )
    url = reverse("risks:form_detail", args=[form.pk])
    for p in people:
        notification_push(
            recipient=p.user, kind=f"remind:{form.pk}", message=message, url=url, email=False
        )
        if settings.EMAIL_HOST and p.user.email:
            email, text = p.user.email, message
            transaction.on_commit(
                lambda e=email, t=text, u=url: send_reminder_email.enqueue(e, t, u)
            )


@task()
def send_reminder_email(address: str, message: str, url: str) -> None:
    from django.core.mail import send_mail

    send_mail(
        subject=f"【廉政风险防控】{message}"[:120],
        message=f"{message}\n\n请登录廉政风险防控管理系统办理：{url}",
        from_email=None,
        recipient_list=[address],
    )
