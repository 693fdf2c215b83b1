"""The chain's records in the admin: read-only for everyone, break-glass superusers included.

The log is append-only, signatures and ratings are written only by workflow.services, and a
filed form is read-only forever. Ratings are not registered at all: nobody browses raters.
If another app registers RiskForm / RiskPoint / Measure, `FiledFormLockMixin` is what keeps a
filed form unchangeable there; tests/workflow/test_filed.py checks every registered admin.
"""

from django.contrib import admin
from django.http import HttpRequest

from access import rules as access
from risks.models import Measure, RiskForm, RiskPoint
from workflow.enums import FormState
from workflow.models import (
    CollectiveMeeting,
    Objection,
    PublicNotice,
    RatingWindow,
    Signature,
    TransitionLog,
)


def form_of(obj) -> RiskForm | None:
    if isinstance(obj, RiskForm):
        return obj
    if isinstance(obj, RiskPoint):
        return obj.form
    if isinstance(obj, Measure):
        return obj.point.form
    return getattr(obj, "form", None)


def is_locked(obj) -> bool:
    """A filed form, or anything belonging to one, never changes."""
    form = form_of(obj)
    return form is not None and form.state == FormState.FILED


class FiledFormLockMixin:
    """For any admin of a risk form or its parts: filed forms cannot be changed or deleted."""

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is not None and is_locked(obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is not None and is_locked(obj):
            return False
        return super().has_delete_permission(request, obj)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable by break-glass superusers (the admin site admits only admins and auditors),
    never changed here."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_actions(self, request: HttpRequest):
        return {}


@admin.register(TransitionLog)
class TransitionLogAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "form", "actor_name", "role", "action", "from_state", "to_state"]
    list_filter = ["action", "to_state"]
    search_fields = ["actor_name", "comment"]
    list_select_related = ["form__unit", "form__post__department", "form__department"]


@admin.register(Signature)
class SignatureAdmin(ReadOnlyAdmin):
    list_display = ["form", "kind", "name", "signed_at"]


@admin.register(RatingWindow)
class RatingWindowAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "round", "deadline", "closed_at"]
    exclude = ["forms"]


@admin.register(CollectiveMeeting)
class CollectiveMeetingAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "round", "held_on"]


@admin.register(PublicNotice)
class PublicNoticeAdmin(ReadOnlyAdmin):
    list_display = ["form", "starts_on", "ends_on", "closed_at"]


@admin.register(Objection)
class ObjectionAdmin(ReadOnlyAdmin):
    list_display = ["form", "raised_at", "upheld", "answered_at"]
    # Who raised a named objection is for the office's screen, not for browsing.
    exclude = ["raised_by"]


if not admin.site.is_registered(RiskForm):
    # Risk content is not for system admins (SPEC §1); only the break-glass account sees it.
    @admin.register(RiskForm)
    class RiskFormAdmin(FiledFormLockMixin, ReadOnlyAdmin):
        list_display = ["__str__", "state", "version"]
        list_filter = ["state"]

        def has_module_permission(self, request: HttpRequest) -> bool:
            return super().has_module_permission(request) and access.may_enter_admin(request.user)
