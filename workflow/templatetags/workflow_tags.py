"""Display helpers for the chain's templates: level names in the unit's own labels."""

from django import template

register = template.Library()


@register.filter
def level_label(level, unit) -> str:
    """`{{ point.final_level|level_label:form.unit }}` → 一级 / 高 / A, as the unit names it."""
    if not level:
        return "—"
    return unit.level_label(int(level))


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.simple_tag
def chain_states():
    """The chain's states in order, as (value, label), for the step indicator."""
    from workflow.enums import FormState

    return FormState.choices
