"""Server time (p50/p95, in-process through the full middleware stack) and query counts of pages.

Floors for page time, measured in the same run through the same kind of client (one client
reused for every request, as each page case reuses its own): the login form, anonymous, and the
lightest logged-in page (修改密码: the session, the user and the navigation's role lookup, no
register data). Every page is set beside the logged-in floor; the login form is reported as a
row of its own. (Until 2026-11 the floor built a new test Client for every request, which cost
~20 ms of set-up per request and made every ratio look ~25× better than it was.)

Query counts: every list page is measured at 3 and at 300 rows, each situation built in a fresh
synthetic unit (bench.scale.generate with one state and one department) inside a transaction
that is rolled back, so the big data set of the timing cases stays as it was. The counts must
be equal.

Timing cases run against the scale data set prepared by bench/run.py (100 units × 500 staff);
situations that need more rows than a unit has (a head's queue of 200 forms, a register of
5,000 points) are built the same way, in a rolled-back transaction.
"""

from contextlib import contextmanager

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bench.run import Result, summary, timed
from bench.scale import generate
from risks.models import RiskForm, RiskPoint, Round
from units.enums import GrantedRole, PostTier
from units.models import Person, RoleGrant, Unit
from workflow.enums import FormState
from workflow.models import Notification

SMALL, LARGE = 3, 300


def client_for(user: User | str | None) -> Client:
    """A client logged in as `user` (anonymous for None), past the second factor where the
    person's role needs one (audit/mfa.py), as tests/conftest.py does: what is measured here is
    the page, not the login."""
    from audit.mfa import SESSION_MFA_PENDING

    client = Client()
    if user:
        client.force_login(user if isinstance(user, User) else User.objects.get(username=user))
        session = client.session
        if session.pop(SESSION_MFA_PENDING, None):
            session["otp_device_id"] = "bench.force_login"
            session.save()
    return client


@contextmanager
def rolled_back():
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def build(rows: int, state: str, **kwargs) -> dict:
    """A fresh unit whose one department holds `rows` staff forms in `state`; its cast."""
    result = generate(
        units=1,
        staff_per_unit=rows + 4,  # 3 leaders and the head fill drafts of their own
        points_per_form=kwargs.pop("points_per_form", 2),
        state=state,
        departments=1,
        raters_per_point=1,
        **kwargs,
    )
    unit = Unit.objects.get(code=result.unit_codes[0])
    people = Person.objects.filter(unit=unit).select_related("user", "post").order_by("id")
    dept = unit.departments.get()
    staff = [p for p in people if p.post.tier == PostTier.STAFF]
    office = (
        RoleGrant.objects.filter(unit=unit, role=GrantedRole.INTEGRITY_OFFICE).earliest("id").person
    )
    return {
        "unit": unit,
        "round": Round.objects.get(unit=unit),
        "office": office.user,
        "head": dept.head.user,
        "supervisor": dept.supervisor.user,
        "staff": staff[-1].user,
    }


def _my_forms(cast: dict) -> None:
    """One person fills every form of the unit (a leader with many posts, exaggerated)."""
    filler = Person.objects.get(user=cast["staff"])
    RiskForm.objects.filter(unit=cast["unit"]).update(filler=filler)


def _notifications(cast: dict, rows: int) -> None:
    form = RiskForm.objects.filter(unit=cast["unit"]).first()
    Notification.objects.bulk_create(
        [
            Notification(
                recipient=cast["office"],
                kind=f"bench{i}",
                form=form,
                message=f"一览表待处理（{i}）",
                url=f"/forms/{form.pk}/",
            )
            for i in range(rows)
        ]
    )


# (page, state of the staff forms, who looks, url(cast), extra arrangement, generate kwargs)
LIST_PAGES = [
    ("我的一览表 (risks:my_forms)", FormState.DRAFT, "staff",
     lambda c: reverse("risks:my_forms"), _my_forms, {}),
    ("一览表查阅 (form list)", FormState.DEPT_REVIEW, "office",
     lambda c: reverse("risks:form_list"), None, {}),
    ("排查轮次 (round detail)", FormState.DEPT_REVIEW, "office",
     lambda c: reverse("risks:round_detail", args=[c["round"].pk]), None, {}),
    ("待审核 (review queue)", FormState.DEPT_REVIEW, "head",
     lambda c: reverse("workflow:review_queue"), None, {}),
    ("待签字 (sign queue)", FormState.COLLECTIVE, "supervisor",
     lambda c: reverse("workflow:sign_queue"), None, {}),
    ("群众评议 (rating list)", FormState.MASS_REVIEW, "staff",
     lambda c: reverse("workflow:rating_list"), None, {}),
    ("评议管理 (rating windows)", FormState.MASS_REVIEW, "office",
     lambda c: reverse("workflow:rating_windows"), None, {}),
    ("集体审定 (collective)", FormState.COLLECTIVE, "office",
     lambda c: reverse("workflow:collective"), None, {}),
    ("公示 (notice register)", FormState.PUBLIC_NOTICE, "staff",
     lambda c: reverse("workflow:notice_register"), None, {}),
    ("已备案 (filed register)", FormState.FILED, "staff",
     lambda c: reverse("workflow:filed_register"), None, {}),
    ("异议 (objections)", FormState.PUBLIC_NOTICE, "office",
     lambda c: reverse("workflow:objections"), None, {"objection_share": 1.0}),
    ("进度看板 (board)", FormState.DEPT_REVIEW, "office",
     lambda c: reverse("workflow:board") + f"?round={c['round'].pk}", None, {}),
    ("台账 (register)", FormState.FILED, "office",
     lambda c: reverse("reports:register", args=[c["unit"].code]), None, {}),
    ("季度汇总 (quarterly)", FormState.FILED, "office",
     lambda c: reverse("reports:quarterly", args=[c["unit"].code]), None, {}),
    ("通知 (notifications)", FormState.DRAFT, "office",
     lambda c: reverse("workflow:notifications"), "notifications", {}),
]  # fmt: skip


def count_queries(client: Client, url: str) -> int:
    client.get(url)  # warm what does not depend on rows (session, content types)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(queries)


def query_counts() -> list[Result]:
    results = []
    for name, state, who, url, arrange, kwargs in LIST_PAGES:
        counts = {}
        for rows in (SMALL, LARGE):
            with rolled_back():
                cast = build(rows, state, **kwargs)
                if arrange == "notifications":
                    _notifications(cast, rows)
                elif arrange:
                    arrange(cast)
                counts[rows] = count_queries(client_for(cast[who]), url(cast))
        equal = counts[SMALL] == counts[LARGE]
        results.append(
            Result(
                case=f"queries: {name} at {LARGE} rows",
                ours=counts[LARGE],
                unit="queries",
                floor=counts[SMALL],
                floor_label=f"same page at {SMALL} rows",
                target="equal to 3 rows",
                met=equal,
                note=f"{counts[SMALL]} queries at {SMALL} rows, {counts[LARGE]} at {LARGE}",
                extra={"small": counts[SMALL], "large": counts[LARGE]},
            )
        )
    return results


def floor_cases(repeat: int) -> tuple[dict, list[Result]]:
    """The two floors, each through one reused client; returns the logged-in floor's summary."""
    anonymous = Client()
    login_form = summary(timed(lambda: anonymous.get(reverse("login")), repeat * 2))
    staff = client_for("demo_staff")
    lightest = summary(timed(lambda: staff.get(reverse("password_change")), repeat * 2))
    with CaptureQueriesContext(connection) as queries:
        staff.get(reverse("password_change"))
    login = summary(timed(_log_in_once, max(5, repeat // 4)))
    rows = [
        Result(
            case="floor: login form, anonymous, reused client — p95",
            ours=login_form["p95"],
            unit="ms",
            note=f"p50 {login_form['p50']} ms over {login_form['n']} requests",
            extra=login_form,
        ),
        Result(
            case="floor: lightest logged-in page (修改密码), reused client — p95",
            ours=lightest["p95"],
            unit="ms",
            floor=login_form["p95"],
            floor_label="login form p95, reused client",
            note=f"p50 {lightest['p50']} ms over {lightest['n']} requests; "
            f"{len(queries)} SQL queries",
            extra=lightest,
        ),
        Result(
            case="logging in (password form, PBKDF2 at Django's default cost) — p95",
            ours=login["p95"],
            unit="ms",
            floor=login_form["p95"],
            floor_label="login form p95, reused client",
            note=f"p50 {login['p50']} ms over {login['n']} logins; CPU-bound by design (等保), "
            "so the load test logs everyone in before its measured window",
            extra=login,
        ),
    ]
    return lightest, rows


def _log_in_once() -> None:
    from django.contrib.auth.hashers import make_password

    user = User.objects.get(username="demo_staff")
    if not user.password.startswith("pbkdf2_"):
        user.password = make_password("demo-pass-2026")
        user.save(update_fields=["password"])
    response = Client().post(
        reverse("login"), {"username": "demo_staff", "password": "demo-pass-2026"}
    )
    assert response.status_code == 302, response.status_code


def page_case(
    name: str, client: Client, url: str, floor: dict, repeat: int, target_ms: float = 300
) -> Result:
    def fetch():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)

    with CaptureQueriesContext(connection) as queries:
        fetch()
    # Read now: the next request's request_started signal clears the connection's query log.
    n_queries = len(queries)
    stats = summary(timed(fetch, repeat))
    return Result(
        case=f"{name} — p95",
        ours=stats["p95"],
        unit="ms",
        floor=floor["p95"],
        floor_label="lightest logged-in page p95 (修改密码), same run",
        target=f"≤ {target_ms:g} ms",
        met=stats["p95"] <= target_ms,
        note=f"p50 {stats['p50']} ms over {stats['n']} requests; {n_queries} SQL queries",
        extra=stats,
    )


def big_unit_cast() -> dict:
    """The first 500-person unit of the scale data set."""
    unit = Unit.objects.get(code="SCALE-0001")
    office = (
        RoleGrant.objects.filter(unit=unit, role=GrantedRole.INTEGRITY_OFFICE).earliest("id").person
    )
    dept = unit.departments.order_by("order").first()
    return {"unit": unit, "round": Round.objects.get(unit=unit), "office": office.user,
            "head": dept.head.user}  # fmt: skip


def filling_form(unit: Unit, points: int = 30) -> RiskForm:
    """A draft of the big unit with `points` risk points (added in bulk)."""
    form = RiskForm.objects.filter(unit=unit, state=FormState.DRAFT, post__isnull=False).first()
    have = form.points.count()
    template = form.points.first()
    RiskPoint.objects.bulk_create(
        [
            RiskPoint(
                form=form,
                order=have + i + 1,
                category=template.category,
                description=f"{template.description}（{i + 1}）",
                likelihood=template.likelihood,
                harm=template.harm,
                proposed_level=template.proposed_level,
            )
            for i in range(points - have)
        ]
    )
    return form


def city_inspector(root: Unit) -> User:
    user, _ = User.objects.get_or_create(username="bench_city_inspector")
    person, _ = Person.objects.get_or_create(
        user=user, defaults={"unit": root, "name": "市纪检监督员", "employee_no": "CITY-1"}
    )
    RoleGrant.objects.get_or_create(
        person=person, role=GrantedRole.INSPECTOR, unit=root, defaults={"include_subunits": True}
    )
    return user


def timings(ctx) -> list[Result]:
    repeat = 10 if ctx["quick"] else 40
    floor, results = floor_cases(repeat)
    big = big_unit_cast()
    n_staff = Person.objects.filter(unit=big["unit"]).count()
    n_units = Unit.objects.filter(code__startswith="SCALE-").count()
    results += [
        page_case("home page (demo_staff)", client_for("demo_staff"), "/", floor, repeat),
        page_case(
            f"home page (head, {n_staff}-person unit)", client_for(big["head"]), "/", floor, repeat
        ),
    ]
    with rolled_back():
        form = filling_form(big["unit"])
        results.append(
            page_case("filling page, 30 points", client_for(form.filler.user),
                      reverse("risks:form_detail", args=[form.pk]), floor, repeat)
        )  # fmt: skip
    queue = 50 if ctx["quick"] else 200
    with rolled_back():
        cast = build(queue, FormState.DEPT_REVIEW, points_per_form=5)
        results.append(
            page_case(f"head's review queue, {queue} forms", client_for(cast["head"]),
                      reverse("workflow:review_queue"), floor, repeat)
        )  # fmt: skip
    results.append(
        page_case(f"progress board, {n_staff}-person unit", client_for(big["office"]),
                  reverse("workflow:board") + f"?round={big['round'].pk}", floor, repeat)
    )  # fmt: skip
    register_points = 1000 if ctx["quick"] else 5000
    with rolled_back():
        cast = build(register_points // 5, FormState.FILED, points_per_form=5)
        n_points = RiskPoint.objects.filter(form__unit=cast["unit"]).count()
        results.append(
            page_case(f"published register, {n_points} points", client_for(cast["office"]),
                      reverse("reports:register", args=[cast["unit"].code]), floor, repeat)
        )  # fmt: skip
    inspector = (
        RoleGrant.objects.filter(unit=big["unit"], role=GrantedRole.INSPECTOR)
        .earliest("id")
        .person.user
    )
    results.append(
        page_case(f"quarterly summary, one {n_staff}-person unit", client_for(inspector),
                  reverse("reports:quarterly", args=[big["unit"].code]), floor, repeat)
    )  # fmt: skip
    inspector = city_inspector(Unit.objects.get(code="SCALE"))
    results.append(
        page_case(f"quarterly summary, {n_units} units", client_for(inspector),
                  reverse("reports:quarterly", args=["SCALE"]) + "?subunits=1", floor,
                  max(5, repeat // 4), target_ms=1000)
    )  # fmt: skip
    return results


def run(ctx) -> list[Result]:
    return timings(ctx) + query_counts()
