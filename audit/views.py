"""Account views with a security side: the password change records itself and lifts the
forced change."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.shortcuts import render

from audit import services


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's view (which keeps this session and, by changing the session hash, ends every
    other session of the account), plus the audit row and the end of a forced change."""

    def form_valid(self, form):
        response = super().form_valid(form)
        services.password_changed_by_holder(request=self.request, user=form.user)
        return response

    def form_invalid(self, form):
        services.password_change_failed(
            request=self.request, user=form.user, fields=list(form.errors)
        )
        return super().form_invalid(form)


def lockout_response(request, original_response=None, credentials=None):
    """The page django-axes shows instead of the login page while a lockout lasts (HTTP 429)."""
    return render(
        request,
        "audit/lockout.html",
        {
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "lockout_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        },
        status=429,
    )
