"""Navigation entries shown to the logged-in person, from what their roles allow."""

from django.http import HttpRequest
from django.urls import reverse

from units import roles


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = [("我的工作台", reverse("home")), ("报表", reverse("reports:index"))]
    if roles.may_manage_org(user):
        items.append(("组织机构与人员", reverse("admin:app_list", args=["units"])))
    elif roles.may_enter_admin(user):
        items.append(("后台管理", reverse("admin:index")))
    return {"nav_items": items}
