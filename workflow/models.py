"""Records of the approval chain. Signatures are written only by workflow.services."""

from django.db import models

from risks.models import RiskForm
from units.models import Person


class SignatureKind(models.TextChoices):
    """The signature lines of the seed forms (seed 000 / seed 001)."""

    FILLER = "filler", "填表人签字"
    DEPT_HEAD = "dept_head", "部室负责人签字"
    SUPERVISOR = "supervisor", "分管领导签字"
    PRINCIPAL = "principal", "党组书记签字"


class Signature(models.Model):
    form = models.ForeignKey(
        RiskForm, verbose_name="一览表", on_delete=models.CASCADE, related_name="signatures"
    )
    kind = models.CharField("签字栏", max_length=20, choices=SignatureKind.choices)
    person = models.ForeignKey(
        Person, verbose_name="签字人", on_delete=models.PROTECT, related_name="+"
    )
    # Snapshot: the printed name stays what it was when signed, whatever happens to the person.
    name = models.CharField("签字人姓名", max_length=50)
    signed_at = models.DateTimeField("签字时间")

    class Meta:
        verbose_name = "签字"
        verbose_name_plural = "签字"
        ordering = ["form", "signed_at"]
        constraints = [
            models.UniqueConstraint(fields=["form", "kind"], name="one_signature_per_line"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.name}"
