"""Navigation shown to the logged-in person: a few menus grouped by task, each holding only
the entries their roles allow. Access is still decided by every view; this only hides what
would answer 403 anyway."""

from dataclasses import dataclass, field

from django.http import HttpRequest
from django.urls import reverse

from access import rules as access


@dataclass
class NavEntry:
    label: str
    url: str
    active: bool = False


@dataclass
class NavGroup:
    """A dropdown of the navbar; a group of one entry is shown as a plain link."""

    key: str
    label: str
    entries: list[NavEntry] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return any(e.active for e in self.entries)

    @property
    def single(self) -> NavEntry | None:
        return self.entries[0] if len(self.entries) == 1 else None


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_groups": []}
    from workflow import selectors as workflow_selectors

    person = access.person_for(user)
    office = bool(access.units_coordinated_by(user))
    may_see_board = access.may_see_board(user)
    library = access.may_manage_risk_library(user)
    groups = {
        key: NavGroup(key, label)
        for key, label in (
            ("home", "我的工作台"),
            ("fill", "填报"),
            ("review", "审核与签字"),
            ("rating", "评议与公示"),
            ("office", "组织实施"),
            ("reports", "台账与报表"),
            ("supervision", "监督处置"),
            ("system", "系统管理"),
        )
    }

    def add(key: str, label: str, url: str) -> None:
        groups[key].entries.append(NavEntry(label, url))

    add("home", "我的工作台", reverse("home"))
    if person is not None:
        add("fill", "我的一览表", reverse("risks:my_forms"))
        if access.may_review(user):
            add("review", "部室审核", reverse("workflow:review_queue"))
        if access.may_sign(user):
            add("review", "待签字", reverse("workflow:sign_queue"))
        add("rating", "群众评议", reverse("workflow:rating_list"))
        add("rating", "公示", reverse("workflow:notice_register"))
        add("rating", "我提出的异议", reverse("workflow:my_objections"))
        if office:
            add("rating", "异议", reverse("workflow:objections"))
    if office:
        add("office", "排查轮次", reverse("risks:round_list"))
        add("office", "组织评议", reverse("workflow:rating_windows"))
        add("office", "集体审定", reverse("workflow:collective"))
    if library:
        library_url = reverse("admin:risks_libraryentry_changelist")
        add("office" if office else "system", "风险点库", library_url)
    if office and may_see_board:
        add("office", "进度看板", reverse("workflow:board"))
    if access.may_browse_forms(user):
        add("reports", "一览表查阅", reverse("risks:form_list"))
    if person is not None and access.can_read_register(user, person.unit):
        add("reports", "台账", reverse("reports:register", args=[person.unit.code]))
    if person is not None and access.can_read_quarterly(user, person.unit):
        add("reports", "季度汇总", reverse("reports:quarterly", args=[person.unit.code]))
    if person is not None:
        add("reports", "职权目录", reverse("powers:catalogue", args=[person.unit.code]))
    if may_see_board and not office:
        add("reports", "进度看板", reverse("workflow:board"))
    add("reports", "全部报表", reverse("reports:index"))
    if access.may_manage_grants(user):
        add("office" if office else "reports", "授权管理", reverse("access:grants"))
    from supervision import selectors as supervision_selectors

    for label, url in supervision_selectors.nav_entries(user):
        add("supervision", label, url)
    if access.may_manage_org(user):
        add("system", "组织机构与人员", reverse("admin:app_list", args=["units"]))
    elif access.may_enter_admin(user) and not library:
        add("system", "后台管理", reverse("admin:index"))
    shown = [g for g in groups.values() if g.entries]
    # The current page is the entry whose address is the longest prefix of the path.
    current = max(
        (e for g in shown for e in g.entries if request.path.startswith(e.url)),
        key=lambda e: len(e.url),
        default=None,
    )
    if current is not None:
        current.active = True
    return {
        "nav_groups": shown,
        "unread_notifications": workflow_selectors.unread_notification_count(user),
    }
