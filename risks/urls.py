from django.urls import path

from risks import views

app_name = "risks"

urlpatterns = [
    path("forms/", views.form_list, name="form_list"),
    path("forms/mine/", views.my_forms, name="my_forms"),
    path("forms/<int:pk>/", views.form_detail, name="form_detail"),
    path("forms/<int:pk>/points/add/", views.point_add, name="point_add"),
    path("forms/<int:pk>/points/<int:point_pk>/edit/", views.point_edit, name="point_edit"),
    path("forms/<int:pk>/points/<int:point_pk>/delete/", views.point_delete, name="point_delete"),
    path("forms/<int:pk>/points/<int:point_pk>/move/", views.point_move, name="point_move"),
    path("forms/<int:pk>/library/add/", views.library_add, name="library_add"),
    path("forms/<int:pk>/overall-level/", views.overall_level, name="overall_level"),
    path("forms/<int:pk>/filler/", views.form_reassign, name="form_reassign"),
    path("rounds/", views.round_list, name="round_list"),
    path("rounds/open/", views.round_open, name="round_open"),
    path("rounds/<int:pk>/edit/", views.round_edit, name="round_edit"),
    path("rounds/<int:pk>/", views.round_detail, name="round_detail"),
    path("rounds/<int:pk>/create-missing/", views.round_sync, name="round_sync"),
]
