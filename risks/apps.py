from django.apps import AppConfig


class RisksConfig(AppConfig):
    """The risk register: rounds, risk forms, risk points, measures, the risk library."""

    name = "risks"
    verbose_name = "风险台账"
