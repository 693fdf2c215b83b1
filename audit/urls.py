from django.urls import path

from audit import views

urlpatterns = [
    path("accounts/mfa/verify/", views.mfa_verify, name="mfa_verify"),
    path("accounts/mfa/enrol/", views.mfa_enrol, name="mfa_enrol"),
    path("accounts/security/", views.account_security, name="account_security"),
    path("security/requests/", views.dual_list, name="dual_list"),
    path("security/requests/<int:pk>/", views.dual_detail, name="dual_detail"),
]
