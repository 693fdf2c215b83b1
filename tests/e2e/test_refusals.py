"""Issue 8, negative journeys and the keyboard: what a person must NOT be able to do, and the
staff form filled without a mouse. Set-up opens a round through the services (allowed before
the browser starts); every step after that is a click, a key or typing."""

import pytest

from risks import services as risk_services
from risks.models import RiskForm
from tests.e2e.conftest import PHONE, no_horizontal_scroll
from tests.e2e.helpers import check_page, home, roster_xlsx
from tests.factories import ROUND_DEADLINES
from units.demo import load_demo_org
from units.models import Person, Unit
from workflow import services as flow_services
from workflow.enums import Action, FormState

pytestmark = pytest.mark.django_db(transaction=True)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def round_open(transactional_db):
    """The demo organisation with a round open; demo_staff2's form (赈济救护部) submitted."""
    load_demo_org()
    gyrc = Unit.objects.get(code="GYRC")
    office = Person.objects.get(user__username="demo_office").user
    rnd = risk_services.round_open(
        unit=gyrc, year=2026, title="2026年度排查", by=office, **ROUND_DEADLINES
    ).round
    other = RiskForm.objects.get(round=rnd, filler__user__username="demo_staff2")
    by = other.filler.user
    risk_services.point_add(
        form=other,
        data=risk_services.PointInput(
            category="duty",
            description="救灾物资出入库登记不全",
            likelihood=2,
            harm=2,
            proposed_level=2,
            measures=["出入库双人签字"],
        ),
        based_on_revision=0,
        by=by,
    )
    flow_services.form_transition(form=other, action=Action.SUBMIT, actor=by)
    mine = RiskForm.objects.get(round=rnd, filler__user__username="demo_staff")
    return {"round": rnd, "other": other, "mine": mine}


def test_staff_cannot_open_another_persons_form(persona, live_server, round_open, shot):
    staff = persona("demo_staff")
    other = round_open["other"]
    for path in (f"/forms/{other.pk}/", f"/reports/forms/{other.pk}/pdf/"):
        response = staff.goto(f"{live_server.url}{path}")
        assert response.status == 404, path
    check_page(staff, shot, "n01-staff-other-form-404")
    assert "救灾物资出入库登记不全" not in staff.content()


def test_head_cannot_pass_another_departments_form(persona, live_server, round_open, shot):
    head = persona("demo_head")  # 办公室
    other = round_open["other"]  # 赈济救护部, waiting for its own head
    home(head, live_server)
    head.get_by_role("link", name="待审核（部室审核）").click()
    check_page(head, shot, "n02-head-queue-without-other-dept")
    assert other.subject_title not in head.content()
    # Typing the address of the form, then forging the 审核通过 post from the head's own page.
    response = head.goto(f"{live_server.url}/workflow/forms/{other.pk}/")
    assert response.status in (403, 404)
    home(head, live_server)
    status = head.evaluate(
        """async (url) => {
            const token = document.querySelector('[name=csrfmiddlewaretoken]').value;
            const body = new URLSearchParams({csrfmiddlewaretoken: token, action: 'pass'});
            const r = await fetch(url, {method: 'POST', body, credentials: 'same-origin'});
            return r.status;
        }""",
        f"{live_server.url}/workflow/forms/{other.pk}/act/",
    )
    assert status in (403, 404)
    other.refresh_from_db()
    assert other.state == FormState.DEPT_REVIEW
    assert not other.signatures.exclude(kind="filler").exists()


def test_stale_tab_save_is_refused_and_keeps_the_text(persona, live_server, round_open, shot):
    mine = round_open["mine"]
    first = persona("demo_staff")
    url = f"{live_server.url}/forms/{mine.pk}/"
    first.goto(url)
    second = first.context.new_page()
    second.goto(url)
    # Tab one saves a point; tab two, loaded before that, then saves its own.
    first.locator("#new-point").get_by_label("风险点（风险内容及表现形式）").fill(
        "第一个窗口的内容"
    )
    first.locator("#new-point").get_by_label("风险类别").select_option(label="岗位职责")
    first.get_by_role("button", name="保存风险点").click()
    first.wait_for_load_state()
    typed = "第二个窗口里辛苦写下的风险点：公文流转中擅自改动文稿"
    form2 = second.locator("#new-point")
    form2.get_by_label("风险类别").select_option(label="业务流程")
    form2.get_by_label("风险点（风险内容及表现形式）").fill(typed)
    form2.get_by_label("第 1 条措施").fill("文稿改动留痕")
    form2.get_by_role("button", name="保存风险点").click()
    check_page(second, shot, "n03-staff-conflict")
    assert second.get_by_role("heading", level=1).inner_text().startswith("未保存")
    assert second.get_by_text(typed).is_visible()
    assert second.get_by_text("文稿改动留痕").first.is_visible()
    assert not mine.points.filter(description=typed).exists()
    # Keeping their own text saves it over the newer version.
    second.get_by_role("button", name="保留我的内容（覆盖保存）").click()
    second.wait_for_load_state()
    assert mine.points.filter(description=typed).exists()
    assert mine.points.filter(description="第一个窗口的内容").exists()


def test_bad_roster_shows_row_errors_and_imports_nothing(persona, live_server, round_open, shot):
    before = Person.objects.count()
    admin = persona("demo_admin")
    admin.goto(f"{live_server.url}/admin/units/person/")
    admin.get_by_role("link", name="导入 / 导出名册").click()
    unit = admin.get_by_label("导入到单位")
    labels = unit.locator("option").all_text_contents()
    unit.select_option(label=next(x for x in labels if "广元市红十字会" in x))
    bad = roster_xlsx(
        [
            ["000210", "新同事", "办公室", "档案管理", "工作人员", "否", "13900000210"],
            ["000211", "", "办公室", "档案管理", "工作人员", "否", "13900000211"],
            ["000212", "号码错", "办公室", "档案管理", "工作人员", "否", "12345"],
        ]
    )
    admin.get_by_label("名册文件").set_input_files(
        files=[{"name": "名册.xlsx", "mimeType": XLSX, "buffer": bad}]
    )
    admin.get_by_role("button", name="上传并预览").click()
    check_page(admin, shot, "n04-admin-roster-errors")
    assert admin.get_by_text("名册有误，未导入任何数据").is_visible()
    errors = admin.locator("table.roster-errors tbody tr").all_inner_texts()
    # Excel rows: 1 title, 2 header, 3.. data.
    assert any(e.startswith("第 4 行") for e in errors), errors
    assert any(e.startswith("第 5 行") for e in errors), errors
    assert len(errors) == 2
    assert not admin.get_by_role("button", name="确认导入").count()
    assert Person.objects.count() == before


def test_staff_fills_the_form_with_the_keyboard_alone(persona, live_server, round_open, shot):
    mine = round_open["mine"]
    staff = persona("demo_staff")
    home(staff, live_server)
    # Reach the form from the home page by keyboard: Tab to the link, Enter.
    _tab_to(staff, f"el.tagName === 'A' && el.textContent.includes({mine.subject_title!r})")
    with staff.expect_navigation():
        staff.keyboard.press("Enter")
    assert staff.url.endswith(f"/forms/{mine.pk}/")

    _tab_to(staff, "el.closest('#new-point') && el.name.endsWith('category')")
    staff.keyboard.press("ArrowDown")  # the first category
    _tab_to(staff, "el.closest('#new-point') && el.name.endsWith('description')")
    staff.keyboard.type("用印审批不严，未按规定登记用印事由")
    _tab_to(staff, "el.closest('#new-point') && el.name.endsWith('likelihood')")
    staff.keyboard.press("Space")  # 较小
    staff.keyboard.press("ArrowRight")  # 可能
    _tab_to(staff, "el.closest('#new-point') && el.name.endsWith('harm')")
    staff.keyboard.press("Space")
    staff.keyboard.press("ArrowRight")  # 较重
    _tab_to(staff, "el.closest('#new-point') && el.id === 'new-point-m1'")
    staff.keyboard.type("用印实行登记审批，专人保管印章")
    _tab_to(staff, "el.closest('#new-point') && el.type === 'submit'")
    with staff.expect_navigation():
        staff.keyboard.press("Enter")
    check_page(staff, shot, "n05-staff-keyboard-filled")
    staff.set_viewport_size(PHONE)
    assert no_horizontal_scroll(staff)

    point = mine.points.get()
    assert point.description == "用印审批不严，未按规定登记用印事由"
    assert (point.likelihood, point.harm) == (2, 2)
    assert point.category
    assert [m.text for m in point.measures.all()] == ["用印实行登记审批，专人保管印章"]


def _tab_to(page, predicate: str, limit: int = 120) -> None:
    """Press Tab until the focused element satisfies the JS predicate over `el`."""
    check = f"() => {{ const el = document.activeElement; return !!(el && ({predicate})); }}"
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(check):
            return
    raise AssertionError(f"Tab never reached: {predicate}")
