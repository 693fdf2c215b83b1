from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from units import views

urlpatterns = [
    path("", views.home, name="home"),
    # The link in the "设置密码" email (Django's password-reset tokens: one use, time-limited).
    path(
        "accounts/password/set/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="registration/password_set_complete.html"
        ),
        name="password_set_complete",
    ),
    path(
        "accounts/password/set/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="registration/password_set_form.html",
            success_url=reverse_lazy("password_set_complete"),
        ),
        name="password_set",
    ),
]
