from django.urls import path

from powers import views

app_name = "powers"

urlpatterns = [
    path("<str:code>/", views.catalogue, name="catalogue"),
    path("<str:code>/xlsx/", views.catalogue_export, {"fmt": "xlsx"}, name="catalogue_xlsx"),
    path("<str:code>/pdf/", views.catalogue_export, {"fmt": "pdf"}, name="catalogue_pdf"),
    path("<str:code>/flowcharts/pdf/", views.flowcharts_pdf, name="flowcharts_pdf"),
    path("<str:code>/network/", views.network, name="network"),
    path("<str:code>/items/add/", views.item_add, name="item_add"),
    path("items/<int:pk>/", views.item_detail, name="item_detail"),
    path("items/<int:pk>/edit/", views.item_edit, name="item_edit"),
    path("items/<int:pk>/confirm/", views.item_confirm, name="item_confirm"),
    path("items/<int:pk>/steps/add/", views.step_add, name="step_add"),
    path("items/<int:pk>/steps/<int:step_pk>/edit/", views.step_edit, name="step_edit"),
    path("items/<int:pk>/steps/<int:step_pk>/move/", views.step_move, name="step_move"),
    path("items/<int:pk>/steps/<int:step_pk>/delete/", views.step_delete, name="step_delete"),
    path("forms/<int:form_pk>/points/<int:point_pk>/step/", views.point_tie, name="point_tie"),
]
