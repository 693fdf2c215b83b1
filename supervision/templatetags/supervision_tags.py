"""{% supervision_cited form %}: on a risk form's page, the supervision records that cite its
risk points (findings, warnings, dispositions, proposals to raise a level), each shown only to
those entitled to it (supervision.access)."""

from django import template

from supervision import selectors

register = template.Library()


@register.inclusion_tag("supervision/_form_cited.html", takes_context=True)
def supervision_cited(context, form) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    cited = selectors.records_citing(user, form) if user is not None else {}
    points = [(p, cited[p.pk]) for p in form.points.all() if p.pk in cited] if cited else []
    return {"cited_points": points}
