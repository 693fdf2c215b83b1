from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """Printed and exported reports: 一览表, the unit register, the quarterly summary."""

    name = "reports"
    verbose_name = "报表"

    def ready(self) -> None:
        from reports import checks  # noqa: F401 — registers the CJK font check
