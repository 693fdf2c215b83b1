from django.apps import AppConfig
from django.db.models.signals import post_migrate


class WorkflowConfig(AppConfig):
    """The approval chain 自查 → 部室审核 → 群众评 → 集体定 → 公示 → 备案, and its log."""

    name = "workflow"
    verbose_name = "审批流程"

    def ready(self) -> None:
        # Schema set-up, not business logic: the object permission guardian materialises must
        # exist after every migrate and every test-database flush, like Django's own permissions.
        from workflow.permissions import ensure_act_permission

        post_migrate.connect(ensure_act_permission, sender=self)
