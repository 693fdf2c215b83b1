from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from access import rules as access
from risks import selectors as risk_selectors
from workflow import selectors as workflow_selectors

# Work lines that only concern people holding a review or signing role: hidden from others
# while empty, so a staff member's list is not padded with zeros that can never move.
_ROLE_LINES = {
    "workflow:review_queue": access.may_review,
    "workflow:sign_queue": access.may_sign,
}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """我的工作台: one 待办 list with counts, then who I am in the org chart and my roles."""
    person = access.person_for(request.user)
    if person is None:
        return render(request, "units/home.html", {"person": None})
    held = access.holdings(person)
    person = type(person).objects.select_related("unit", "department", "post").get(pk=person.pk)
    person._role_holdings = held  # the same person, reloaded with its unit, department and post
    forms_to_fill = risk_selectors.forms_to_fill(request.user)
    worklist = []
    for item in workflow_selectors.worklist(request.user, forms_to_fill=len(forms_to_fill)):
        if (
            item.url_name in _ROLE_LINES
            and not item.count
            and not _ROLE_LINES[item.url_name](request.user)
        ):
            continue
        worklist.append(item)
    return render(
        request,
        "units/home.html",
        {
            "person": person,
            "org_roles": access.org_roles(person),
            "concurrent_posts": list(person.concurrent_posts.all()),
            "worklist": worklist,
            "pending_total": sum(item.count for item in worklist),
            "forms_to_fill": forms_to_fill,
            "may_see_board": access.may_see_board(request.user),
            "round_gaps": risk_selectors.rounds_missing_forms(request.user),
        },
    )
