"""Who may do what with the power list: every rule as a predicate (one object) and its
queryset twin (many), on the org-chart roles of access.rules.

- Read: the integrity office (廉防办), the inspectors (纪检), the principal and the leaders read
  every item of their unit; a department head reads the items of their department and its
  posts; every member of the unit reads the confirmed items (the list is published, seed 003)
  and the items of their own post in any state. Others: nothing (404).
- Draft (add, edit, steps): the head of the item's department; the integrity office for every
  item of its unit (the leadership's posts have no department, so only the office drafts them).
  Staff edit nothing (403 on an item they can read).
- Confirm (确权): the integrity office of the item's unit.
- Tie a risk point to a step: the filler of the form while they may edit it (access.rules),
  to a step of a power item of the form's own post or department.

Uses of access.rules: person_for, holdings (post_ids, headed_department_ids,
principal_unit_ids, leader_unit_ids, grants), roles_over_unit.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q, QuerySet

from access import rules as roles
from access.rules import can_edit_form
from powers.enums import PowerState
from powers.models import PowerItem, PowerStep
from risks.enums import SubjectKind
from risks.models import RiskForm
from units.enums import GrantedRole, Role
from units.models import Department, Person, Post, Unit

AnyUser = User | AnonymousUser | None

CATALOGUE_READER_ROLES = frozenset(
    {Role.MEMBER, Role.PRINCIPAL, Role.LEADER, Role.INTEGRITY_OFFICE, Role.INSPECTOR}
)


def _granted_unit_ids(person: Person, role: GrantedRole) -> set[int]:
    """Units over which the person holds a grant (sub-units included where granted)."""
    paths = [(p, sub) for r, p, sub in roles.holdings(person).grants if r == role]
    if not paths:
        return set()
    return set(
        Unit.objects.filter(roles.covers_q(paths, field="path")).values_list("pk", flat=True)
    )


def _whole_unit_ids(person: Person) -> set[int]:
    """Units whose every item the person reads."""
    cached = getattr(person, "_powers_whole_units", None)
    if cached is None:
        h = roles.holdings(person)
        cached = (
            _granted_unit_ids(person, GrantedRole.INTEGRITY_OFFICE)
            | _granted_unit_ids(person, GrantedRole.INSPECTOR)
            | set(h.principal_unit_ids)
            | set(h.leader_unit_ids)
        )
        person._powers_whole_units = cached
    return cached


def office_unit_ids(user: AnyUser) -> set[int]:
    person = roles.person_for(user)
    if person is None:
        return set()
    cached = getattr(person, "_powers_office_units", None)
    if cached is None:
        cached = _granted_unit_ids(person, GrantedRole.INTEGRITY_OFFICE)
        person._powers_office_units = cached
    return cached


def _item_department_id(item: PowerItem) -> int | None:
    if item.department_id:
        return item.department_id
    return item.post.department_id if item.post_id else None


# --- reading -------------------------------------------------------------------------------


def can_read_catalogue(user: AnyUser, unit: Unit) -> bool:
    """May open the unit's 职权目录 page (its rows are still items_visible_to's answer)."""
    return bool(roles.roles_over_unit(roles.person_for(user), unit) & CATALOGUE_READER_ROLES)


def can_view_item(user: AnyUser, item: PowerItem) -> bool:
    person = roles.person_for(user)
    if person is None:
        return False
    h = roles.holdings(person)
    return (
        item.unit_id in _whole_unit_ids(person)
        or (item.unit_id == person.unit_id and item.state == PowerState.CONFIRMED)
        or (item.post_id is not None and item.post_id in h.post_ids)
        or _item_department_id(item) in h.headed_department_ids
    )


def items_visible_to(user: AnyUser, qs: QuerySet[PowerItem] | None = None) -> QuerySet[PowerItem]:
    qs = PowerItem.objects.all() if qs is None else qs
    person = roles.person_for(user)
    if person is None:
        return qs.none()
    h = roles.holdings(person)
    return qs.filter(
        Q(unit_id__in=_whole_unit_ids(person))
        | Q(unit_id=person.unit_id, state=PowerState.CONFIRMED)
        | Q(post_id__in=h.post_ids)
        | Q(department_id__in=h.headed_department_ids)
        | Q(post__department_id__in=h.headed_department_ids)
    )


# --- drafting ------------------------------------------------------------------------------


def can_edit_item(user: AnyUser, item: PowerItem) -> bool:
    person = roles.person_for(user)
    if person is None:
        return False
    return (
        item.unit_id in office_unit_ids(user)
        or _item_department_id(item) in roles.holdings(person).headed_department_ids
    )


def items_editable_by(user: AnyUser, qs: QuerySet[PowerItem] | None = None) -> QuerySet[PowerItem]:
    qs = PowerItem.objects.all() if qs is None else qs
    person = roles.person_for(user)
    if person is None:
        return qs.none()
    headed = roles.holdings(person).headed_department_ids
    return qs.filter(
        Q(unit_id__in=office_unit_ids(user))
        | Q(department_id__in=headed)
        | Q(post__department_id__in=headed)
    )


def departments_draftable(user: AnyUser, unit: Unit) -> QuerySet[Department]:
    """Departments for whose items (and whose posts' items) the user may add items."""
    person = roles.person_for(user)
    if person is None:
        return Department.objects.none()
    qs = Department.objects.filter(unit=unit)
    if unit.pk in office_unit_ids(user):
        return qs
    return qs.filter(pk__in=roles.holdings(person).headed_department_ids)


def posts_draftable(user: AnyUser, unit: Unit) -> QuerySet[Post]:
    """Posts the user may add items for: the office every post of its unit (leadership too),
    a head the posts of their department."""
    person = roles.person_for(user)
    if person is None:
        return Post.objects.none()
    qs = Post.objects.filter(unit=unit, active=True)
    if unit.pk in office_unit_ids(user):
        return qs
    return qs.filter(department_id__in=roles.holdings(person).headed_department_ids)


def can_add_in(user: AnyUser, unit: Unit) -> bool:
    return departments_draftable(user, unit).exists() or unit.pk in office_unit_ids(user)


# --- confirming ----------------------------------------------------------------------------


def can_confirm_item(user: AnyUser, item: PowerItem) -> bool:
    return item.unit_id in office_unit_ids(user)


def items_confirmable_by(
    user: AnyUser, qs: QuerySet[PowerItem] | None = None
) -> QuerySet[PowerItem]:
    qs = PowerItem.objects.all() if qs is None else qs
    return qs.filter(unit_id__in=office_unit_ids(user))


# --- tying risk points ---------------------------------------------------------------------


def items_of_form(form: RiskForm) -> QuerySet[PowerItem]:
    """The power items a form's risk points may be tied to: its post's; for a department form
    the department's and its posts'; for the leadership form the leadership posts'."""
    qs = PowerItem.objects.filter(unit_id=form.unit_id)
    if form.subject_kind == SubjectKind.POST:
        return qs.filter(post_id=form.post_id)
    if form.subject_kind == SubjectKind.DEPARTMENT:
        return qs.filter(
            Q(department_id=form.department_id) | Q(post__department_id=form.department_id)
        )
    return qs.filter(post__department__isnull=True, post__isnull=False)


def can_tie_point(user: AnyUser, form: RiskForm, step: PowerStep | None) -> bool:
    if not can_edit_form(user, form):
        return False
    return step is None or items_of_form(form).filter(pk=step.item_id).exists()
