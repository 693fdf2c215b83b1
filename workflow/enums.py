"""States of a RiskForm along the approval chain (SPEC section 5). The workflow app owns them."""

from django.db import models


class FormState(models.TextChoices):
    DRAFT = "draft", "自查填报"
    DEPT_REVIEW = "dept_review", "部室审核"
    MASS_REVIEW = "mass_review", "群众评议"
    COLLECTIVE = "collective", "集体审定"
    PUBLIC_NOTICE = "public_notice", "公示"
    FILED = "filed", "已备案"

    @classmethod
    def published(cls) -> tuple["FormState", ...]:
        """States in which the form is part of the unit's published register."""
        return (cls.PUBLIC_NOTICE, cls.FILED)
