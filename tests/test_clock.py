import datetime

from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.utils import timezone

from riskreg import clock


def test_today_follows_the_training_offset(settings):
    settings.RISKREG_TODAY_OFFSET_DAYS = 7
    assert clock.today() == timezone.localdate() + datetime.timedelta(days=7)


def test_training_offset_refused_without_debug(settings):
    settings.DEBUG = False
    settings.RISKREG_TODAY_OFFSET_DAYS = 3
    try:
        call_command("check")
    except SystemCheckError as exc:
        assert "RISKREG_TODAY_OFFSET_DAYS" in str(exc)
    else:
        raise AssertionError("check passed with a training offset and DEBUG off")
