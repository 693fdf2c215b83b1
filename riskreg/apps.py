from django.contrib.admin.apps import AdminConfig


class RiskregAdminConfig(AdminConfig):
    """The Django admin, with riskreg's site deciding who may enter from roles, not is_staff."""

    default_site = "riskreg.admin_site.RiskregAdminSite"

    def ready(self):
        super().ready()
        from riskreg import checks  # noqa: F401  (registers the project's system checks)
