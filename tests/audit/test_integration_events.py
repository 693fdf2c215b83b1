"""The features' calls into the audit log: every workflow transition, every export and download,
every roster import attempt (SPEC §9, issue 7 安全审计). Each test checks the row a reader of
the log would look for: who, what, which object, how it ended."""

import io

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.urls import reverse

from audit.enums import AuditAction, AuditOutcome
from audit.models import AuditEvent
from reports.models import JobKind, JobState, ReportFormat, ReportJob
from tests.factories import make_form, make_point, make_round, roster_row, roster_xlsx
from units.models import Person, Post, RosterImport, Unit
from workflow import services
from workflow.enums import Action, FormState
from workflow.models import CollectiveMeeting


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def gyrc(demo) -> Unit:
    return Unit.objects.get(code="GYRC")


@pytest.fixture
def staff_form(demo, gyrc):
    staff = demo["staff"].person
    form = make_form(round=make_round(unit=gyrc), post=staff.post, filler=staff)
    make_point(form=form, category=form.allowed_categories()[0], description="风险点", level=2)
    return form


def _events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


# --- workflow transitions ---------------------------------------------------------------------


def test_every_transition_is_audited_with_actor_form_and_states(demo, staff_form):
    services.form_transition(
        form=staff_form, action=Action.SUBMIT, actor=demo["staff"], client_address="10.1.2.3"
    )

    [event] = _events(AuditAction.WORKFLOW_TRANSITION)
    assert event.actor == demo["staff"]
    assert (event.object_type, event.object_id) == ("risks.riskform", str(staff_form.pk))
    assert event.client_address == "10.1.2.3"
    assert event.outcome == AuditOutcome.SUCCESS
    assert event.details["from"] == FormState.DRAFT
    assert event.details["to"] == FormState.DEPT_REVIEW
    assert event.details["action"] == Action.SUBMIT
    assert event.unit_path == staff_form.unit.path


def test_a_refused_transition_writes_no_audit_row(demo, staff_form):
    with pytest.raises(services.TransitionForbidden):
        services.form_transition(form=staff_form, action=Action.SUBMIT, actor=demo["staff2"])
    assert not _events(AuditAction.WORKFLOW_TRANSITION)


def test_a_return_keeps_its_reason_out_of_the_audit_log(demo, staff_form):
    services.form_transition(form=staff_form, action=Action.SUBMIT, actor=demo["staff"])
    services.form_transition(
        form=staff_form,
        action=Action.RETURN_TO_DRAFT,
        actor=demo["head"],
        comment="风险点写得太笼统",
    )
    events = _events(AuditAction.WORKFLOW_TRANSITION)
    assert [e.details["to"] for e in events] == [FormState.DEPT_REVIEW, FormState.DRAFT]
    assert events[1].actor == demo["head"]
    # The reason is risk content: it stays in the chain's own log, which the auditor cannot read.
    assert "笼统" not in str(events[1].details)


# --- reports ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name, fmt", [("reports:form_xlsx", "xlsx"), ("reports:form_pdf", "pdf")])
def test_form_downloads_are_audited(client, demo, staff_form, name, fmt):
    client.force_login(demo["staff"])
    response = client.get(reverse(name, args=[staff_form.pk]))
    assert response.status_code == 200

    [event] = _events(AuditAction.EXPORT)
    assert event.actor == demo["staff"]
    assert event.object_id == str(staff_form.pk)
    assert event.details["report"] == "form" and event.details["format"] == fmt


def test_a_refused_download_is_not_an_export(client, demo, staff_form):
    client.force_login(demo["auditor"])
    assert client.get(reverse("reports:form_xlsx", args=[staff_form.pk])).status_code == 404
    assert not _events(AuditAction.EXPORT)


def test_register_and_quarterly_exports_are_audited(client, demo, gyrc):
    client.force_login(demo["inspector"])
    assert client.get(reverse("reports:register_xlsx", args=["GYRC"])).status_code == 200
    url = reverse("reports:quarterly_export", args=["GYRC", "json"])
    assert client.get(url + "?year=2026&quarter=1").status_code == 200

    register, summary = _events(AuditAction.EXPORT)
    assert (register.object_type, register.object_id) == ("units.unit", str(gyrc.pk))
    assert register.details["report"] == "register"
    assert (summary.details["report"], summary.details["format"]) == ("quarterly", "json")
    assert (summary.details["year"], summary.details["quarter"]) == (2026, 1)


def test_job_download_is_audited(client, demo, gyrc):
    job = ReportJob.objects.create(
        kind=JobKind.QUARTERLY,
        unit=gyrc,
        format=ReportFormat.PDF,
        params={},
        requested_by=demo["inspector"],
        state=JobState.DONE,
    )
    job.file.save("q.pdf", ContentFile(b"%PDF-1.4"), save=True)
    client.force_login(demo["inspector"])
    assert client.get(reverse("reports:job_download", args=[job.pk])).status_code == 200

    [event] = _events(AuditAction.DOWNLOAD)
    assert event.actor == demo["inspector"]
    assert event.object_id == str(job.pk)
    assert event.details["kind"] == JobKind.QUARTERLY


def test_export_report_command_is_audited(demo, staff_form, tmp_path):
    out = tmp_path / "form.xlsx"
    call_command(
        "export_report", "form", "--form", str(staff_form.pk), "--format", "xlsx", "-o", str(out),
        stdout=io.StringIO(),
    )  # fmt: skip

    [event] = _events(AuditAction.EXPORT)
    assert event.actor is None
    assert event.object_id == str(staff_form.pk)
    assert event.details["source"] == "command"
    assert event.details["output"] == str(out)


def test_minutes_download_is_audited(client, demo, gyrc):
    office = demo["office"].person
    meeting = CollectiveMeeting.objects.create(
        round=make_round(unit=gyrc), unit=gyrc, held_on="2026-03-01", attendees="全体班子成员",
        minutes="", recorded_by=office,
    )  # fmt: skip
    meeting.minutes_file.save("纪要.pdf", ContentFile(b"%PDF-1.4 minutes"), save=True)
    client.force_login(demo["office"])
    url = reverse("workflow:meeting_minutes_file", args=[meeting.pk])
    assert client.get(url).status_code == 200

    [event] = _events(AuditAction.DOWNLOAD)
    assert event.object_type == "workflow.collectivemeeting"
    assert event.actor == demo["office"]


# --- roster -----------------------------------------------------------------------------------


def _import(path, *args) -> int:
    try:
        call_command("import_roster", str(path), *args, stdout=io.StringIO(), stderr=io.StringIO())
    except SystemExit as exc:
        return exc.code
    return 0


def test_roster_import_command_is_audited(demo, gyrc, tmp_path):
    path = tmp_path / "名册.xlsx"
    path.write_bytes(roster_xlsx([roster_row("990001", "张新")]))
    assert _import(path, "--unit", "GYRC") == 0

    [event] = _events(AuditAction.ROSTER_IMPORT)
    assert event.outcome == AuditOutcome.SUCCESS
    assert event.object_type == "units.rosterimport"
    assert event.details["source"] == "command"
    assert event.details["created"] == 1
    assert event.details["file_name"] == "名册.xlsx"


def test_failed_roster_import_is_audited_and_writes_nothing_else(demo, gyrc, tmp_path):
    people, posts = Person.objects.count(), Post.objects.count()
    bad = tmp_path / "名册.xlsx"
    bad.write_bytes(roster_xlsx([roster_row("", "无工号"), roster_row("990002", "李四")]))
    not_a_sheet = tmp_path / "照片.xlsx"
    not_a_sheet.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))

    assert _import(bad, "--unit", "GYRC") == 1
    assert _import(not_a_sheet, "--unit", "GYRC") == 2

    events = _events(AuditAction.ROSTER_IMPORT)
    assert [e.outcome for e in events] == [AuditOutcome.FAILURE, AuditOutcome.FAILURE]
    assert events[0].details["bad_rows"] == 1
    assert "照片.xlsx" in events[1].details["error"]
    assert (Person.objects.count(), Post.objects.count()) == (people, posts)
    assert not RosterImport.objects.exists()


def test_roster_import_in_the_admin_is_audited_with_address(client, demo, gyrc):
    client.force_login(demo["admin"])
    url = reverse("admin:units_person_roster_import")
    upload = ContentFile(roster_xlsx([roster_row("990003", "王五")]), name="名册.xlsx")
    preview = client.post(url, {"unit": gyrc.pk, "file": upload}, REMOTE_ADDR="10.9.8.7")
    token = preview.context["token"]
    client.post(url, {"confirm": "1", "token": token}, REMOTE_ADDR="10.9.8.7")

    preview_event, import_event = _events(AuditAction.ROSTER_IMPORT)
    assert preview_event.details["dry_run"] is True
    assert import_event.details["dry_run"] is False
    assert import_event.actor == demo["admin"]
    assert import_event.client_address == "10.9.8.7"
    assert Person.objects.filter(unit=gyrc, employee_no="990003").exists()


def test_roster_upload_refused_by_the_type_check_is_audited(client, demo, gyrc):
    client.force_login(demo["admin"])
    upload = ContentFile(b"MZ\x90\x00" + bytes(100), name="名册.xlsx")
    response = client.post(
        reverse("admin:units_person_roster_import"), {"unit": gyrc.pk, "file": upload}
    )
    assert response.status_code == 200
    [event] = _events(AuditAction.ROSTER_IMPORT)
    assert event.outcome == AuditOutcome.FAILURE
    assert not RosterImport.objects.exists()


def test_roster_export_is_audited(client, demo, gyrc):
    client.force_login(demo["admin"])
    response = client.get(reverse("admin:units_person_roster_export", args=[gyrc.pk]))
    assert response.status_code == 200
    [event] = _events(AuditAction.EXPORT)
    assert event.details["report"] == "roster"
    assert event.object_id == str(gyrc.pk)
