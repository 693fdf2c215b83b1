"""Reads of the explicit grants, scoped to the user who manages them (access.rules)."""

from django.contrib.auth.models import User
from django.db.models import QuerySet

from access import rules
from access.models import Delegation, FormReadGrant, UnitReadGrant
from riskreg import clock


def delegations_for(user: User) -> QuerySet[Delegation]:
    """委托 not yet ended, of the units whose 廉防办 the user is."""
    units = rules.units_delegations_managed(user)
    return (
        Delegation.objects.filter(content_object__unit__in=units, ends_on__gte=clock.today())
        .select_related("content_object__unit", "user__person", "granted_by")
        .order_by("starts_on", "id")
    )


def read_grants_for(user: User) -> list[UnitReadGrant | FormReadGrant]:
    """特别授权 not yet ended, over the units whose 纪检 the user is (and their forms)."""
    units = rules.units_read_grants_managed(user)
    today = clock.today()
    unit_grants = UnitReadGrant.objects.filter(content_object__in=units, ends_on__gte=today)
    form_grants = FormReadGrant.objects.filter(
        content_object__unit__in=units, ends_on__gte=today
    ).select_related("content_object__unit", "content_object__post", "content_object__department")
    rows: list = [
        *unit_grants.select_related("content_object", "user__person", "granted_by"),
        *form_grants.select_related("user__person", "granted_by"),
    ]
    return sorted(rows, key=lambda g: (g.starts_on, g.pk))
