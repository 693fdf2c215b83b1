from django.urls import path

from units import views

urlpatterns = [
    path("", views.home, name="home"),
]
