from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from risks import selectors as risk_selectors
from units import roles
from workflow import selectors as workflow_selectors


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """我的工作台: who I am in the org chart and which roles I hold."""
    person = roles.person_for(request.user)
    if person is not None:
        person = type(person).objects.select_related("unit", "department", "post").get(pk=person.pk)
    return render(
        request,
        "units/home.html",
        {
            "person": person,
            "org_roles": roles.org_roles(person),
            "concurrent_posts": list(person.concurrent_posts.all()) if person else [],
            # risks: the forms this person must fill in (count and links)
            "forms_to_fill": risk_selectors.forms_to_fill(request.user) if person else [],
            # 我的待办 and the progress board link (workflow app)
            "worklist": workflow_selectors.worklist(request.user) if person else [],
            "may_see_board": workflow_selectors.may_see_board(request.user) if person else False,
        },
    )
