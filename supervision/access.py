"""Who sees and who acts on supervision records: every rule of the app is here, each as a
predicate (`can_view_*`, one object) and its queryset twin (`*_visible_to`, lists), so a list
never shows what its detail page would refuse.

- 纪检 (an inspector grant over the record's unit, sub-units where granted) sees everything.
- The subject sees their own records: the warning's recipient (a department's head for a
  department), the disposition's subject, an item's responsible person.
- A department head sees the rectification items assigned to their department.
- The principal sees the unit's warnings, dispositions, items and proposals.
- 廉防办 sees the proposals to raise a level of its unit (it answers them at 集体审定).
- Findings: 纪检 sees all. Where the unit's 纪检 allows it (UnitSettings.office_records_findings,
  set on the 监督台), the unit's 廉防办 may record findings too and sees the findings it
  recorded itself — only those, and only while the permission stays on (turned off, findings
  are 纪检's alone again). Everything done with a finding (warnings, dispositions, 更正) stays
  纪检's. Everyone else — colleagues, system and audit admins — gets 404.

Built on access.rules only: `person_for`, `holdings` (principal units, headed departments,
grants), `roles_over_unit`, `granted_units`, `has_grant`.
"""

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q, QuerySet

from access import rules as roles
from supervision import transitions
from supervision.enums import DispositionKind
from supervision.models import (
    Disposition,
    Finding,
    LevelRaiseProposal,
    RectificationItem,
    UnitSettings,
    WarningNotice,
)
from units.enums import GrantedRole, Role
from units.models import Person, Unit

AnyUser = User | AnonymousUser | None


# ---------------------------------------------------------------- the roles involved


def _grant_q(person: Person, role: GrantedRole, prefix: str = "unit") -> Q:
    """Records whose unit lies under one of the person's grants of `role` (access.rules' rule)."""
    grants = [(path, sub) for r, path, sub in roles.holdings(person).grants if r == role]
    return roles.covers_q(grants, field=f"{prefix}__path")


def inspects(person: Person | None, unit: Unit) -> bool:
    return Role.INSPECTOR in roles.roles_over_unit(person, unit)


def _principal_of(person: Person | None, unit_id: int) -> bool:
    return person is not None and unit_id in roles.holdings(person).principal_unit_ids


def _office_of(person: Person | None, unit: Unit) -> bool:
    return Role.INTEGRITY_OFFICE in roles.roles_over_unit(person, unit)


def _heads(person: Person | None, department_id: int | None) -> bool:
    return (
        person is not None
        and department_id is not None
        and department_id in roles.holdings(person).headed_department_ids
    )


def inspected_units(user: AnyUser) -> list[Unit]:
    """The units whose records the user keeps as 纪检 (the 监督台's scope)."""
    return roles.granted_units(user, GrantedRole.INSPECTOR)


def may_use_desk(user: AnyUser) -> bool:
    """纪检's 监督台 and the forms that create records."""
    return roles.has_grant(user, GrantedRole.INSPECTOR)


def may_issue(user: AnyUser, unit: Unit) -> bool:
    return inspects(roles.person_for(user), unit)


# ---------------------------------------------------------------- 监督发现


def office_records_findings(person: Person | None, unit: Unit) -> bool:
    """廉防办 of the unit, and the unit's 纪检 has allowed its 廉防办 to record findings."""
    return _office_of(person, unit) and UnitSettings.of(unit).office_records_findings


def office_finding_units(user: AnyUser) -> list[Unit]:
    """The units for which the user records findings as 廉防办 (allowed by their 纪检)."""
    units = roles.granted_units(user, GrantedRole.INTEGRITY_OFFICE)
    if not units:
        return []
    allowed = set(
        UnitSettings.objects.filter(unit__in=units, office_records_findings=True).values_list(
            "unit_id", flat=True
        )
    )
    return [unit for unit in units if unit.pk in allowed]


def finding_units(user: AnyUser) -> list[Unit]:
    """The units for which the user may record a finding: as 纪检, or as 廉防办 where allowed."""
    units = {u.pk: u for u in office_finding_units(user)}
    units.update({u.pk: u for u in inspected_units(user)})
    return sorted(units.values(), key=lambda u: u.path)


def may_record_finding(user: AnyUser, unit: Unit) -> bool:
    person = roles.person_for(user)
    return inspects(person, unit) or office_records_findings(person, unit)


def may_list_findings(user: AnyUser) -> bool:
    """纪检, or a 廉防办 allowed to record findings somewhere (the 监督发现 list)."""
    return may_use_desk(user) or bool(office_finding_units(user))


def can_view_finding(user: AnyUser, finding: Finding) -> bool:
    person = roles.person_for(user)
    if inspects(person, finding.unit):
        return True
    return (
        person is not None
        and finding.recorded_by_id == person.pk
        and office_records_findings(person, finding.unit)
    )


def findings_visible_to(user: AnyUser, qs: QuerySet[Finding] | None = None) -> QuerySet[Finding]:
    qs = Finding.objects.all() if qs is None else qs
    person = roles.person_for(user)
    if person is None:
        return qs.none()
    own_as_office = Q(
        recorded_by=person, unit__supervision_settings__office_records_findings=True
    ) & _grant_q(person, GrantedRole.INTEGRITY_OFFICE)
    return qs.filter(_grant_q(person, GrantedRole.INSPECTOR) | own_as_office)


# ---------------------------------------------------------------- 预警


def can_view_warning(user: AnyUser, warning: WarningNotice) -> bool:
    person = roles.person_for(user)
    if person is None:
        return False
    return (
        warning.recipient_id == person.pk
        or _principal_of(person, warning.unit_id)
        or inspects(person, warning.unit)
    )


def warnings_visible_to(
    user: AnyUser, qs: QuerySet[WarningNotice] | None = None
) -> QuerySet[WarningNotice]:
    qs = WarningNotice.objects.all() if qs is None else qs
    person = roles.person_for(user)
    if person is None:
        return qs.none()
    h = roles.holdings(person)
    return qs.filter(
        Q(recipient=person)
        | Q(unit_id__in=h.principal_unit_ids)
        | _grant_q(person, GrantedRole.INSPECTOR)
    )


# ---------------------------------------------------------------- 处置 and 整改事项


def can_view_item(user: AnyUser, item: RectificationItem) -> bool:
    person = roles.person_for(user)
    if person is None:
        return False
    disposition = item.disposition
    return (
        item.responsible_id == person.pk
        or _heads(person, item.department_id)
        or disposition.subject_id == person.pk
        or _principal_of(person, disposition.unit_id)
        or inspects(person, disposition.unit)
    )


def items_visible_to(
    user: AnyUser, qs: QuerySet[RectificationItem] | None = None
) -> QuerySet[RectificationItem]:
    qs = RectificationItem.objects.all() if qs is None else qs
    person = roles.person_for(user)
    if person is None:
        return qs.none()
    h = roles.holdings(person)
    return qs.filter(
        Q(responsible=person)
        | Q(department_id__in=h.headed_department_ids)
        | Q(disposition__subject=person)
        | Q(disposition__unit_id__in=h.principal_unit_ids)
        | _grant_q(person, GrantedRole.INSPECTOR, "disposition__unit")
    )


def can_view_disposition(user: AnyUser, disposition: Disposition) -> bool:
    """The subject, the principal, 纪检; for 责令限期整改 also whoever sees one of its items."""
    person = roles.person_for(user)
    if person is None:
        return False
    if (
        disposition.subject_id == person.pk
        or _principal_of(person, disposition.unit_id)
        or inspects(person, disposition.unit)
    ):
        return True
    if disposition.kind != DispositionKind.RECTIFICATION:
        return False
    return items_visible_to(user, disposition.items.all()).exists()


def dispositions_visible_to(
    user: AnyUser, qs: QuerySet[Disposition] | None = None
) -> QuerySet[Disposition]:
    qs = Disposition.objects.all() if qs is None else qs
    person = roles.person_for(user)
    if person is None:
        return qs.none()
    h = roles.holdings(person)
    via_items = items_visible_to(user).values("disposition_id")
    return qs.filter(
        Q(subject=person)
        | Q(unit_id__in=h.principal_unit_ids)
        | _grant_q(person, GrantedRole.INSPECTOR)
        | Q(kind=DispositionKind.RECTIFICATION, pk__in=via_items)
    )


# ---------------------------------------------------------------- 提高等级建议


def can_view_proposal(user: AnyUser, proposal: LevelRaiseProposal) -> bool:
    person = roles.person_for(user)
    if person is None:
        return False
    return (
        _principal_of(person, proposal.unit_id)
        or inspects(person, proposal.unit)
        or _office_of(person, proposal.unit)
    )


def proposals_visible_to(
    user: AnyUser, qs: QuerySet[LevelRaiseProposal] | None = None
) -> QuerySet[LevelRaiseProposal]:
    qs = LevelRaiseProposal.objects.all() if qs is None else qs
    person = roles.person_for(user)
    if person is None:
        return qs.none()
    h = roles.holdings(person)
    return qs.filter(
        Q(unit_id__in=h.principal_unit_ids)
        | _grant_q(person, GrantedRole.INSPECTOR)
        | _grant_q(person, GrantedRole.INTEGRITY_OFFICE)
    )


# ---------------------------------------------------------------- acting


def actor_roles(person: Person | None, record) -> set[str]:
    """The roles of supervision.transitions a person holds over one record."""
    if person is None or not person.active:
        return set()
    held: set[str] = set()
    unit = record.disposition.unit if isinstance(record, RectificationItem) else record.unit
    if inspects(person, unit):
        held.add(transitions.INSPECTOR)
    if isinstance(record, WarningNotice) and record.recipient_id == person.pk:
        held.add(transitions.RECIPIENT)
    if isinstance(record, Disposition) and record.subject_id == person.pk:
        held.add(transitions.RECIPIENT)
    if isinstance(record, RectificationItem) and (
        record.responsible_id == person.pk or _heads(person, record.department_id)
    ):
        held.add(transitions.RESPONSIBLE)
    if isinstance(record, LevelRaiseProposal) and _office_of(person, unit):
        held.add(transitions.OFFICE)
    if isinstance(record, Finding) and office_records_findings(person, unit):
        held.add(transitions.OFFICE)  # records a finding; nothing else on it (transitions)
    return held


VIEW_CHECKS = {
    Finding: can_view_finding,
    WarningNotice: can_view_warning,
    Disposition: can_view_disposition,
    RectificationItem: can_view_item,
    LevelRaiseProposal: can_view_proposal,
}


def can_view(user: AnyUser, record) -> bool:
    return VIEW_CHECKS[type(record)](user, record)
