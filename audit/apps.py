from django.apps import AppConfig


class AuditConfig(AppConfig):
    """Security and audit (等保 2.0): the audit log, password policy, lockout, web hardening."""

    name = "audit"
    verbose_name = "安全审计"

    def ready(self) -> None:
        # Login, logout and lockout are announced only as signals by django.contrib.auth and
        # django-axes; the receivers turn them into audit rows and nothing else.
        from audit import receivers  # noqa: F401
