"""Deadlines as every page shows them: the date, and 逾期 in red once it has passed.

"Today" is riskreg.clock's (the training offset included), like every date rule.
"""

import datetime

from django import template
from django.utils.html import format_html

from riskreg import clock

register = template.Library()


@register.simple_tag
def deadline(value: datetime.date | None, fmt: str = "Y-m-d", waiting: bool = True) -> str:
    """The date; when it has passed and the work still waits (`waiting`), a red 逾期 N 天."""
    from django.utils.dateformat import format as date_format

    if value is None:
        return "—"
    shown = date_format(value, fmt)
    late = (clock.today() - value).days
    if waiting and late > 0:
        return format_html(
            '{} <span class="badge text-bg-danger overdue">逾期 {} 天</span>', shown, late
        )
    return shown


@register.simple_tag
def overdue_badge(value: datetime.date | None) -> str:
    """Only the red 逾期 N 天, for sentences that show the date themselves."""
    late = (clock.today() - value).days if value else 0
    if late > 0:
        return format_html('<span class="badge text-bg-danger overdue">逾期 {} 天</span>', late)
    return ""


@register.filter
def is_overdue(value: datetime.date | None) -> bool:
    return value is not None and value < clock.today()
