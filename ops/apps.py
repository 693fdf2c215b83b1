from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Running on several machines: storage settings, replica routing, worker heartbeats,
    daily-job claims, /healthz and structured logs (README, "Deployment guide")."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "ops"
    verbose_name = "运行维护"
