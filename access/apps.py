from django.apps import AppConfig


class AccessConfig(AppConfig):
    """Who may do what: access.rules answers it; access.models holds the explicit grants."""

    name = "access"
    verbose_name = "访问授权"
