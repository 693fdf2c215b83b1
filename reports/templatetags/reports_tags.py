"""Template filters of the reports."""

from django import template
from django.utils.html import format_html_join

register = template.Library()


@register.filter
def num_cells(values) -> str:
    """A row's counts as right-aligned cells. One filter call per row instead of a template
    loop per cell: a city's quarterly summary has ~15,000 of them."""
    return format_html_join("", '<td class="num">{}</td>', ((v,) for v in values))
