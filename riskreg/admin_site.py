"""The admin site: entry is decided by access.rules (system admin, audit admin), not is_staff."""

from functools import update_wrapper

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse


class RiskregAdminSite(admin.AdminSite):
    site_header = "廉政风险防控管理系统 · 后台管理"
    site_title = "廉政风险防控管理"
    index_title = "后台管理"
    enable_nav_sidebar = True

    def has_permission(self, request: HttpRequest) -> bool:
        from access import rules as access

        return access.may_enter_admin(request.user)

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        def wrapper(request: HttpRequest, *args, **kwargs):
            # A logged-in person without an admin role is refused, not sent to log in again.
            if request.user.is_authenticated and not self.has_permission(request):
                raise PermissionDenied
            return inner(request, *args, **kwargs)

        return update_wrapper(wrapper, view)

    def register(self, model_or_iterable, admin_class=None, **options):
        # Every admin, including those of later features, writes its changes to the audit log.
        from audit.admin_logging import with_audit_logging

        admin_class = with_audit_logging(admin_class or admin.ModelAdmin)
        super().register(model_or_iterable, admin_class, **options)

    def password_change(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        # One password change page too: it applies the policy, is audited, lifts a forced change.
        return redirect("password_change")

    def password_change_done(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        return redirect("password_change_done")

    def login(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        # One login page for the whole application (lockout and audit live there).
        next_url = request.GET.get("next") or reverse("admin:index")
        return redirect_to_login(next_url)
