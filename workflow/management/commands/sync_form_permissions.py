"""Refresh the guardian object permissions of risk forms from the transition table."""

from django.core.management.base import BaseCommand

from risks.models import RiskForm
from workflow.permissions import forms_permissions_sync


class Command(BaseCommand):
    help = "按审批流程表重新计算一览表的对象权限（组织机构调整后运行）。"

    def add_arguments(self, parser):
        parser.add_argument("--unit", help="只处理该单位代码的一览表")

    def handle(self, *args, unit=None, **options):
        forms = RiskForm.objects.all()
        if unit:
            forms = forms.filter(unit__code=unit)
        n = forms_permissions_sync(forms=forms)
        self.stdout.write(f"已更新 {n} 张一览表的权限。")
