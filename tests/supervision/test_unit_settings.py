"""Per-unit supervision settings, set by 纪检 on the 监督台: 廉防办 recording 监督发现 where
纪检 allows it, and the unit's wording of the warning grades (红/橙/黄 or 一/二/三级预警)."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from audit.enums import AuditAction
from audit.models import AuditEvent
from riskreg import clock
from supervision import access, selectors, services
from supervision.models import Finding, UnitSettings
from tests.factories import make_grant, make_unit
from tests.supervision.conftest import issue_warning
from units.enums import GrantedRole

ALL = ("staff", "staff2", "head", "leader", "principal", "office", "inspector", "admin",
       "auditor", "outsider")  # fmt: skip


def _allow_office(world, on: bool = True, **extra) -> None:
    response = _post_settings(world, "inspector", office_records_findings=on, **extra)
    assert response.status_code == 302


def _post_settings(world, persona, *, unit=None, login=None, **values):
    from django.test import Client

    unit = unit or world.unit
    client = Client()
    client.force_login(world.users[persona])
    data = {f"{unit.code}-grade_wording": values.get("grade_wording", "colour")}
    if values.get("office_records_findings"):
        data[f"{unit.code}-office_records_findings"] = "on"
    return client.post(reverse("supervision:unit_settings", args=[unit.code]), data)


def _finding_post(world) -> dict:
    return {
        "unit_code": world.unit.code,
        "source": "petition",
        "found_on": clock.today().isoformat(),
        "text": "廉防办收到来信反映问题。",
        "subject_kind": "person",
        "subject_person": world.person("staff").pk,
        "risk_points": [world.point.pk],
    }


def _inspector_finding(world) -> Finding:
    return services.finding_record(
        actor=world.users["inspector"],
        unit=world.unit,
        source="inspection",
        found_on=clock.today(),
        text="纪检检查发现问题。",
        subject_kind="unit",
    )


# ---------------------------------------------------------------- 廉防办 recording findings


def test_allowed_office_records_a_finding_through_the_page_and_sees_it(world, login):
    _allow_office(world)
    client = login(world.users["office"])
    assert client.get(reverse("supervision:finding_create")).status_code == 200
    response = client.post(reverse("supervision:finding_create"), _finding_post(world))
    finding = Finding.objects.get()
    assert response.status_code == 302
    assert finding.recorded_by == world.person("office") and finding.unit == world.unit
    assert list(finding.log.values_list("role", flat=True)) == ["integrity_office"]
    page = client.get(reverse("supervision:finding", args=[finding.pk])).content.decode()
    assert "廉防办收到来信反映问题" in page
    assert "据此开具预警" not in page  # warnings and dispositions stay 纪检's
    listing = client.get(reverse("supervision:finding_list")).content.decode()
    assert "廉防办收到来信反映问题" in listing
    # 纪检 sees it too.
    inspector = login(world.users["inspector"])
    assert inspector.get(reverse("supervision:finding", args=[finding.pk])).status_code == 200


def test_allowed_office_sees_only_its_own_findings_not_the_inspectors(world, login):
    _allow_office(world)
    theirs = _inspector_finding(world)
    client = login(world.users["office"])
    assert client.get(reverse("supervision:finding", args=[theirs.pk])).status_code == 404
    assert (
        "纪检检查发现问题" not in client.get(reverse("supervision:finding_list")).content.decode()
    )
    assert not access.findings_visible_to(world.users["office"]).exists()


def test_office_not_allowed_is_refused_and_nothing_is_written(world, login):
    client = login(world.users["office"])
    assert client.get(reverse("supervision:finding_create")).status_code == 404
    assert (
        client.post(reverse("supervision:finding_create"), _finding_post(world)).status_code == 404
    )
    assert client.get(reverse("supervision:finding_list")).status_code == 404
    with pytest.raises(services.ActionForbidden):
        services.finding_record(
            actor=world.users["office"],
            unit=world.unit,
            source="petition",
            found_on=clock.today(),
            text="无权登记。",
            subject_kind="unit",
        )
    assert not Finding.objects.exists()


def test_turned_off_again_the_office_loses_the_form_and_its_findings(world, login):
    _allow_office(world)
    client = login(world.users["office"])
    client.post(reverse("supervision:finding_create"), _finding_post(world))
    finding = Finding.objects.get()
    _allow_office(world, on=False)
    assert client.get(reverse("supervision:finding", args=[finding.pk])).status_code == 404
    assert client.get(reverse("supervision:finding_create")).status_code == 404


def test_only_the_office_gets_the_permission_others_still_see_no_findings(world, login):
    _allow_office(world)
    finding = _inspector_finding(world)
    url = reverse("supervision:finding", args=[finding.pk])
    seen = {p for p in ALL if login(world.users[p]).get(url).status_code == 200}
    assert seen == {"inspector"}
    create = reverse("supervision:finding_create")
    may_create = {p for p in ALL if login(world.users[p]).get(create).status_code == 200}
    assert may_create == {"inspector", "office"}


def test_the_office_may_not_act_on_a_finding_beyond_recording_it(world, login):
    _allow_office(world)
    login(world.users["office"]).post(reverse("supervision:finding_create"), _finding_post(world))
    finding = Finding.objects.get()
    with pytest.raises(services.ActionForbidden):
        services.record_transition(
            record=finding,
            action="correct",
            actor=world.users["office"],
            comment="理由",
            extra={"changes": {"text": "改"}},
        )
    client = login(world.users["office"])
    assert client.get(reverse("supervision:warning_create")).status_code == 404


def test_the_toggle_is_the_inspectors_and_audited(world, login):
    for persona in ALL:
        if persona == "inspector":
            continue
        response = _post_settings(world, persona, office_records_findings=True)
        assert response.status_code == 404, persona
    assert not UnitSettings.objects.exists()
    _allow_office(world)
    settings = UnitSettings.objects.get(unit=world.unit)
    assert settings.office_records_findings and settings.updated_by == world.person("inspector")
    event = AuditEvent.objects.filter(action=AuditAction.SUPERVISION_SETTINGS).get()
    assert event.details["changes"] == {"office_records_findings": [False, True]}
    assert event.details["unit"] == world.unit.code
    desk = login(world.users["inspector"]).get(reverse("supervision:desk")).content.decode()
    assert "允许本单位廉防办登记监督发现" in desk


def test_other_units_are_unaffected(world, login):
    """The same 廉防办 also serves another unit whose 纪检 has not allowed it."""
    other = make_unit(name="另一单位")
    make_grant(person=world.person("office"), role=GrantedRole.INTEGRITY_OFFICE, unit=other)
    _allow_office(world)
    office = world.users["office"]
    assert [u.pk for u in access.finding_units(office)] == [world.unit.pk]
    assert not access.may_record_finding(office, other)
    client = login(office)
    response = client.get(reverse("supervision:finding_create") + f"?unit={other.code}")
    assert response.status_code == 404
    with pytest.raises(services.ActionForbidden):
        services.finding_record(
            actor=office,
            unit=other,
            source="petition",
            found_on=clock.today(),
            text="他单位。",
            subject_kind="unit",
        )
    assert not Finding.objects.exists()


def test_predicate_and_queryset_agree_for_every_persona(world, login):
    _allow_office(world)
    login(world.users["office"]).post(reverse("supervision:finding_create"), _finding_post(world))
    _inspector_finding(world)
    findings = list(Finding.objects.all())
    for persona in ALL:
        user = world.users[persona]
        listed = set(access.findings_visible_to(user).values_list("pk", flat=True))
        assert listed == {f.pk for f in findings if access.can_view_finding(user, f)}, persona


def test_navigation_offers_the_office_the_finding_entry_only_when_allowed(world, login):
    def nav() -> str:
        return login(world.users["office"]).get(reverse("home")).content.decode()

    assert "登记监督发现" not in nav()
    _allow_office(world)
    assert "登记监督发现" in nav() and "监督台" not in nav()


# ---------------------------------------------------------------- grade wording


def test_tier_wording_shows_in_list_detail_desk_and_pdf(world, login):
    _post_settings(world, "inspector", grade_wording="tier")
    assert UnitSettings.objects.get(unit=world.unit).grade_wording == "tier"
    warning = issue_warning(world, grade="red")
    inspector = login(world.users["inspector"])
    listing = inspector.get(reverse("supervision:mine")).content.decode()
    detail = inspector.get(reverse("supervision:warning", args=[warning.pk])).content.decode()
    desk = inspector.get(reverse("supervision:desk")).content.decode()
    for page in (listing, detail):
        assert "一级预警" in page and "红色预警" not in page
    # The legend: demo_inspector also inspects units left at the colour wording.
    units = access.inspected_units(world.users["inspector"])
    both = len(units) > 1
    assert ("红色预警／一级预警" if both else "一级预警") in desk and "三级预警" in desk
    create = inspector.get(reverse("supervision:warning_create")).content.decode()
    assert "二级预警" in create
    response = login(world.users["staff"]).get(
        reverse("supervision:warning_pdf", args=[warning.pk])
    )
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "一级预警" in text.replace(" ", "")
    assert str(warning) == f"{warning.doc_number} 一级预警"


def test_colour_wording_is_the_default(world, login):
    warning = issue_warning(world, grade="orange")
    assert warning.grade_label == "橙色预警"
    page = login(world.users["staff"]).get(reverse("supervision:mine")).content.decode()
    assert "橙色预警" in page and "二级预警" not in page


def test_the_desk_legend_gives_both_wordings_when_its_units_differ(world):
    other = make_unit(name="另一单位")
    UnitSettings.objects.create(unit=other, grade_wording="tier")
    assert selectors.units_wording([world.unit]) == "colour"
    assert selectors.units_wording([other]) == "tier"
    assert selectors.units_wording([world.unit, other]) is None
