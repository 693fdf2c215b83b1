"""Who gets what at every URL of riskreg: the table that tests/security/test_url_access.py checks.

Every URL pattern of the project has exactly one row, keyed by its name ("namespace:name") or,
for an unnamed pattern, by its route. A feature that adds a URL adds its row here, stating for
each demo persona and the anonymous visitor what a GET must answer:

    200        the page
    403        logged in, but this role may not see it
    404        no such object for this person (or none at all)
    405        the URL exists but GET is not allowed (state changes are POST-only)
    LOGIN      a redirect to the login page (anonymous visitors)
    REDIRECT   a redirect elsewhere (e.g. the login page for a logged-in person sends them home)

`args` builds the URL arguments from the demo objects (see `demo_objects`), so object URLs are
requested with real ids.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

LOGIN = "login"
REDIRECT = "redirect"

PERSONAS = (
    "anonymous",
    "staff",
    "staff2",
    "head",
    "leader",
    "principal",
    "office",
    "inspector",
    "admin",
    "auditor",
    "outsider",
)


def expect(default, **overrides) -> dict[str, int | str]:
    unknown = set(overrides) - set(PERSONAS)
    assert not unknown, f"unknown personas {unknown}"
    return {persona: overrides.get(persona, default) for persona in PERSONAS}


def logged_in(outcome, **overrides) -> dict[str, int | str]:
    """Anonymous visitors are sent to log in; everyone logged in gets `outcome`."""
    return expect(outcome, anonymous=LOGIN, **overrides)


def admin_only(*, admin, auditor) -> dict[str, int | str]:
    """Admin pages: anonymous → login, people without an admin role → 403."""
    return expect(403, anonymous=LOGIN, admin=admin, auditor=auditor)


@dataclass(frozen=True)
class Row:
    expect: dict[str, int | str]
    args: Callable[[dict], list] = field(default=lambda objects: [])


def _model_rows(
    app_model: str, obj: str, *, admin: dict[str, int | str], auditor: dict[str, int | str]
) -> dict[str, Row]:
    """The six URLs of a registered ModelAdmin; `admin`/`auditor` map view → outcome."""
    app, model = app_model.split(".")
    pk = lambda objects: [objects[obj].pk]  # noqa: E731
    rows = {
        f"admin:{app}_{model}_changelist": Row(admin_only(**_pick("changelist", admin, auditor))),
        f"admin:{app}_{model}_add": Row(admin_only(**_pick("add", admin, auditor))),
        f"admin:{app}_{model}_history": Row(admin_only(**_pick("history", admin, auditor)), pk),
        f"admin:{app}_{model}_delete": Row(admin_only(**_pick("delete", admin, auditor)), pk),
        f"admin:{app}_{model}_change": Row(admin_only(**_pick("change", admin, auditor)), pk),
        # The bare object URL redirects to its change page (whose own row decides access).
        f"admin/{app}/{model}/<path:object_id>/": Row(
            admin_only(admin=REDIRECT, auditor=REDIRECT), pk
        ),
    }
    return rows


def _pick(view: str, admin: dict, auditor: dict) -> dict:
    return {"admin": admin.get(view, 403), "auditor": auditor.get(view, 403)}


ORG_ADMIN = {"changelist": 200, "add": 200, "history": 200, "delete": 200, "change": 200}
NONE: dict[str, int] = {}
# Django's history view looks the object up in the (for this person empty) queryset before it
# checks permissions, and sends whoever finds nothing back to the admin index: no data shown.
NOT_IN_SCOPE = {"history": REDIRECT}


def demo_objects() -> dict:
    """Real objects of the demo organisation, for object URLs."""
    from django.contrib.auth.models import User
    from django.contrib.contenttypes.models import ContentType

    from audit.models import AuditEvent
    from units.models import Department, Person, Post, PowerItem, RoleGrant, RosterImport, Unit

    unit = Unit.objects.get(code="GYRC")
    return {
        "unit": unit,
        "unit_ct": ContentType.objects.get_for_model(Unit),
        "department": Department.objects.filter(unit=unit).first(),
        "post": Post.objects.filter(unit=unit).first(),
        "poweritem": PowerItem.objects.filter(post__unit=unit).first(),
        "person": Person.objects.get(user__username="demo_staff"),
        "rolegrant": RoleGrant.objects.filter(person__user__username="demo_audit").first(),
        "user": User.objects.get(username="demo_staff"),
        "auditevent": AuditEvent.objects.first(),
        "rosterimport": RosterImport.objects.get_or_create(
            unit=unit,
            file_name="名册.xlsx",
            defaults=dict(
                source="admin",
                file_sha256="0" * 64,
                dry_run=True,
                deactivate_missing=False,
                rows=1,
                created=0,
                updated=0,
                unchanged=1,
                deactivated=0,
            ),
        )[0],
    }


URL_TABLE: dict[str, Row] = {
    # --- accounts ---
    "login": Row(expect(REDIRECT, anonymous=200)),
    "logout": Row(expect(405)),
    "password_change": Row(logged_in(200)),
    "password_change_done": Row(logged_in(200)),
    # --- units ---
    "home": Row(logged_in(200)),
    # The password-set link of the roster invite: a bad link shows "此链接已失效" to anyone.
    "password_set": Row(expect(200), lambda o: ["MQ", "set-password"]),
    "password_set_complete": Row(expect(200)),
    # --- admin site ---
    "admin:index": Row(admin_only(admin=200, auditor=200)),
    "admin:login": Row(expect(LOGIN)),
    "admin:logout": Row(expect(403, anonymous=REDIRECT, admin=405, auditor=405)),
    "admin:password_change": Row(admin_only(admin=REDIRECT, auditor=REDIRECT)),
    "admin:password_change_done": Row(admin_only(admin=REDIRECT, auditor=REDIRECT)),
    # Without its query parameters the autocomplete refuses everyone.
    "admin:autocomplete": Row(admin_only(admin=403, auditor=403)),
    "admin:jsi18n": Row(admin_only(admin=200, auditor=200)),
    # Org-chart objects have no public page.
    "admin:view_on_site": Row(
        admin_only(admin=404, auditor=404), lambda o: [o["unit_ct"].pk, o["unit"].pk]
    ),
    # The auditor sees no model of the org chart, so its app page does not exist for them.
    "admin:app_list": Row(admin_only(admin=200, auditor=404), lambda o: ["units"]),
    "admin/(?P<url>.*)$": Row(admin_only(admin=404, auditor=404), lambda o: ["no-such-page/"]),
    # --- admin: org chart (system admin only) ---
    **_model_rows("units.unit", "unit", admin=ORG_ADMIN, auditor=NOT_IN_SCOPE),
    **_model_rows("units.department", "department", admin=ORG_ADMIN, auditor=NOT_IN_SCOPE),
    **_model_rows("units.post", "post", admin=ORG_ADMIN, auditor=NOT_IN_SCOPE),
    **_model_rows("units.poweritem", "poweritem", admin=ORG_ADMIN, auditor=NOT_IN_SCOPE),
    # People are deactivated, never deleted.
    **_model_rows(
        "units.person", "person", admin={**ORG_ADMIN, "delete": 403}, auditor=NOT_IN_SCOPE
    ),
    **_model_rows("units.rolegrant", "rolegrant", admin=ORG_ADMIN, auditor=NOT_IN_SCOPE),
    # --- admin: roster import (system admin only) and its read-only record ---
    "admin:units_person_roster_import": Row(admin_only(admin=200, auditor=403)),
    "admin:units_person_roster_export": Row(
        admin_only(admin=200, auditor=403), lambda o: [o["unit"].pk]
    ),
    **_model_rows(
        "units.rosterimport",
        "rosterimport",
        admin={"changelist": 200, "history": 200, "change": 200},
        auditor=NOT_IN_SCOPE,
    ),
    # --- admin: accounts (created with their person, never added or deleted bare) ---
    "admin:auth_user_password_change": Row(
        admin_only(admin=200, auditor=403), lambda o: [o["user"].pk]
    ),
    **_model_rows(
        "auth.user",
        "user",
        admin={"changelist": 200, "history": 200, "change": 200},
        auditor=NOT_IN_SCOPE,
    ),
    # --- admin: audit log (audit admin only, read-only) ---
    "admin:audit_auditevent_export": Row(admin_only(admin=403, auditor=200)),
    **_model_rows(
        "audit.auditevent",
        "auditevent",
        admin=NONE,
        auditor={"changelist": 200, "history": 200, "change": 200},
    ),
}
