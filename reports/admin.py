"""Admin of the round's own documents (领导小组成员名单, 工作安排表), for the integrity office
of the round's unit, like the risk library (risks/admin.py)."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from access import rules as roles
from access.rules import units_coordinated_by
from reports.models import RoundGroupMember, RoundPhase


class RoundDocumentAdmin(admin.ModelAdmin):
    list_filter = ["round"]
    list_select_related = ["round"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        qs = super().get_queryset(request)
        if not roles.may_manage_risk_library(request.user):
            return qs  # refused by the permissions below (403), not hidden (a redirect)
        unit_ids = [u.pk for u in units_coordinated_by(request.user)]
        return qs.filter(round__unit_id__in=unit_ids)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "round":
            from risks.models import Round

            unit_ids = [u.pk for u in units_coordinated_by(request.user)]
            kwargs["queryset"] = Round.objects.filter(unit_id__in=unit_ids)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def _mine(self, request: HttpRequest, obj) -> bool:
        if not roles.may_manage_risk_library(request.user):
            return False
        return obj is None or self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_module_permission(self, request: HttpRequest) -> bool:
        return roles.may_manage_risk_library(request.user)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._mine(request, obj)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._mine(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return roles.may_manage_risk_library(request.user)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._mine(request, obj)


@admin.register(RoundGroupMember)
class RoundGroupMemberAdmin(RoundDocumentAdmin):
    list_display = ["round", "role", "name", "title", "order"]
    fields = ["round", "role", "name", "title", "order"]


@admin.register(RoundPhase)
class RoundPhaseAdmin(RoundDocumentAdmin):
    list_display = ["round", "name", "start", "end", "due", "order"]
    fields = ["round", "name", "start", "end", "work", "due", "order"]
