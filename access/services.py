"""Writes of the explicit grants (access.models): granted and revoked in the application by
the roles allowed — 廉防办 of the delegator's unit for a 委托, 纪检监督 over the unit for a
特别授权 — each write in the audit log (audit.services.audit_record).

A refused write raises PermissionDenied (the view answers 403); bad input raises
ValidationError with a Chinese message; nothing is written in either case.
"""

import datetime

from django.contrib.auth.models import Permission, User
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction

from access import rules
from access.models import ACT_FOR, READ_RECORDS, Delegation, FormReadGrant, UnitReadGrant
from audit.enums import AuditAction
from audit.services import audit_record
from riskreg import clock
from risks.models import RiskForm
from units.models import Person, Unit

PERMISSION_NAMES = {ACT_FOR: "代为审核、签字（委托）", READ_RECORDS: "查阅记录（特别授权）"}


def _permission(model: type[models.Model], codename: str) -> Permission:
    ct = ContentType.objects.get_for_model(model)
    perm, _ = Permission.objects.get_or_create(
        content_type=ct, codename=codename, defaults={"name": PERMISSION_NAMES[codename]}
    )
    return perm


def _check_dates(starts_on: datetime.date, ends_on: datetime.date) -> None:
    if ends_on < starts_on:
        raise ValidationError({"ends_on": "截止日期不能早于起始日期。"})
    if ends_on < clock.today():
        raise ValidationError({"ends_on": "截止日期已过。"})


def _audit(by: User, action: AuditAction, obj: models.Model, address: str | None, **details):
    audit_record(actor=by, action=action, obj=obj, address=address, details=details)


def delegation_grant(
    *,
    by: User,
    delegator: Person,
    delegate: Person,
    starts_on: datetime.date,
    ends_on: datetime.date,
    note: str = "",
    client_address: str | None = None,
) -> Delegation:
    """委托: `delegate` reviews and signs for `delegator` from `starts_on` to `ends_on`."""
    if not rules.can_manage_delegation(by, delegator):
        raise PermissionDenied("只有委托人所在单位的廉防办可以登记委托。")
    h = rules.holdings(delegator)
    if not (h.headed_department_ids or h.supervised_department_ids or h.principal_unit_ids):
        raise ValidationError({"delegator": f"{delegator.name}没有可委托的审核或签字职责。"})
    if delegate.pk == delegator.pk:
        raise ValidationError({"delegate": "受托人不能是委托人本人。"})
    if not delegate.active or delegate.unit_id != delegator.unit_id:
        raise ValidationError({"delegate": "受托人须为本单位在岗人员。"})
    _check_dates(starts_on, ends_on)
    if Delegation.objects.filter(user=delegate.user, content_object=delegator).exists():
        raise ValidationError({"delegate": "已有同一受托人的委托，请先撤销原委托。"})
    granter = rules.person_for(by)
    with transaction.atomic():
        row = Delegation(
            user=delegate.user,
            permission=_permission(Person, ACT_FOR),
            content_object=delegator,
            starts_on=starts_on,
            ends_on=ends_on,
            granted_by=granter,
            note=note.strip(),
        )
        row.full_clean()
        row.save()
        _audit(
            by,
            AuditAction.DELEGATION_GRANT,
            delegator,
            client_address,
            delegate=delegate.pk,
            starts_on=starts_on.isoformat(),
            ends_on=ends_on.isoformat(),
        )
    return row


def delegation_revoke(
    *, by: User, delegation: Delegation, client_address: str | None = None
) -> None:
    if not rules.can_manage_delegation(by, delegation.content_object):
        raise PermissionDenied("只有委托人所在单位的廉防办可以撤销委托。")
    with transaction.atomic():
        _audit(
            by,
            AuditAction.DELEGATION_REVOKE,
            delegation.content_object,
            client_address,
            delegate_user=delegation.user_id,
        )
        delegation.delete()


def read_grant_grant(
    *,
    by: User,
    grantee: Person,
    unit: Unit | None = None,
    form: RiskForm | None = None,
    starts_on: datetime.date,
    ends_on: datetime.date,
    note: str = "",
    client_address: str | None = None,
) -> UnitReadGrant | FormReadGrant:
    """特别授权: `grantee` reads `unit`'s records (or the one `form`) between the dates."""
    if (unit is None) == (form is None):
        raise ValidationError("请选择一个单位或一张一览表。")
    target_unit = unit if unit is not None else form.unit
    if not rules.can_manage_read_grant(by, target_unit):
        raise PermissionDenied("只有该单位的纪检监督人员可以特别授权。")
    if not grantee.active:
        raise ValidationError({"grantee": "被授权人须为在岗人员。"})
    _check_dates(starts_on, ends_on)
    model, obj = (UnitReadGrant, unit) if unit is not None else (FormReadGrant, form)
    if model.objects.filter(user=grantee.user, content_object=obj).exists():
        raise ValidationError({"grantee": "该人员已有此项特别授权，请先撤销原授权。"})
    with transaction.atomic():
        row = model(
            user=grantee.user,
            permission=_permission(type(obj), READ_RECORDS),
            content_object=obj,
            starts_on=starts_on,
            ends_on=ends_on,
            granted_by=rules.person_for(by),
            note=note.strip(),
        )
        row.full_clean()
        row.save()
        _audit(
            by,
            AuditAction.READ_GRANT,
            obj,
            client_address,
            grantee=grantee.pk,
            starts_on=starts_on.isoformat(),
            ends_on=ends_on.isoformat(),
        )
    return row


def read_grant_revoke(
    *, by: User, grant: UnitReadGrant | FormReadGrant, client_address: str | None = None
) -> None:
    obj = grant.content_object
    unit = obj if isinstance(obj, Unit) else obj.unit
    if not rules.can_manage_read_grant(by, unit):
        raise PermissionDenied("只有该单位的纪检监督人员可以撤销特别授权。")
    with transaction.atomic():
        _audit(by, AuditAction.READ_GRANT_REVOKE, obj, client_address, grantee_user=grant.user_id)
        grant.delete()
