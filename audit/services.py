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
from audit.models import (
    AuditEvent,
    AuditLogIsAppendOnly,
    DualControlKind,
    DualControlRequest,
    DualControlState,
    PasswordChangeReason,
    PasswordPolicyState,
)
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


# --- The two-person procedure (双人审批) ---------------------------------------------------------


class DualControlRefused(Exception):
    """A request or decision the rules of 三员分立 do not allow; the message is for the user."""


def dual_request_create(
    *,
    request: HttpRequest,
    kind: str,
    target,
    reason: str,
    role: str = "",
    unit=None,
    include_subunits: bool = False,
) -> DualControlRequest:
    """One person asks for a protected change; nothing changes until another approves."""
    from audit import duties

    user = request.user
    if target.user_id == user.pk:
        raise DualControlRefused("不能为自己提出申请，请由其他人员提出。")
    scope = unit or target.unit
    if not duties.may_request_over(user, scope) or not duties.may_request_over(user, target.unit):
        raise DualControlRefused("您无权为该单位的人员提出此项申请。")
    if kind in (DualControlKind.GRANT, DualControlKind.REVOKE):
        if role not in duties.PROTECTED_ROLES:
            raise DualControlRefused("双人审批只用于安全审计员和纪检监督角色。")
        if kind == DualControlKind.GRANT:
            clash = duties.incompatible_role_refusal(person=target, role=role)
            if clash:
                raise DualControlRefused(clash)
        elif not target.role_grants.filter(role=role, unit=scope).exists():
            raise DualControlRefused("该人员在此单位没有这一角色，无需撤销。")
    elif not duties.is_protected(target):
        raise DualControlRefused(
            "该人员不担任安全审计员或纪检监督，其密码和动态口令由系统管理员直接重置。"
        )
    if DualControlRequest.objects.filter(
        target=target, kind=kind, role=role or "", state=DualControlState.PENDING
    ).exists():
        raise DualControlRefused("已有一份相同的申请待批准。")
    dual = DualControlRequest(
        kind=kind,
        target=target,
        role=role or "",
        unit=scope if kind in (DualControlKind.GRANT, DualControlKind.REVOKE) else None,
        include_subunits=include_subunits,
        reason=reason,
        requested_by=user,
    )
    dual.full_clean()
    dual.save()
    audit_record(
        request=request, action=AuditAction.DUAL_REQUEST, obj=target, details=_dual_details(dual)
    )
    return dual


@transaction.atomic
def dual_request_decide(
    *, request: HttpRequest, dual: DualControlRequest, approve: bool, note: str = ""
) -> str | None:
    """Another person approves (the change is made now) or rejects. Returns the temporary
    password of an approved password reset, to hand to its holder; otherwise None."""
    from audit import duties

    dual = DualControlRequest.objects.select_for_update().get(pk=dual.pk)
    if dual.state != DualControlState.PENDING:
        raise DualControlRefused("该申请已经处理过了。")
    if not duties.may_approve(request.user, dual):
        raise DualControlRefused("您不能审批这份申请：审批人须是申请人和对象以外、有审批权的人员。")
    dual.decided_by = request.user
    dual.decided_at = timezone.now()
    dual.decision_note = note
    if not approve:
        dual.state = DualControlState.REJECTED
        dual.save()
        audit_record(
            request=request,
            action=AuditAction.DUAL_REJECT,
            obj=dual.target,
            details=_dual_details(dual),
        )
        return None
    dual.state = DualControlState.APPROVED
    dual.save()
    audit_record(
        request=request,
        action=AuditAction.DUAL_APPROVE,
        obj=dual.target,
        details=_dual_details(dual),
    )
    return _dual_execute(request=request, dual=dual)


def _dual_execute(*, request: HttpRequest, dual: DualControlRequest) -> str | None:
    from axes.utils import reset as axes_reset
    from django.contrib.sessions.models import Session

    from audit import mfa
    from units.models import RoleGrant
    from units.services import role_grant

    target = dual.target
    details = {**_dual_details(dual), "dual_request": dual.pk}
    if dual.kind == DualControlKind.GRANT:
        grant = role_grant(
            person=target,
            role=dual.role,
            unit=dual.unit,
            include_subunits=dual.include_subunits,
            granted_by=dual.requested_by,
            note=f"双人审批第 {dual.pk} 号",
        )
        audit_record(request=request, action=AuditAction.ROLE_GRANT, obj=grant, details=details)
        return None
    if dual.kind == DualControlKind.REVOKE:
        for grant in RoleGrant.objects.filter(person=target, role=dual.role, unit=dual.unit):
            audit_record(
                request=request, action=AuditAction.ROLE_REVOKE, obj=grant, details=details
            )
            grant.delete()
        return None
    user = target.user
    # Recovery ends every session of the account: whoever holds one now must log in again.
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            session.delete()
    if dual.kind == DualControlKind.RESET_MFA:
        mfa.devices_remove(user=user)
        audit_record(
            request=request,
            action=AuditAction.MFA_ENROL,
            obj=user,
            details={**details, "reset": True},
        )
        return None
    temporary = _random_password()
    user.set_password(temporary)
    user.save(update_fields=["password"])
    PasswordPolicyState.objects.update_or_create(
        user=user,
        defaults={
            "must_change": True,
            "reason": PasswordChangeReason.ADMIN_RESET,
            "set_by_username": request.user.get_username(),
        },
    )
    axes_reset(username=user.get_username())
    audit_record(request=request, action=AuditAction.PASSWORD_RESET, obj=user, details=details)
    return temporary


def _random_password() -> str:
    """16 characters of four classes: passes the password policy, to be changed at once."""
    import secrets
    import string

    alphabet = string.ascii_letters + string.digits
    while True:
        body = "".join(secrets.choice(alphabet) for _ in range(14))
        candidate = f"{body[:7]}#{body[7:]}!"
        classes = (str.islower, str.isupper, str.isdigit)
        if all(any(test(c) for c in body) for test in classes):
            return candidate


def _dual_details(dual: DualControlRequest) -> dict:
    return {
        "kind": dual.kind,
        "role": dual.role,
        "unit": str(dual.unit) if dual.unit_id else "",
        "include_subunits": dual.include_subunits,
        "target": str(dual.target),
        "requested_by": dual.requested_by.get_username(),
        "decided_by": dual.decided_by.get_username() if dual.decided_by_id else "",
        "reason": dual.reason,
        "note": dual.decision_note,
    }
