"""Template helpers of the risk register: a unit's own names for the levels."""

from django import template

from units.models import Unit

register = template.Library()


@register.filter
def level_label(level: int | None, unit: Unit) -> str:
    """`{{ point.proposed_level|level_label:form.unit }}` → 一级 / 高 / A, or "" when unset."""
    if not level or unit is None:
        return ""
    return unit.level_label(int(level))


@register.filter
def level_class(level: int | None) -> str:
    """A colour for a level badge: level 1 is the highest risk."""
    return {1: "text-bg-danger", 2: "text-bg-warning", 3: "text-bg-success"}.get(
        level or 0, "text-bg-secondary"
    )
