"""Admin of the risk register: the risk library (风险点库) for the integrity office, and its
rounds read-only. System and audit admins see nothing of it (三员分立): risk content is read
only through the application, under access.rules."""

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from access import rules as access
from access.rules import units_coordinated_by
from risks.models import LibraryEntry, LibraryMeasure, Round


def _is_office(request: HttpRequest) -> bool:
    return access.may_manage_risk_library(request.user)


class LibraryMeasureInline(admin.TabularInline):
    model = LibraryMeasure
    extra = 2
    fields = ["order", "text"]

    # Inlines ask their own permissions; the office's come from its grant, not model perms.
    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return _is_office(request)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return _is_office(request)

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return _is_office(request)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return _is_office(request)


@admin.register(LibraryEntry)
class LibraryEntryAdmin(admin.ModelAdmin):
    list_display = [
        "short_description",
        "subject_kind",
        "category",
        "keywords",
        "level_display",
        "n_measures",
        "active",
    ]
    list_filter = ["subject_kind", "category", "active"]
    search_fields = ["description", "keywords", "measures__text"]
    list_editable = ["active"]
    list_per_page = 50
    fields = [
        "subject_kind",
        "category",
        "description",
        "keywords",
        "likelihood",
        "harm",
        "active",
        "order",
    ]
    inlines = [LibraryMeasureInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(measure_count=Count("measures"))

    @admin.display(description="风险点", ordering="description")
    def short_description(self, obj: LibraryEntry) -> str:
        return obj.description[:40] + ("…" if len(obj.description) > 40 else "")

    @admin.display(description="建议等级")
    def level_display(self, obj: LibraryEntry) -> str:
        return f"{obj.suggested_level} 级" if obj.suggested_level else "—"

    @admin.display(description="措施数", ordering="measure_count")
    def n_measures(self, obj: LibraryEntry) -> int:
        return obj.measure_count

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_office(request)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return _is_office(request)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return _is_office(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _is_office(request)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return _is_office(request)


@admin.register(Round)
class RoundAdmin(admin.ModelAdmin):
    """Read-only: rounds are opened on the application's round page (risks:round_open)."""

    list_display = ["title", "unit", "year", "self_check_deadline", "notice_working_days"]
    list_filter = ["year"]
    list_select_related = ["unit"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        unit_ids = [u.pk for u in units_coordinated_by(request.user)]
        return super().get_queryset(request).filter(unit_id__in=unit_ids)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_office(request)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return _is_office(request) and (
            obj is None or self.get_queryset(request).filter(pk=obj.pk).exists()
        )

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
