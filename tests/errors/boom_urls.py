"""The project's URLs plus one view that fails, to see the 500 page (tests only)."""

from django.urls import path

from riskreg.urls import handler400, handler403, handler404, handler500, urlpatterns


def boom(request):
    raise RuntimeError("secret internal detail")


urlpatterns = [path("boom/", boom), *urlpatterns]
__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
