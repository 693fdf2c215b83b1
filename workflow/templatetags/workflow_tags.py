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


@register.simple_tag
def rerate_reasons():
    from workflow.enums import RerateReason

    return RerateReason.choices


@register.simple_tag
def open_notice(form):
    """The form's current 公示 (None when it is not under notice)."""
    from workflow.transitions import current_notice

    return current_notice(form) if form.state == "public_notice" else None
