"""The application's notion of "today" and "now".

Every date rule (phase deadlines, the notice period, quarters, overdue warnings) asks this
module, never ``timezone.localdate()`` directly, so that a training server can run "as if"
some days had passed: ``RISKREG_TODAY_OFFSET_DAYS`` shifts both, and only with ``DEBUG`` on
(``riskreg.checks`` refuses it otherwise).
"""

import datetime

from django.conf import settings
from django.utils import timezone


def offset() -> datetime.timedelta:
    return datetime.timedelta(days=getattr(settings, "RISKREG_TODAY_OFFSET_DAYS", 0))


def now() -> datetime.datetime:
    """The current aware date-time, shifted by the training offset."""
    return timezone.now() + offset()


def today() -> datetime.date:
    """Today's date in the local time zone (Asia/Shanghai), shifted by the training offset."""
    return timezone.localdate(now())
