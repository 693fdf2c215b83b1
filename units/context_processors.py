"""Navigation entries shown to the logged-in person, from what their roles allow."""

from django.http import HttpRequest
from django.urls import reverse

from risks import permissions as risk_permissions
from units import roles


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = [("我的工作台", reverse("home")), ("报表", reverse("reports:index"))]
    # risks: filling, reading and running the screening rounds
    if roles.person_for(user) is not None:
        items.append(("我的一览表", reverse("risks:my_forms")))
    if risk_permissions.may_browse_forms(user):
        items.append(("一览表查阅", reverse("risks:form_list")))
    if risk_permissions.units_coordinated_by(user):
        items.append(("排查轮次", reverse("risks:round_list")))
    if risk_permissions.may_manage_risk_library(user):
        items.append(("风险点库", reverse("admin:risks_libraryentry_changelist")))
    # The approval chain's entries and the unread notice count (workflow app).
    from workflow import selectors as workflow_selectors

    items += workflow_selectors.nav_entries(user)
    if roles.may_manage_org(user):
        items.append(("组织机构与人员", reverse("admin:app_list", args=["units"])))
    elif roles.may_enter_admin(user) and not risk_permissions.may_manage_risk_library(user):
        items.append(("后台管理", reverse("admin:index")))
    return {
        "nav_items": items,
        "unread_notifications": workflow_selectors.unread_notification_count(user),
    }
