"""Writes to the organisation model. Every write validates with full_clean() first."""

from django.contrib.auth.models import User
from django.db import transaction

from units.enums import GrantedRole
from units.models import Department, Person, Post, RoleGrant, Unit


def username_for(*, unit: Unit, employee_no: str) -> str:
    """The login name of a person: lower-case unit code, a hyphen, the employee number
    (GYRC + 000123 → "gyrc-000123"). Stable, predictable, unique because 工号 is unique per unit."""
    return f"{unit.code.lower()}-{employee_no.strip()}"


@transaction.atomic
def person_create(
    *,
    unit: Unit,
    employee_no: str,
    name: str,
    department: Department | None = None,
    post: Post | None = None,
    job_title: str = "",
    phone: str = "",
    email: str = "",
    active: bool = True,
    username: str | None = None,
) -> Person:
    """Create a person with a login that has no usable password until an invite or reset."""
    person = Person(
        unit=unit,
        employee_no=employee_no.strip(),
        name=name.strip(),
        department=department,
        post=post,
        job_title=job_title,
        phone=phone,
        email=email,
        active=active,
    )
    # The person's own rules (unique 工号, matching unit) speak first; then the login's.
    person.full_clean(exclude=["user"])
    user = User(username=username or username_for(unit=unit, employee_no=employee_no), email=email)
    user.set_unusable_password()
    user.is_active = active
    user.full_clean()
    user.save()
    person.user = user
    person.save()
    return person


def person_set_active(*, person: Person, active: bool) -> Person:
    """Deactivation keeps the record and the history; it only closes the login."""
    person.active = active
    person.full_clean()
    person.save(update_fields=["active"])
    if person.user.is_active != active:
        person.user.is_active = active
        person.user.save(update_fields=["is_active"])
    return person


def role_grant(
    *,
    person: Person,
    role: GrantedRole,
    unit: Unit,
    include_subunits: bool = False,
    granted_by: User | None = None,
    note: str = "",
) -> RoleGrant:
    grant = RoleGrant.objects.filter(person=person, role=role, unit=unit).first()
    if grant is None:
        grant = RoleGrant(person=person, role=role, unit=unit, granted_by=granted_by)
    grant.include_subunits = include_subunits
    grant.note = note
    grant.full_clean()
    grant.save()
    return grant
