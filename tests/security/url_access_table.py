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


def admin_only(*, admin, auditor, office) -> dict[str, int | str]:
    """Admin pages: anonymous → login, people without an admin role → 403. Three personas enter
    the admin: the system admin (org chart, accounts), the audit admin (audit log) and the
    integrity office (the risk library and its rounds, read-only)."""
    return expect(403, anonymous=LOGIN, admin=admin, auditor=auditor, office=office)


@dataclass(frozen=True)
class Row:
    expect: dict[str, int | str]
    args: Callable[[dict], list] = field(default=lambda objects: [])


def _model_rows(
    app_model: str,
    obj: str,
    *,
    admin: dict[str, int | str],
    auditor: dict[str, int | str],
    office: dict[str, int | str],
) -> dict[str, Row]:
    """The six URLs of a registered ModelAdmin; `admin`/`auditor`/`office` map view → outcome."""
    app, model = app_model.split(".")
    pk = lambda objects: [objects[obj].pk]  # noqa: E731
    rows = {
        f"admin:{app}_{model}_changelist": Row(
            admin_only(**_pick("changelist", admin, auditor, office))
        ),
        f"admin:{app}_{model}_add": Row(admin_only(**_pick("add", admin, auditor, office))),
        f"admin:{app}_{model}_history": Row(
            admin_only(**_pick("history", admin, auditor, office)), pk
        ),
        f"admin:{app}_{model}_delete": Row(
            admin_only(**_pick("delete", admin, auditor, office)), pk
        ),
        f"admin:{app}_{model}_change": Row(
            admin_only(**_pick("change", admin, auditor, office)), pk
        ),
        # The bare object URL redirects to its change page (whose own row decides access).
        f"admin/{app}/{model}/<path:object_id>/": Row(
            admin_only(admin=REDIRECT, auditor=REDIRECT, office=REDIRECT), pk
        ),
    }
    return rows


def _pick(view: str, admin: dict, auditor: dict, office: dict) -> dict:
    return {
        "admin": admin.get(view, 403),
        "auditor": auditor.get(view, 403),
        "office": office.get(view, 403),
    }


ORG_ADMIN = {"changelist": 200, "add": 200, "history": 200, "delete": 200, "change": 200}
NONE: dict[str, int] = {}
# Django's history view looks the object up in the (for this person empty) queryset before it
# checks permissions, and sends whoever finds nothing back to the admin index: no data shown.
NOT_IN_SCOPE = {"history": REDIRECT}


def demo_objects() -> dict:
    """Real objects of the demo (organisation, the 2026 round part-way along the chain), for
    object URLs. A few records the demo lacks (a finished report job, a minutes attachment, a
    queued task) are added here, inside the test's rolled-back transaction."""
    import datetime
    import datetime as dt

    from django.contrib.auth.models import User
    from django.contrib.contenttypes.models import ContentType
    from django.core.files.base import ContentFile
    from django_tasks_db.models import DBTaskResult

    from access.services import delegation_grant, read_grant_grant
    from audit.models import AuditEvent, DualControlKind, DualControlRequest
    from powers.demo import load_demo_powers
    from powers.models import PowerChange, PowerItem, UnitPowerKind
    from reports.models import (
        JobKind,
        JobState,
        ReportFile,
        ReportFormat,
        ReportJob,
        RoundGroupMember,
        RoundPhase,
    )
    from reports.services import form_report_file
    from reports.tasks import run_report_job
    from riskreg import clock
    from risks.models import LibraryEntry, RiskForm, Round
    from units.models import Department, Person, Post, RoleGrant, RosterImport, Unit
    from workflow.enums import FormState
    from workflow.models import (
        CollectiveMeeting,
        Notification,
        Objection,
        PublicNotice,
        RatingWindow,
        Signature,
        TransitionLog,
    )

    unit = Unit.objects.get(code="GYRC")
    load_demo_powers()  # GYRC's 职权目录, steps and ties (idempotent)
    power_item = PowerItem.objects.get(unit=unit, name="公文与印章管理")
    gyrc_forms = RiskForm.objects.filter(unit=unit).order_by("pk")
    staff_form = gyrc_forms.get(filler__user__username="demo_staff")
    filed_form = gyrc_forms.filter(state=FormState.FILED).first()
    notice_form = gyrc_forms.filter(state=FormState.PUBLIC_NOTICE).first()
    inspector = User.objects.get(username="demo_inspector")
    job = ReportJob.objects.create(
        kind=JobKind.QUARTERLY,
        unit=unit,
        format=ReportFormat.PDF,
        params={"year": 2026, "quarter": 1, "with_subunits": False},
        requested_by=inspector,
        state=JobState.DONE,
        progress=100,
    )
    job.file.save("quarterly.pdf", ContentFile(b"%PDF-1.4 test"), save=True)
    run_report_job.enqueue(str(job.pk))  # a queued task row, for the tasks admin
    meeting = CollectiveMeeting.objects.filter(unit=unit).first()
    meeting.minutes_file.save("纪要.pdf", ContentFile(b"%PDF-1.4 minutes"), save=True)
    # Filed forms' stored files exist already (a GET must not be the one producing them).
    for fmt in (ReportFormat.PDF, ReportFormat.XLSX):
        form_report_file(form=filed_form, fmt=fmt)
    # Explicit grants for the revoke URLs, starting next month: in force for nobody today, so
    # they change no other row of the table.
    later = {"starts_on": clock.today() + dt.timedelta(days=30)}
    later["ends_on"] = later["starts_on"] + dt.timedelta(days=10)
    office = User.objects.get(username="demo_office")
    delegation = delegation_grant(
        by=office,
        delegator=Person.objects.get(user__username="demo_head"),
        delegate=Person.objects.get(user__username="demo_staff"),
        **later,
    )
    readgrant = read_grant_grant(
        by=inspector, grantee=Person.objects.get(user__username="demo_audit"), unit=unit, **later
    )
    return {
        "delegation": delegation,
        "readgrant": readgrant,
        **_supervision_objects(unit),
        "unit": unit,
        "unit_ct": ContentType.objects.get_for_model(Unit),
        "department": Department.objects.filter(unit=unit).first(),
        "post": Post.objects.filter(unit=unit).first(),
        "poweritem": power_item,
        "draft_poweritem": PowerItem.objects.get(unit=unit, state="draft"),
        "powerstep": power_item.steps.first(),
        "powerchange": PowerChange.objects.filter(unit=unit).first(),
        "unitpowerkind": UnitPowerKind.objects.get_or_create(unit=unit, name="募捐管理")[0],
        "person": Person.objects.get(user__username="demo_staff"),
        "rolegrant": RoleGrant.objects.filter(person__user__username="demo_audit").first(),
        "user": User.objects.get(username="demo_staff"),
        "auditevent": AuditEvent.objects.first(),
        "dual": DualControlRequest.objects.create(
            kind=DualControlKind.RESET_MFA,
            target=Person.objects.get(user__username="demo_inspector"),
            reason="手机丢失",
            requested_by=User.objects.get(username="demo_admin"),
        ),
        "round": Round.objects.get(unit=unit, title="2026年度廉政风险排查"),
        "staff_form": staff_form,
        "staff_point": staff_form.points.order_by("order", "pk").first(),
        "notice_form": notice_form,
        "filed_form": filed_form,
        "mass_form": gyrc_forms.filter(state=FormState.MASS_REVIEW).first(),
        "ratingwindow": RatingWindow.objects.filter(unit=unit, closed_at__isnull=True).first(),
        "meeting": meeting,
        "objection": Objection.objects.filter(form__unit=unit, answered_at__isnull=True).first(),
        "notification": Notification.objects.create(
            recipient=User.objects.get(username="demo_staff"),
            kind="returned",
            form=staff_form,
            message="您的一览表已被发回。",
            url=f"/workflow/forms/{staff_form.pk}/",
        ),
        "job": job,
        "taskresult": DBTaskResult.objects.first(),
        "libraryentry": LibraryEntry.objects.first(),
        "roundgroupmember": RoundGroupMember.objects.get_or_create(
            round=Round.objects.get(unit=unit, title="2026年度廉政风险排查"),
            role="leader",
            name="周文涛",
        )[0],
        "roundphase": RoundPhase.objects.get_or_create(
            round=Round.objects.get(unit=unit, title="2026年度廉政风险排查"),
            name="排查风险",
            end=datetime.date(2026, 5, 31),
            work="查找岗位廉政风险点",
        )[0],
        "transitionlog": TransitionLog.objects.filter(form=staff_form).first(),
        "signature": Signature.objects.filter(form__unit=unit).first(),
        "publicnotice": PublicNotice.objects.filter(form=notice_form).first(),
        "reportfile": ReportFile.objects.filter(form=filed_form).first(),
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


def _supervision_objects(unit) -> dict:
    """The demo's supervision records (supervision.demo): the 橙色预警 to 事业发展部, the
    责令限期整改 of 办公室 (its head is demo_head), the 诫勉谈话, the proposal, a finding."""
    from supervision.demo import load_demo_supervision
    from supervision.enums import DispositionKind
    from supervision.models import (
        Disposition,
        Evidence,
        Finding,
        LevelRaiseProposal,
        WarningNotice,
    )

    load_demo_supervision()
    return {
        "sup_finding": Finding.objects.filter(unit=unit).first(),
        "sup_warning": WarningNotice.objects.get(unit=unit, grade="orange"),
        "sup_rectification": Disposition.objects.get(unit=unit, kind=DispositionKind.RECTIFICATION),
        "sup_talk": Disposition.objects.get(unit=unit, kind=DispositionKind.ADMONITION),
        "sup_proposal": LevelRaiseProposal.objects.filter(unit=unit).first(),
        "sup_evidence": Evidence.objects.filter(entry__warning__grade="yellow").first(),
    }


def _pk(name: str) -> Callable[[dict], list]:
    return lambda objects: [objects[name].pk]


def _point(objects: dict) -> list:
    return [objects["staff_form"].pk, objects["staff_point"].pk]


def _gyrc(objects: dict) -> list:
    return ["GYRC"]


# The demo personas over the demo staff member's form (办公室·综合文秘, returned to 自查填报):
# its filler, the department head, the supervising leader, the principal, the integrity office
# and the inspector read it; a colleague of another department, the system admin, the audit
# admin and a person of the sub-unit do not (404): a draft is nobody else's business.
STAFF_FORM_READERS = dict(staff=200, head=200, leader=200, principal=200, office=200, inspector=200)
# Published forms (公示, 已备案) and the unit's register are read by every member of the unit —
# the system and audit admins too, as colleagues holding a post, never through their admin role.
UNIT_MEMBERS = logged_in(200, outsider=404)
# Round management, rating windows, meetings, objections: the integrity office's screens.
OFFICE_PAGE = logged_in(403, office=200)
OFFICE_ONLY_404 = logged_in(404, office=200)
POST_ONLY = logged_in(405)
# The chain's records, risk forms and queued tasks in the admin: read-only and for the
# break-glass superuser only; none of the three admin personas sees them.
CHAIN_ADMIN = dict(admin=NONE, auditor=NONE, office=NONE)
# Supervision: 纪检's own pages; a record of the unit for the principal and 纪检 alone.
INSPECTOR_ONLY = logged_in(404, inspector=200)
UNIT_SUPERVISION = logged_in(404, principal=200, inspector=200)

URL_TABLE: dict[str, Row] = {
    # --- operations: /healthz answers everyone, with no data (ops/health.py) ---
    "healthz": Row(expect(200)),
    # --- accounts ---
    "login": Row(expect(REDIRECT, anonymous=200)),
    # The icon, for everyone (a permanent redirect to the static file).
    "favicon.ico": Row(expect(REDIRECT)),
    "logout": Row(expect(405)),
    "password_change": Row(logged_in(200)),
    "password_change_done": Row(logged_in(200)),
    # --- second factor: nothing owed after a finished login, so the step sends one on ---
    "mfa_verify": Row(logged_in(REDIRECT)),
    "mfa_enrol": Row(logged_in(200)),
    "account_security": Row(logged_in(200)),
    # --- 双人审批: the system admin, the principal and the audit admin of the unit ---
    "dual_list": Row(logged_in(404, admin=200, principal=200, auditor=200)),
    "dual_detail": Row(logged_in(404, admin=200, principal=200, auditor=200), _pk("dual")),
    # --- units ---
    "home": Row(logged_in(200)),
    # The password-set link of the roster invite: a bad link shows "此链接已失效" to anyone.
    "password_set": Row(expect(200), lambda o: ["MQ", "set-password"]),
    "password_set_complete": Row(expect(200)),
    # --- admin site ---
    "admin:index": Row(admin_only(admin=200, auditor=200, office=200)),
    "admin:login": Row(expect(LOGIN)),
    "admin:logout": Row(expect(403, anonymous=REDIRECT, admin=405, auditor=405, office=405)),
    "admin:password_change": Row(admin_only(admin=REDIRECT, auditor=REDIRECT, office=REDIRECT)),
    "admin:password_change_done": Row(
        admin_only(admin=REDIRECT, auditor=REDIRECT, office=REDIRECT)
    ),
    # Without its query parameters the autocomplete refuses everyone.
    "admin:autocomplete": Row(admin_only(admin=403, auditor=403, office=403)),
    "admin:jsi18n": Row(admin_only(admin=200, auditor=200, office=200)),
    # Org-chart objects have no public page.
    "admin:view_on_site": Row(
        admin_only(admin=404, auditor=404, office=404),
        lambda o: [o["unit_ct"].pk, o["unit"].pk],
    ),
    # The auditor and the office see no model of the org chart: its app page does not exist.
    "admin:app_list": Row(admin_only(admin=200, auditor=404, office=404), lambda o: ["units"]),
    "admin/(?P<url>.*)$": Row(
        admin_only(admin=404, auditor=404, office=404), lambda o: ["no-such-page/"]
    ),
    # --- admin: org chart (system admin only) ---
    **_model_rows("units.unit", "unit", admin=ORG_ADMIN, auditor=NOT_IN_SCOPE, office=NOT_IN_SCOPE),
    **_model_rows(
        "units.department",
        "department",
        admin=ORG_ADMIN,
        auditor=NOT_IN_SCOPE,
        office=NOT_IN_SCOPE,
    ),
    **_model_rows("units.post", "post", admin=ORG_ADMIN, auditor=NOT_IN_SCOPE, office=NOT_IN_SCOPE),
    # People are deactivated, never deleted.
    **_model_rows(
        "units.person",
        "person",
        admin={**ORG_ADMIN, "delete": 403},
        auditor=NOT_IN_SCOPE,
        office=NOT_IN_SCOPE,
    ),
    # The demo grant is the audit admin's: the system admin sees it but may not change or
    # revoke it (三员分立, 双人审批); its change page is read-only.
    **_model_rows(
        "units.rolegrant",
        "rolegrant",
        admin={**ORG_ADMIN, "delete": 403},
        auditor=NOT_IN_SCOPE,
        office=NOT_IN_SCOPE,
    ),
    # --- admin: roster import (system admin only) and its read-only record ---
    "admin:units_person_roster_import": Row(admin_only(admin=200, auditor=403, office=403)),
    "admin:units_person_roster_export": Row(
        admin_only(admin=200, auditor=403, office=403), lambda o: [o["unit"].pk]
    ),
    **_model_rows(
        "units.rosterimport",
        "rosterimport",
        admin={"changelist": 200, "history": 200, "change": 200},
        auditor=NOT_IN_SCOPE,
        office=NOT_IN_SCOPE,
    ),
    # --- admin: accounts (created with their person, never added or deleted bare) ---
    "admin:auth_user_password_change": Row(
        admin_only(admin=200, auditor=403, office=403), lambda o: [o["user"].pk]
    ),
    **_model_rows(
        "auth.user",
        "user",
        admin={"changelist": 200, "history": 200, "change": 200},
        auditor=NOT_IN_SCOPE,
        office=NOT_IN_SCOPE,
    ),
    # --- admin: audit log (audit admin only, read-only) ---
    "admin:audit_auditevent_export": Row(admin_only(admin=403, auditor=200, office=403)),
    "admin:audit_auditevent_digest": Row(admin_only(admin=403, auditor=200, office=403)),
    **_model_rows(
        "audit.auditevent",
        "auditevent",
        admin=NONE,
        auditor={"changelist": 200, "history": 200, "change": 200},
        office=NONE,
    ),
    # --- admin: risk library (integrity office only); rounds read-only for their office ---
    **_model_rows("risks.libraryentry", "libraryentry", admin=NONE, auditor=NONE, office=ORG_ADMIN),
    # the round's documents (领导小组成员名单, 工作安排表): the integrity office of its unit
    **_model_rows(
        "reports.roundgroupmember", "roundgroupmember", admin=NONE, auditor=NONE, office=ORG_ADMIN
    ),
    **_model_rows("reports.roundphase", "roundphase", admin=NONE, auditor=NONE, office=ORG_ADMIN),
    **_model_rows(
        "risks.round",
        "round",
        admin=NOT_IN_SCOPE,
        auditor=NOT_IN_SCOPE,
        office={"changelist": 200, "history": 200, "change": 200},
    ),
    # --- admin: risk forms and the chain's records, background tasks (break-glass only) ---
    **_model_rows("risks.riskform", "staff_form", **CHAIN_ADMIN),
    **_model_rows("workflow.transitionlog", "transitionlog", **CHAIN_ADMIN),
    **_model_rows("workflow.signature", "signature", **CHAIN_ADMIN),
    **_model_rows("workflow.ratingwindow", "ratingwindow", **CHAIN_ADMIN),
    **_model_rows("workflow.collectivemeeting", "meeting", **CHAIN_ADMIN),
    **_model_rows("workflow.publicnotice", "publicnotice", **CHAIN_ADMIN),
    **_model_rows("workflow.objection", "objection", **CHAIN_ADMIN),
    **_model_rows("django_tasks_database.dbtaskresult", "taskresult", **CHAIN_ADMIN),
    # --- admin: the power list (integrity office): Excel import/export; drafting is in the app ---
    **_model_rows(
        "powers.poweritem",
        "poweritem",
        admin=NOT_IN_SCOPE,
        auditor=NOT_IN_SCOPE,
        office={"changelist": 200, "history": 200, "change": 200},
    ),
    **_model_rows(
        "powers.unitpowerkind",
        "unitpowerkind",
        admin=NOT_IN_SCOPE,
        auditor=NOT_IN_SCOPE,
        office={**ORG_ADMIN},
    ),
    **_model_rows(
        "powers.powerchange",
        "powerchange",
        admin=NOT_IN_SCOPE,
        auditor=NOT_IN_SCOPE,
        office={"changelist": 200, "history": 200, "change": 200},
    ),
    "admin:powers_poweritem_import": Row(admin_only(admin=403, auditor=403, office=200)),
    # POST only (the confirm step of an import)
    "admin:powers_poweritem_process_import": Row(admin_only(admin=405, auditor=405, office=405)),
    "admin:powers_poweritem_export": Row(admin_only(admin=403, auditor=403, office=200)),
    # --- powers: the 职权目录 (members read the confirmed list; heads draft; 廉防办 confirms) ---
    "powers:catalogue": Row(UNIT_MEMBERS, _gyrc),
    "powers:catalogue_xlsx": Row(UNIT_MEMBERS, _gyrc),
    "powers:catalogue_pdf": Row(UNIT_MEMBERS, _gyrc),
    "powers:flowcharts_pdf": Row(UNIT_MEMBERS, _gyrc),
    "powers:network": Row(UNIT_MEMBERS, _gyrc),
    "powers:item_add": Row(logged_in(403, head=200, office=200, outsider=404), _gyrc),
    # A confirmed item of 办公室: every member reads it; its head and 廉防办 edit it.
    "powers:item_detail": Row(UNIT_MEMBERS, _pk("poweritem")),
    "powers:item_edit": Row(logged_in(403, head=200, office=200, outsider=404), _pk("poweritem")),
    "powers:step_edit": Row(
        logged_in(403, head=200, office=200, outsider=404),
        lambda o: [o["poweritem"].pk, o["powerstep"].pk],
    ),
    "powers:item_confirm": Row(POST_ONLY, _pk("poweritem")),
    "powers:step_add": Row(POST_ONLY, _pk("poweritem")),
    "powers:step_move": Row(POST_ONLY, lambda o: [o["poweritem"].pk, o["powerstep"].pk]),
    "powers:step_delete": Row(POST_ONLY, lambda o: [o["poweritem"].pk, o["powerstep"].pk]),
    "powers:point_tie": Row(POST_ONLY, _point),
    # --- risks: lists are filtered per person, so everyone logged in gets their own ---
    "risks:form_list": Row(logged_in(200)),
    "risks:my_forms": Row(logged_in(200)),
    "risks:form_detail": Row(logged_in(404, **STAFF_FORM_READERS), _pk("staff_form")),
    # Editing is the filler's alone (the GET of the edit URL sends them back to the form);
    # readers get 403, everyone else 404. The other point actions are POST-only.
    "risks:point_edit": Row(
        logged_in(
            404, staff=REDIRECT, head=403, leader=403, principal=403, office=403, inspector=403
        ),
        _point,
    ),
    "risks:point_add": Row(POST_ONLY, _pk("staff_form")),
    "risks:point_delete": Row(POST_ONLY, _point),
    "risks:point_move": Row(POST_ONLY, _point),
    "risks:library_add": Row(POST_ONLY, _pk("staff_form")),
    "risks:overall_level": Row(POST_ONLY, _pk("staff_form")),
    # Reassigning the filler: the integrity office; the form's other readers get 403.
    "risks:form_reassign": Row(
        logged_in(404, staff=403, head=403, leader=403, principal=403, office=200, inspector=403),
        _pk("staff_form"),
    ),
    "risks:round_list": Row(OFFICE_ONLY_404),
    "risks:round_open": Row(OFFICE_ONLY_404),
    "risks:round_detail": Row(OFFICE_ONLY_404, _pk("round")),
    "risks:round_edit": Row(OFFICE_ONLY_404, _pk("round")),
    "risks:round_sync": Row(POST_ONLY, _pk("round")),
    # --- workflow: queues and lists are per person; actions are POST-only ---
    # The old address of the form page: a permanent redirect to /forms/<pk>/ (risks:form_detail),
    # whose own row decides access; notifications already sent still carry it.
    "workflow:form": Row(logged_in(REDIRECT), _pk("staff_form")),
    "workflow:act": Row(POST_ONLY, _pk("staff_form")),
    # The demo staff form has no earlier version to compare with.
    "workflow:changes": Row(logged_in(404), _pk("staff_form")),
    "workflow:review_queue": Row(logged_in(200)),
    "workflow:sign_queue": Row(logged_in(200)),
    "workflow:rating_list": Row(logged_in(200)),
    # A form of 赈济救护部 in an open 群众评议 of that department: its colleague rates it; those
    # who read it by their role may not rate (403); the filler (demo_staff is not in it) and
    # everyone outside the window do not see it (404).
    "workflow:rate_form": Row(
        logged_in(404, staff2=200, principal=403, office=403, inspector=403), _pk("mass_form")
    ),
    "workflow:rating_windows": Row(OFFICE_PAGE),
    "workflow:rating_window_close": Row(POST_ONLY, _pk("ratingwindow")),
    "workflow:rating_window_add": Row(POST_ONLY, _pk("ratingwindow")),
    "workflow:collective": Row(OFFICE_PAGE),
    "workflow:meeting_create": Row(POST_ONLY),
    "workflow:meeting": Row(OFFICE_PAGE, _pk("meeting")),
    "workflow:meeting_minutes_file": Row(OFFICE_PAGE, _pk("meeting")),
    "workflow:notice_register": Row(logged_in(200)),
    "workflow:file_batch": Row(POST_ONLY),
    # A form in 公示: every member of the unit may raise an objection.
    "workflow:objection_create": Row(UNIT_MEMBERS, _pk("notice_form")),
    "workflow:filed_register": Row(logged_in(200)),
    "workflow:objections": Row(OFFICE_PAGE),
    # 我提出的异议: everyone's own list (empty for most).
    "workflow:my_objections": Row(logged_in(200)),
    "workflow:objection_answer": Row(POST_ONLY, _pk("objection")),
    "workflow:board": Row(logged_in(403, office=200, inspector=200)),
    # --- explicit grants (access): 委托 by 廉防办, 特别授权 by 纪检; writes are POST only ---
    "access:grants": Row(logged_in(403, office=200, inspector=200)),
    "access:delegation_add": Row(POST_ONLY),
    "access:delegation_revoke": Row(POST_ONLY, _pk("delegation")),
    "access:read_grant_add": Row(POST_ONLY),
    "access:read_grant_revoke": Row(POST_ONLY, lambda objects: ["unit", objects["readgrant"].pk]),
    "workflow:board_remind": Row(POST_ONLY),
    "workflow:notifications": Row(logged_in(200)),
    # Opening a notice marks it read, so it is a POST.
    "workflow:notification_open": Row(POST_ONLY, _pk("notification")),
    # --- reports: same readers as the forms; registers for the unit's members ---
    "reports:index": Row(logged_in(200)),
    "reports:form_html": Row(logged_in(404, **STAFF_FORM_READERS), _pk("staff_form")),
    "reports:form_pdf": Row(logged_in(404, **STAFF_FORM_READERS), _pk("staff_form")),
    # A filed form (the leadership's): its stored file, for every member of the unit.
    "reports:form_xlsx": Row(UNIT_MEMBERS, _pk("filed_form")),
    "reports:register": Row(UNIT_MEMBERS, _gyrc),
    "reports:register_xlsx": Row(UNIT_MEMBERS, _gyrc),
    "reports:volume_request": Row(POST_ONLY, _gyrc),
    "reports:round_documents": Row(UNIT_MEMBERS, lambda o: ["GYRC", o["round"].pk, "xlsx"]),
    # The quarterly summary is for discipline inspection, its office and the principal.
    "reports:quarterly": Row(logged_in(404, principal=200, office=200, inspector=200), _gyrc),
    "reports:quarterly_export": Row(
        logged_in(404, principal=200, office=200, inspector=200), lambda o: ["GYRC", "xlsx"]
    ),
    "reports:quarterly_job": Row(POST_ONLY, _gyrc),
    # A finished job is its requester's (the inspector's) alone.
    "reports:job": Row(logged_in(404, inspector=200), _pk("job")),
    "reports:job_download": Row(logged_in(404, inspector=200), _pk("job")),
    # --- supervision: 纪检's pages; records for their subject, the department head (its
    # rectification items), the principal (the unit's) and 纪检; colleagues and admins 404 ---
    "supervision:desk": Row(INSPECTOR_ONLY),
    "supervision:mine": Row(logged_in(200)),
    # 纪检 sets the unit's settings by POST from the 监督台 (others: 404, tests/supervision).
    "supervision:unit_settings": Row(POST_ONLY, lambda o: [o["unit"].code]),
    # 廉防办 records findings only where 纪检 turns it on (off in the demo; see
    # tests/supervision/test_unit_settings.py for the office with it on).
    "supervision:finding_list": Row(INSPECTOR_ONLY),
    "supervision:finding_create": Row(INSPECTOR_ONLY),
    "supervision:warning_create": Row(INSPECTOR_ONLY),
    "supervision:proposal_create": Row(INSPECTOR_ONLY),
    "supervision:disposition_create": Row(INSPECTOR_ONLY, lambda o: ["rectification"]),
    "supervision:finding": Row(INSPECTOR_ONLY, _pk("sup_finding")),
    # The warning to 事业发展部 (signed for by its head, not a demo persona).
    "supervision:warning": Row(UNIT_SUPERVISION, _pk("sup_warning")),
    "supervision:warning_pdf": Row(UNIT_SUPERVISION, _pk("sup_warning")),
    # 办公室's 责令限期整改: demo_head heads 办公室; its other members (staff, office, admin) 404.
    "supervision:disposition": Row(
        logged_in(404, head=200, principal=200, inspector=200), _pk("sup_rectification")
    ),
    "supervision:talk_record_pdf": Row(UNIT_SUPERVISION, _pk("sup_talk")),
    # 廉防办 answers proposals at 集体审定.
    "supervision:proposal": Row(
        logged_in(404, principal=200, office=200, inspector=200), _pk("sup_proposal")
    ),
    "supervision:act": Row(POST_ONLY, lambda o: ["warning", o["sup_warning"].pk]),
    "supervision:evidence": Row(UNIT_SUPERVISION, _pk("sup_evidence")),
}


# --- POST refusals of 三员分立 ------------------------------------------------------------------
# What the system admin may not do even by crafting the request himself. Each row: who posts,
# where, what; the status answered (200: the form shown again with the Chinese reason; 403:
# refused outright) and a check, run afterwards, that nothing changed. Tested by
# tests/security/test_separation.py.


@dataclass(frozen=True)
class Refusal:
    persona: str
    url: Callable[[dict], str]
    data: Callable[[dict], dict]
    status: int
    unchanged: Callable[[dict], bool]
    says: str = ""


def _grant_data(username: str, role: str) -> Callable[[dict], dict]:
    def data(objects: dict) -> dict:
        from units.models import Person

        person = Person.objects.get(user__username=username)
        return {"person": person.pk, "role": role, "unit": objects["unit"].pk, "note": ""}

    return data


def _no_grant(username: str, role: str) -> Callable[[dict], bool]:
    def check(objects: dict) -> bool:
        from units.models import RoleGrant

        return not RoleGrant.objects.filter(person__user__username=username, role=role).exists()

    return check


def _url(name: str, *keys: str) -> Callable[[dict], str]:
    def url(objects: dict) -> str:
        from django.urls import reverse

        return reverse(name, args=[objects[key].pk for key in keys])

    return url


def _audit_user(objects: dict):
    from django.contrib.auth.models import User

    return User.objects.get(username="demo_audit")


def _audit_password_unchanged(objects: dict) -> bool:
    return _audit_user(objects).check_password("demo-pass-2026")


def _audit_grant_kept(objects: dict) -> bool:
    from units.models import RoleGrant

    return RoleGrant.objects.filter(pk=objects["rolegrant"].pk, role="audit_admin").exists()


def _audit_person_unchanged(objects: dict) -> bool:
    from units.models import Person

    person = Person.objects.get(user__username="demo_audit")
    return person.name == "曹玉兰" and person.active


def _inspector_device_kept(objects: dict) -> bool:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user__username="demo_inspector", confirmed=True).exists()


def _person_data(objects: dict) -> dict:
    from units.models import Person

    person = Person.objects.get(user__username="demo_audit")
    return {
        "unit": person.unit_id,
        "employee_no": person.employee_no,
        "name": "改名",
        "department": person.department_id or "",
        "post": person.post_id or "",
        "job_title": person.job_title,
        "phone": person.phone,
        "email": "",
        "role_grants-TOTAL_FORMS": "0",
        "role_grants-INITIAL_FORMS": "0",
    }


def _audit_person_with_email(objects: dict) -> dict:
    from units.models import Person

    person = Person.objects.get(user__username="demo_audit")
    Person.objects.filter(pk=person.pk).update(email="caoyulan@example.org")
    return {"action": "send_password_set_email", "_selected_action": [person.pk]}


def _no_mail_sent(objects: dict) -> bool:
    from django.core import mail

    return not mail.outbox


def _dual_pending(objects: dict) -> bool:
    from audit.models import DualControlRequest

    return DualControlRequest.objects.get(pk=objects["dual"].pk).state == "pending"


SELF_GRANT = "不能给自己授予"
PROTECTED_GRANT = "双人审批"
REFUSALS: dict[str, Refusal] = {
    "admin grants himself 纪检监督": Refusal(
        "admin",
        _url("admin:units_rolegrant_add"),
        _grant_data("demo_admin", "inspector"),
        200,
        _no_grant("demo_admin", "inspector"),
        SELF_GRANT,
    ),
    "admin grants himself 安全审计员": Refusal(
        "admin",
        _url("admin:units_rolegrant_add"),
        _grant_data("demo_admin", "audit_admin"),
        200,
        _no_grant("demo_admin", "audit_admin"),
        SELF_GRANT,
    ),
    "admin grants himself 廉防办": Refusal(
        "admin",
        _url("admin:units_rolegrant_add"),
        _grant_data("demo_admin", "integrity_office"),
        200,
        _no_grant("demo_admin", "integrity_office"),
        SELF_GRANT,
    ),
    "admin grants a colleague 纪检监督": Refusal(
        "admin",
        _url("admin:units_rolegrant_add"),
        _grant_data("demo_staff", "inspector"),
        200,
        _no_grant("demo_staff", "inspector"),
        PROTECTED_GRANT,
    ),
    "admin grants the audit admin 系统管理员": Refusal(
        "admin",
        _url("admin:units_rolegrant_add"),
        _grant_data("demo_audit", "system_admin"),
        200,
        _no_grant("demo_audit", "system_admin"),
        PROTECTED_GRANT,
    ),
    "admin revokes the audit admin's grant": Refusal(
        "admin",
        _url("admin:units_rolegrant_delete", "rolegrant"),
        lambda o: {"post": "yes"},
        403,
        _audit_grant_kept,
    ),
    "admin changes the audit admin's grant": Refusal(
        "admin",
        _url("admin:units_rolegrant_change", "rolegrant"),
        lambda o: {
            "person": o["rolegrant"].person_id,
            "role": "integrity_office",
            "unit": o["unit"].pk,
            "note": "",
        },
        403,
        _audit_grant_kept,
    ),
    "admin resets demo_audit's password": Refusal(
        "admin",
        lambda o: _url("admin:auth_user_password_change", "audit_user")(
            {**o, "audit_user": _audit_user(o)}
        ),
        lambda o: {"password1": "Takeover#2026xy", "password2": "Takeover#2026xy"},
        403,
        _audit_password_unchanged,
    ),
    "admin changes demo_audit's login": Refusal(
        "admin",
        lambda o: _url("admin:auth_user_change", "audit_user")({**o, "audit_user": _audit_user(o)}),
        lambda o: {"username": "demo_audit2", "is_active": "on"},
        403,
        lambda o: _audit_user(o).username == "demo_audit",
    ),
    "admin changes demo_audit's person record": Refusal(
        "admin",
        lambda o: _url("admin:units_person_change", "audit_person")(
            {**o, "audit_person": _audit_user(o).person}
        ),
        _person_data,
        403,
        _audit_person_unchanged,
    ),
    "admin resets the inspector's second factor": Refusal(
        "admin",
        _url("admin:auth_user_changelist"),
        lambda o: {
            "action": "reset_second_factor",
            "_selected_action": [_inspector_user_pk()],
        },
        302,
        _inspector_device_kept,
    ),
    "admin mails demo_audit a password-set link": Refusal(
        "admin",
        _url("admin:units_person_changelist"),
        _audit_person_with_email,
        302,
        _no_mail_sent,
    ),
    "admin approves his own 双人审批 request": Refusal(
        "admin",
        _url("dual_detail", "dual"),
        lambda o: {"decision": "approve", "note": ""},
        403,
        _dual_pending,
    ),
}


def _inspector_user_pk() -> int:
    from django.contrib.auth.models import User

    return User.objects.get(username="demo_inspector").pk
