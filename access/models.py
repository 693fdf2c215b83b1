"""Explicit per-object grants the org chart cannot derive, in django-guardian's direct tables.

Access that follows from the org chart (a head reviews the department's forms) is never stored:
access.rules computes it on each request. What is stored here is what a person decided:

- 委托 (`Delegation`): a department head or leader hands the review and signing of their forms
  to a named colleague for a date range; the delegate acts "代 X". The object is the delegator.
- 特别授权 (`UnitReadGrant`, `FormReadGrant`): 纪检 lets a named person read one unit's or
  one form's records for a date range.

Each row is a guardian UserObjectPermission (user = who receives it, permission = what,
content_object = over what) with the dates and the grantor added. Rows outside their dates are
simply not in force (access.rules filters on riskreg.clock.today()); revoking deletes the row,
and the audit log keeps the history (access.services).
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from guardian.models import UserObjectPermissionBase

from risks.models import RiskForm
from units.models import Person, Unit

ACT_FOR = "act_for_person"  # on units.Person: act in that person's place (委托)
READ_RECORDS = "read_records"  # on units.Unit or risks.RiskForm: read its records (特别授权)


class GrantFields(models.Model):
    starts_on = models.DateField("起始日期")
    ends_on = models.DateField("截止日期")
    granted_by = models.ForeignKey(
        Person, verbose_name="授权人", on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField("事由", max_length=200, blank=True)
    created_at = models.DateTimeField("登记时间", default=timezone.now, editable=False)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.user} {self.starts_on:%Y-%m-%d}—{self.ends_on:%Y-%m-%d}"

    def clean(self) -> None:
        super().clean()
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": "截止日期不能早于起始日期。"})


class Delegation(GrantFields, UserObjectPermissionBase):
    """委托: `user` acts for `content_object` (the delegator) between the two dates."""

    content_object = models.ForeignKey(
        Person, verbose_name="委托人", on_delete=models.CASCADE, related_name="delegations"
    )

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = "委托"
        verbose_name_plural = "委托"


class UnitReadGrant(GrantFields, UserObjectPermissionBase):
    """特别授权 over a unit: `user` reads the unit's forms and register between the dates."""

    content_object = models.ForeignKey(
        Unit, verbose_name="单位", on_delete=models.CASCADE, related_name="read_grants"
    )

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = "特别授权（单位）"
        verbose_name_plural = "特别授权（单位）"


class FormReadGrant(GrantFields, UserObjectPermissionBase):
    """特别授权 over one form: `user` reads it between the dates."""

    content_object = models.ForeignKey(
        RiskForm, verbose_name="一览表", on_delete=models.CASCADE, related_name="read_grants"
    )

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = "特别授权（一览表）"
        verbose_name_plural = "特别授权（一览表）"
