from django.urls import path

from access import views

app_name = "access"

urlpatterns = [
    path("", views.grants, name="grants"),
    path("delegations/add/", views.delegation_add, name="delegation_add"),
    path("delegations/<int:pk>/revoke/", views.delegation_revoke, name="delegation_revoke"),
    path("read-grants/add/", views.read_grant_add, name="read_grant_add"),
    path(
        "read-grants/<str:kind>/<int:pk>/revoke/",
        views.read_grant_revoke,
        name="read_grant_revoke",
    ),
]
