from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    """The approval chain 自查 → 部室审核 → 群众评 → 集体定 → 公示 → 备案, and its log."""

    name = "workflow"
    verbose_name = "审批流程"
