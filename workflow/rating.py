"""群众评议: rating windows (open, add forms, close, close when due) and the ratings
themselves. Moving forms on is done through the engine, never here."""

import datetime
from functools import partial

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from access import rules as access
from riskreg import clock
from risks.models import RiskForm, RiskPoint
from units.models import Department, Person
from workflow.engine import (
    BatchResult,
    TransitionForbidden,
    TransitionRefused,
    forms_transition,
)
from workflow.enums import Action, FormState, RatingVerdict
from workflow.models import (
    Rating,
    RatingWindow,
)
from workflow.notifications import (
    notify_raters,
)


def rating_window_open(
    *,
    actor: User,
    round,
    department: Department | None = None,
    deadline: datetime.datetime,
    client_address: str | None = None,
) -> tuple[RatingWindow, BatchResult]:
    """Open 群众评议 over a department or the whole unit for every form waiting for it."""
    person = access.person_for(actor)
    if person is None:
        raise TransitionForbidden("您没有办理此事项的权限。")
    if deadline <= clock.now():
        raise ValidationError({"deadline": "截止时间应晚于现在。"})
    window = RatingWindow(
        round=round, unit=round.unit, department=department, deadline=deadline, opened_by=person
    )
    window.full_clean()
    with transaction.atomic():
        window.save()
        batch = rating_window_add_forms(window=window, actor=actor, client_address=client_address)
        if not batch.done:
            # Refused everywhere (no right, or nothing waiting): leave no empty window behind.
            transaction.set_rollback(True)
            reasons = [msgs[0] for _f, msgs in batch.failed[:3]]
            raise TransitionRefused(*(reasons or ["范围内没有待群众评议的一览表。"]))
    transaction.on_commit(partial(notify_raters, window_id=window.pk))
    return window, batch


def rating_window_add_forms(
    *, window: RatingWindow, actor: User, client_address: str | None = None
) -> BatchResult:
    """Put the forms of the window's scope that wait for 群众评议 into the open window."""
    in_open_window = RatingWindow.objects.filter(forms=OuterRef("pk"), closed_at__isnull=True)
    forms = RiskForm.objects.filter(
        round=window.round, state=FormState.MASS_REVIEW, unit=window.unit
    ).exclude(Exists(in_open_window))
    if window.department_id:
        forms = forms.filter(department=window.department)
    return forms_transition(
        forms=list(forms),
        action=Action.OPEN_MASS_REVIEW,
        actor=actor,
        client_address=client_address,
        extra={"window": window},
    )


def rating_window_close(
    *, window: RatingWindow, actor: User | None, client_address: str | None = None
) -> BatchResult:
    """Close the window and move its forms on to 集体审定. `actor=None`: the deadline passed."""
    person = access.person_for(actor) if actor is not None else None
    if actor is not None and (person is None or not access.can_manage_round(actor, window.unit)):
        raise TransitionForbidden("只有廉防办可以结束群众评议。")
    with transaction.atomic():
        locked = RatingWindow.objects.select_for_update().get(pk=window.pk)
        if locked.closed_at is not None:
            return BatchResult()
        locked.closed_at, locked.closed_by = timezone.now(), person
        locked.save(update_fields=["closed_at", "closed_by"])
    window.closed_at = locked.closed_at
    return forms_transition(
        forms=list(locked.forms.filter(state=FormState.MASS_REVIEW)),
        action=Action.CLOSE_MASS_REVIEW,
        actor=actor,
        client_address=client_address,
    )


def rating_windows_close_due() -> list[RatingWindow]:
    """Close every open window whose deadline has passed (command and on access)."""
    due = list(RatingWindow.objects.filter(closed_at__isnull=True, deadline__lte=clock.now()))
    for window in due:
        rating_window_close(window=window, actor=None)
    return due


def rating_save(
    *, window: RatingWindow, point: RiskPoint, rater: Person, verdict: str, comment: str = ""
) -> Rating:
    """One rating per person per point per window, changeable until the window closes."""
    with transaction.atomic():
        locked = RatingWindow.objects.select_for_update().get(pk=window.pk)
        if not locked.is_open or locked.deadline <= clock.now():
            raise ValidationError("群众评议已结束，不能再修改评议意见。")
        form = point.form
        if not locked.forms.filter(pk=form.pk).exists() or form.state != FormState.MASS_REVIEW:
            raise ValidationError("此表不在本次群众评议中。")
        if not locked.covers_person(rater):
            raise ValidationError("您不在本次群众评议的范围内。")
        if form.filler_id == rater.pk:
            raise ValidationError("不能评议本人填报的一览表。")
        rating, _ = Rating.objects.get_or_create(
            window=locked,
            point=point,
            rater=rater,
            defaults={"verdict": RatingVerdict(verdict), "comment": comment.strip()},
        )
        rating.verdict, rating.comment = RatingVerdict(verdict), comment.strip()
        rating.full_clean()
        rating.save()
    return rating
