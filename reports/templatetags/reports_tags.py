"""Template filters of the reports."""

from django import template
from django.utils.html import format_html_join

register = template.Library()


@register.filter
def num_cells(values) -> str:
    """A row's counts as right-aligned cells. One filter call per row instead of a template
    loop per cell: a city's quarterly summary has ~15,000 of them."""
    return format_html_join("", '<td class="num">{}</td>', ((v,) for v in values))


@register.filter
def cndate(value) -> str:
    """An ISO date (or a date) written as 2026年11月30日, the one date style of the reports."""
    import datetime as dt

    from reports.layouts import cn_date

    if isinstance(value, str) and value:
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            return value
    return cn_date(value) if isinstance(value, dt.date) else (value or "")
