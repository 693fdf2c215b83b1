"""Inclusion tags that put the power list on pages owned by other apps: the form filling page
(the post's power items, their steps and the tie of each risk point) and the register page
(the unit's network chart)."""

from django import template
from django.utils.safestring import mark_safe

from powers import access, charts, selectors

register = template.Library()


@register.inclusion_tag("powers/_form_panel.html", takes_context=True)
def powers_form_panel(context, form, points):
    """On the form page: the subject's power items with their steps; for the filler, a step
    select beside each risk point; library entries suggested by the items' kinds."""
    user = context["user"]
    items = selectors.form_power_items(form)
    steps = [(item, step) for item in items for step in item.steps.all()]
    may_tie = bool(steps) and access.can_tie_point(user, form, None)
    return {
        "form": form,
        "items": items,
        "step_choices": steps,
        "ties": selectors.form_ties(form) if steps else {},
        "points": points,
        "may_tie": may_tie,
        "suggestions": selectors.library_by_kind(form, items) if may_tie else [],
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("powers/_register_network.html", takes_context=True)
def powers_network(context, unit):
    user = context["user"]
    if not access.can_read_catalogue(user, unit):
        return {"svg": ""}
    departments = selectors.network(user=user, unit=unit)
    svg = charts.network_chart(unit.name, departments) if departments else ""
    return {"svg": mark_safe(svg), "unit": unit}


@register.filter
def get_item(mapping: dict, key):
    return mapping.get(key) if mapping else None
