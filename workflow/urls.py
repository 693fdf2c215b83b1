from django.urls import path

from workflow import views

app_name = "workflow"

urlpatterns = [
    path("forms/<int:pk>/", views.form_detail, name="form"),
    path("forms/<int:pk>/act/", views.form_act, name="act"),
    path("forms/<int:pk>/changes/", views.version_changes, name="changes"),
    path("review/", views.review_queue, name="review_queue"),
    path("sign/", views.sign_queue, name="sign_queue"),
    path("rating/", views.rating_list, name="rating_list"),
    path("rating/forms/<int:pk>/", views.rate_form, name="rate_form"),
    path("rating/windows/", views.rating_windows, name="rating_windows"),
    path("rating/windows/<int:pk>/close/", views.rating_window_close, name="rating_window_close"),
    path("rating/windows/<int:pk>/add/", views.rating_window_add, name="rating_window_add"),
    path("collective/", views.collective, name="collective"),
    path("collective/meetings/new/", views.meeting_create, name="meeting_create"),
    path("collective/meetings/<int:pk>/", views.meeting_decide, name="meeting"),
    path(
        "collective/meetings/<int:pk>/minutes/",
        views.meeting_minutes_file,
        name="meeting_minutes_file",
    ),
    path("notice/", views.notice_register, name="notice_register"),
    path("notice/file/", views.file_batch, name="file_batch"),
    path("notice/forms/<int:pk>/objection/", views.objection_create, name="objection_create"),
    path("filed/", views.filed_register, name="filed_register"),
    path("objections/", views.objections, name="objections"),
    path("objections/<int:pk>/answer/", views.objection_answer, name="objection_answer"),
    path("board/", views.board, name="board"),
    path("board/remind/", views.board_remind, name="board_remind"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/<int:pk>/", views.notification_open, name="notification_open"),
]
