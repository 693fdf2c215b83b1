from django.urls import path

from supervision import views

app_name = "supervision"

urlpatterns = [
    path("", views.desk, name="desk"),
    path("mine/", views.mine, name="mine"),
    path("settings/<str:code>/", views.unit_settings, name="unit_settings"),
    path("findings/", views.finding_list, name="finding_list"),
    path("findings/new/", views.finding_create, name="finding_create"),
    path("findings/<int:pk>/", views.finding_detail, name="finding"),
    path("warnings/new/", views.warning_create, name="warning_create"),
    path("warnings/<int:pk>/", views.warning_detail, name="warning"),
    path("warnings/<int:pk>/pdf/", views.warning_pdf, name="warning_pdf"),
    path("dispositions/new/<str:kind>/", views.disposition_create, name="disposition_create"),
    path("dispositions/<int:pk>/", views.disposition_detail, name="disposition"),
    path("dispositions/<int:pk>/talk-record.pdf", views.talk_record_pdf, name="talk_record_pdf"),
    path("proposals/new/", views.proposal_create, name="proposal_create"),
    path("proposals/<int:pk>/", views.proposal_detail, name="proposal"),
    path("<str:kind>/<int:pk>/act/", views.act, name="act"),
    path("evidence/<int:pk>/", views.evidence_file, name="evidence"),
]
