from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("forms/<int:pk>/", views.form_html, name="form_html"),
    path("forms/<int:pk>/pdf/", views.form_pdf, name="form_pdf"),
    path("forms/<int:pk>/xlsx/", views.form_xlsx, name="form_xlsx"),
    path("register/<str:code>/", views.register, name="register"),
    path("register/<str:code>/xlsx/", views.register_xlsx, name="register_xlsx"),
    path("register/<str:code>/volume/", views.volume_request, name="volume_request"),
    path(
        "register/<str:code>/rounds/<int:round_id>/documents/<str:fmt>/",
        views.round_documents,
        name="round_documents",
    ),
    path("quarterly/<str:code>/", views.quarterly_view, name="quarterly"),
    path("quarterly/<str:code>/pdf-job/", views.quarterly_job, name="quarterly_job"),
    path("quarterly/<str:code>/<str:fmt>/", views.quarterly_export, name="quarterly_export"),
    path("jobs/<uuid:pk>/", views.job, name="job"),
    path("jobs/<uuid:pk>/download/", views.job_download, name="job_download"),
]
