from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from audit.views import PasswordChangeView
from ops.health import healthz
from riskreg.forms import LoginForm


class FaviconView(RedirectView):
    permanent = True

    def get_redirect_url(self, *args, **kwargs) -> str:
        return static("favicon.svg")  # resolved per request: hashed names in production


urlpatterns = [
    path("healthz", healthz, name="healthz"),  # no login, no data (ops/health.py)
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            authentication_form=LoginForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/change/",
        PasswordChangeView.as_view(),  # audited; lifts a forced change
        name="password_change",
    ),
    path(
        "accounts/password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    # Browsers ask for /favicon.ico on pages that name no icon (the admin's, downloads).
    path("favicon.ico", FaviconView.as_view()),
    path("", include("audit.urls")),  # second factor, 账号安全, 双人审批
    path("admin/", admin.site.urls),
    path("", include("risks.urls")),
    path("workflow/", include("workflow.urls")),
    path("reports/", include("reports.urls")),
    path("access/", include("access.urls")),
    path("supervision/", include("supervision.urls")),
    path("powers/", include("powers.urls")),
    path("", include("units.urls")),
]
