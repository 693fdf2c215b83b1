"""System checks for settings that must never reach production."""

from django.conf import settings
from django.core.checks import Error, register


@register()
def training_clock_only_in_debug(app_configs, **kwargs):
    if getattr(settings, "RISKREG_TODAY_OFFSET_DAYS", 0) and not settings.DEBUG:
        return [
            Error(
                "RISKREG_TODAY_OFFSET_DAYS 只能在培训环境（DEBUG=1）使用，生产环境必须删除该设置。",
                id="riskreg.E001",
            )
        ]
    return []
