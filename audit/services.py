"""Writes of the security app. `audit_record` is the one way any feature appends to the audit log.

Usage from other apps (exports, downloads, workflow transitions, roster imports):

    from audit.enums import AuditAction
    from audit.services import audit_record

    audit_record(request=request, action=AuditAction.EXPORT, obj=form,
                 details={"format": "xlsx", "report": "form"})
"""

import datetime
import logging
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db import connection, models, transaction
from django.http import HttpRequest
from django.utils import timezone

from audit.chain import (
    ChainReport,
    chain_verify,
    digest_for_period,
    locked_head,
    purge_permitted,
)
from audit.enums import AuditAction, AuditOutcome
from audit.models import AuditEvent, AuditLogIsAppendOnly, PasswordChangeReason, PasswordPolicyState
from audit.net import client_address

log = logging.getLogger(__name__)

SESSION_MUST_CHANGE = "audit.must_change_password"
# When the session's idle expiry was last renewed (audit.middleware.IdleSessionRenewalMiddleware).
SESSION_RENEWED_AT = "_renewed_at"

# The law's floor (等保 2.0 asks for at least six months of logs).
MIN_RETENTION_DAYS = 180


def _person_of(user: User | None):
    if user is None or not user.pk:
        return None
    try:
        return user.person
    except User.person.RelatedObjectDoesNotExist:
        return None


def _unit_of(obj: Any):
    """The Unit an object belongs to, when it says so, for scoping who may read the row."""
    from units.models import Person, Unit

    if isinstance(obj, Unit):
        return obj
    if isinstance(obj, User):
        person = _person_of(obj)
        return person.unit if person else None
    if isinstance(obj, Person):
        return obj.unit
    unit = getattr(obj, "unit", None)
    return unit if isinstance(unit, Unit) else None


def _granted_roles_text(person) -> str:
    from units.models import RoleGrant

    if person is None:
        return ""
    labels = {
        RoleGrant(role=role).get_role_display()
        for role in person.role_grants.values_list("role", flat=True)
    }
    return "、".join(sorted(labels))[:200]


def audit_record(
    *,
    request: HttpRequest | None = None,
    actor: User | AnonymousUser | None = None,
    action: str,
    obj: models.Model | None = None,
    outcome: str = AuditOutcome.SUCCESS,
    details: dict | None = None,
    address: str | None = None,
) -> AuditEvent:
    """Append one row to the audit log.

    `actor` defaults to the request's logged-in user; `obj` is the object acted on (its type,
    id and text are kept, so the row stays readable after the object changes); `details` is a
    JSON-serialisable dict. `address` is the client address for services that are handed one
    instead of the request (workflow transitions, roster imports); by default it comes from the
    request. Unknown action codes are a programming error and raise ValueError.
    """
    label = AuditAction(action).label  # ValueError for a code not declared in AuditAction
    if outcome not in AuditOutcome.values:
        raise ValueError(f"unknown audit outcome {outcome!r}")
    if actor is None and request is not None:
        actor = getattr(request, "user", None)
    if actor is not None and not actor.is_authenticated:
        actor = None
    person = _person_of(actor)
    unit = person.unit if person else _unit_of(obj)
    event = AuditEvent(
        at=timezone.now(),
        actor=actor,
        actor_username=actor.get_username() if actor else "",
        actor_name=person.name if person else "",
        actor_roles=_granted_roles_text(person),
        unit_path=unit.path if unit else "",
        unit_name=unit.name if unit else "",
        client_address=address or client_address(request),
        action=str(action),
        action_label=str(label),
        outcome=str(outcome),
        details=details or {},
    )
    if obj is not None:
        event.object_type = f"{obj._meta.app_label}.{obj._meta.model_name}"
        event.object_id = "" if obj.pk is None else str(obj.pk)[:64]
        event.object_repr = str(obj)[:200]
    event.save()
    return event


def audit_purge(*, before: datetime.date, actor_username: str = "") -> int:
    """Delete the oldest rows, all older than `before`, which must lie at least
    MIN_RETENTION_DAYS back.

    The one sanctioned deletion path. It removes a prefix of the hash chain (up to the first
    row not older than `before`), records the last removed row's number and hash in the chain
    head so the rest still verifies, and writes its own row saying so."""
    cutoff_day = timezone.localdate() - datetime.timedelta(days=MIN_RETENTION_DAYS)
    if before > cutoff_day:
        raise AuditLogIsAppendOnly(
            f"审计日志至少保留 {MIN_RETENTION_DAYS} 天：只能清理 {cutoff_day:%Y-%m-%d} "
            "（含）之前的记录。"
        )
    cutoff = timezone.make_aware(datetime.datetime.combine(before, datetime.time.min))
    with transaction.atomic():
        head = locked_head()
        first_kept = AuditEvent.objects.filter(at__gte=cutoff).order_by("seq").first()
        last_seq = first_kept.seq - 1 if first_kept else head.last_seq
        last = AuditEvent.objects.filter(seq__lte=last_seq).order_by("-seq").first()
        if last is None:
            deleted = 0
        else:
            old = AuditEvent.objects.filter(seq__lte=last.seq)
            with purge_permitted(connection):
                # QuerySet.delete is refused on purpose; this is the raw delete it would run.
                deleted = old._raw_delete(old.db)
            head.anchor_seq, head.anchor_hash = last.seq, last.row_hash
            head.save(update_fields=["anchor_seq", "anchor_hash"])
        AuditEvent(
            actor_username=actor_username,
            action=AuditAction.AUDIT_PURGE,
            action_label=AuditAction.AUDIT_PURGE.label,
            details={
                "before": before.isoformat(),
                "deleted": deleted,
                "purged_through_seq": head.anchor_seq,
                "purged_through_hash": head.anchor_hash,
            },
        ).save()
    return deleted


# --- Passwords -------------------------------------------------------------------------------


def password_reset_by_admin(*, request: HttpRequest, user: User) -> None:
    """Someone else set this account's password: the holder must choose their own at next
    login; the lockout counter of the account is cleared (a reset is also the way to unlock)."""
    from axes.utils import reset as axes_reset

    actor = request.user if request.user.is_authenticated else None
    PasswordPolicyState.objects.update_or_create(
        user=user,
        defaults={
            "must_change": user.has_usable_password(),
            "reason": PasswordChangeReason.ADMIN_RESET,
            "set_by_username": actor.get_username() if actor else "",
        },
    )
    axes_reset(username=user.get_username())
    audit_record(
        request=request,
        action=AuditAction.PASSWORD_RESET,
        obj=user,
        details={"usable_password": user.has_usable_password()},
    )


def password_changed_by_holder(*, request: HttpRequest, user: User) -> None:
    """The holder chose their own password: lift the forced change and record it."""
    PasswordPolicyState.objects.filter(user=user).update(must_change=False)
    request.session.pop(SESSION_MUST_CHANGE, None)
    audit_record(request=request, action=AuditAction.PASSWORD_CHANGE, obj=user)


def password_change_failed(*, request: HttpRequest, user: User, fields: list[str]) -> None:
    audit_record(
        request=request,
        action=AuditAction.PASSWORD_CHANGE,
        obj=user,
        outcome=AuditOutcome.FAILURE,
        details={"fields": sorted(fields)},
    )


# --- The hash chain ----------------------------------------------------------------------------


def audit_chain_check(*, since: datetime.date | None = None, alert: bool = True) -> ChainReport:
    """Verify the chain and record the check; a break is raised to every audit admin (an in-app
    notice and an e-mail) and logged as an error."""
    report = chain_verify(since=since)
    details = {"since": since.isoformat() if since else "", "checked": report.checked}
    if report.broken is not None:
        details.update(
            kind=report.broken.kind, seq=report.broken.seq, message=report.broken.message
        )
    audit_record(
        action=AuditAction.AUDIT_VERIFY,
        outcome=AuditOutcome.SUCCESS if report.ok else AuditOutcome.FAILURE,
        details=details,
    )
    if not report.ok:
        log.error("audit chain broken: %s", report.broken.message)
        if alert:
            audit_admins_alert(message=report.summary())
    return report


def audit_admins_alert(*, message: str) -> int:
    """Tell every active audit admin (in the app and by e-mail)."""
    from django.urls import reverse

    from units.enums import GrantedRole
    from workflow.services import notification_push

    admins = User.objects.filter(
        is_active=True,
        person__active=True,
        person__role_grants__role=GrantedRole.AUDIT_ADMIN,
    ).distinct()
    count = 0
    for admin_user in admins:
        notification_push(
            recipient=admin_user,
            kind="audit_chain_broken",
            message=message[:300],
            url=reverse("admin:audit_auditevent_changelist"),
        )
        count += 1
    return count


def audit_digest_export(*, request: HttpRequest, start: datetime.date, end: datetime.date) -> dict:
    """The signed digest of a period, for the audit admin to keep outside the server."""
    digest = digest_for_period(start=start, end=end)
    audit_record(
        request=request,
        action=AuditAction.AUDIT_DIGEST,
        details={
            "from": start.isoformat(),
            "to": end.isoformat(),
            "rows": digest["rows"],
            "last_hash": digest["last_hash"],
        },
    )
    return digest
