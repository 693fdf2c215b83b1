"""The power list in the admin: Excel import (preview, then confirm) and export with
django-import-export, for the integrity office (廉防办) of the unit. Everyday drafting and
确权 happen in the application (/powers/…); the change log is read-only here."""

from django.contrib import admin
from django.http import HttpRequest
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV, XLSX

from powers import access
from powers.models import PowerChange, PowerItem, UnitPowerKind
from powers.resources import PowerItemResource


def _office_units(request: HttpRequest) -> set[int] | None:
    if request.user.is_superuser:
        return None
    return access.office_unit_ids(request.user)


def _is_office(request: HttpRequest) -> bool:
    return request.user.is_superuser or bool(access.office_unit_ids(request.user))


class OfficeOnly:
    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_office(request)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return _is_office(request)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return _is_office(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _is_office(request)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest):
        qs = super().get_queryset(request)
        units = _office_units(request)
        return qs if units is None else qs.filter(unit_id__in=units)


@admin.register(PowerItem)
class PowerItemAdmin(OfficeOnly, ImportExportMixin, admin.ModelAdmin):
    resource_classes = [PowerItemResource]
    formats = [XLSX, CSV]
    list_display = ["name", "unit", "owner_name", "kind", "status", "state", "confirmed_year"]
    list_filter = ["unit", "kind", "status", "state"]
    search_fields = ["name", "content", "legal_basis"]
    list_select_related = ["unit", "post__department", "department"]
    # Drafting and 确权 go through the application so every change is logged there.
    readonly_fields = [f.name for f in PowerItem._meta.fields if f.name != "id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_import_permission(self, request: HttpRequest) -> bool:
        return _is_office(request)

    def has_export_permission(self, request: HttpRequest) -> bool:
        return _is_office(request)

    def get_import_resource_kwargs(self, request, **kwargs):
        return {
            **super().get_import_resource_kwargs(request, **kwargs),
            "user": request.user,
            "unit_ids": _office_units(request),
        }

    def get_export_resource_kwargs(self, request, **kwargs):
        return {
            **super().get_export_resource_kwargs(request, **kwargs),
            "user": request.user,
            "unit_ids": _office_units(request),
        }

    @admin.display(description="所属部室（岗位）")
    def owner_name(self, obj: PowerItem) -> str:
        return obj.owner_name


@admin.register(UnitPowerKind)
class UnitPowerKindAdmin(OfficeOnly, admin.ModelAdmin):
    list_display = ["name", "unit"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        units = _office_units(request)
        if db_field.name == "unit" and units is not None:
            from units.models import Unit

            kwargs["queryset"] = Unit.objects.filter(pk__in=units)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return _is_office(request)


@admin.register(PowerChange)
class PowerChangeAdmin(OfficeOnly, admin.ModelAdmin):
    list_display = ["at", "item_name", "action", "by_name", "summary"]
    list_filter = ["action", "unit"]
    search_fields = ["item_name", "summary", "by_name"]

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
