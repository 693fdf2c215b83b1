"""Reads of the organisation model, scoped to what the asking user may see."""

from django.contrib.auth.models import User
from django.db.models import F, QuerySet

from access import rules as access
from units.models import Person, RosterImport, Unit


def units_managed_by(user: User) -> QuerySet[Unit]:
    """Units whose org chart and roster the user manages (system admin grants)."""
    if not access.may_manage_org(user):
        return Unit.objects.none()
    unit_ids = access.managed_unit_ids(user)
    units = Unit.objects.all()
    return units if unit_ids is None else units.filter(id__in=unit_ids)


def roster_people(*, unit: Unit) -> QuerySet[Person]:
    """Everyone on the unit's roster, leavers included (在岗 = 否), in roster order."""
    return (
        Person.objects.filter(unit=unit)
        .select_related("department", "post")
        # The leadership (no department) first, then the departments in their order.
        .order_by(
            F("department__order").asc(nulls_first=True),
            F("post__order").asc(nulls_first=True),
            "employee_no",
        )
    )


def roster_imports_for(user: User) -> QuerySet[RosterImport]:
    units = units_managed_by(user)
    return RosterImport.objects.filter(unit__in=units).select_related("unit", "imported_by")
