from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from audit.views import PasswordChangeView
from riskreg.forms import LoginForm

urlpatterns = [
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
    path("admin/", admin.site.urls),
    path("", include("risks.urls")),
    path("workflow/", include("workflow.urls")),
    path("reports/", include("reports.urls")),
    path("", include("units.urls")),
]

handler400 = "riskreg.errors.bad_request"
handler403 = "riskreg.errors.permission_denied"
handler404 = "riskreg.errors.page_not_found"
handler500 = "riskreg.errors.server_error"
