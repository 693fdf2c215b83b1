"""Keyboard only: the staff member adds, edits and saves a risk point and submits the form without
a mouse, and at every stop the focused element shows a visible focus ring (a screenshot of each
stop is kept beside the others in e2e-screenshots/)."""

import pytest

from risks import services as risk_services
from risks.models import RiskForm
from tests.e2e.conftest import SCREENSHOT_DIR
from tests.e2e.helpers import home
from tests.factories import ROUND_DEADLINES
from units.demo import load_demo_org
from units.models import Person, Unit
from workflow.enums import FormState

pytestmark = pytest.mark.django_db(transaction=True)

# The focused element's ring: an outline of at least 2 px that is drawn (not 'none').
FOCUS_RING_JS = """
() => {
  const el = document.activeElement;
  if (!el || el === document.body) return {ok: false, what: 'body'};
  const style = getComputedStyle(el);
  const width = parseFloat(style.outlineWidth) || 0;
  return {ok: style.outlineStyle !== 'none' && width >= 2,
          what: el.outerHTML.slice(0, 120), width: width, style: style.outlineStyle};
}
"""


@pytest.fixture
def open_round(transactional_db):
    load_demo_org()
    gyrc = Unit.objects.get(code="GYRC")
    office = Person.objects.get(user__username="demo_office").user
    rnd = risk_services.round_open(
        unit=gyrc, year=2026, title="2026年度排查", by=office, **ROUND_DEADLINES
    ).round
    return RiskForm.objects.get(round=rnd, filler__user__username="demo_staff")


class Stops:
    """Tab to an element, check its focus ring, keep a screenshot of the stop."""

    def __init__(self, page):
        self.page = page
        self.count = 0

    def tab_to(self, predicate: str, limit: int = 150, back: bool = False) -> None:
        check = f"() => {{ const el = document.activeElement; return !!(el && ({predicate})); }}"
        for _ in range(limit):
            self.page.keyboard.press("Shift+Tab" if back else "Tab")
            if self.page.evaluate(check):
                self.assert_ring()
                return
        raise AssertionError(f"Tab never reached: {predicate}")

    def assert_ring(self) -> None:
        ring = self.page.evaluate(FOCUS_RING_JS)
        assert ring["ok"], f"no visible focus ring on {ring}"
        self.count += 1
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOT_DIR / f"k{self.count:02d}-focus.png"))


def test_staff_adds_edits_and_submits_by_keyboard_with_focus_always_visible(
    persona, live_server, open_round
):
    mine = open_round
    page = persona("demo_staff")
    page.on("dialog", lambda dialog: dialog.accept())  # confirmations are answered with Enter
    stops = Stops(page)
    home(page, live_server)

    stops.tab_to(f"el.tagName === 'A' && el.textContent.includes({mine.subject_title!r})")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    # Add a point.
    stops.tab_to("el.closest('#new-point') && el.name.endsWith('category')")
    page.keyboard.press("ArrowDown")
    stops.tab_to("el.closest('#new-point') && el.name.endsWith('description')")
    page.keyboard.type("公文流转登记不全")
    stops.tab_to("el.closest('#new-point') && el.name.endsWith('likelihood')")
    page.keyboard.press("Space")
    page.keyboard.press("ArrowRight")
    stops.tab_to("el.closest('#new-point') && el.name.endsWith('harm')")
    page.keyboard.press("Space")
    page.keyboard.press("ArrowRight")
    stops.tab_to("el.closest('#new-point') && el.id === 'new-point-m1'")
    page.keyboard.type("公文实行电子登记，专人复核")
    stops.tab_to("el.closest('#new-point') && el.type === 'submit'")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    point = mine.points.get()
    assert point.description == "公文流转登记不全"

    # Edit it: 编辑 swaps the edit form in, and focus follows into it.
    stops.tab_to(
        f"el.tagName === 'A' && el.closest('#point-{point.pk}') && el.textContent.includes('编辑')"
    )
    page.keyboard.press("Enter")
    page.wait_for_function(
        f"() => document.activeElement && document.activeElement.closest('form#point-{point.pk}')"
    )
    stops.assert_ring()
    stops.tab_to(f"el.closest('#point-{point.pk}') && el.name && el.name.endsWith('description')")
    page.keyboard.press("End")
    page.keyboard.type("，收发不及时")
    stops.tab_to(f"el.closest('#point-{point.pk}') && el.type === 'submit'")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    point.refresh_from_db()
    assert point.description == "公文流转登记不全，收发不及时"

    # Submit the form.
    stops.tab_to("el.tagName === 'BUTTON' && el.textContent.trim().startsWith('提交')")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    # A confirmation step (if any) is a page of its own: its confirm button, again by keyboard.
    mine.refresh_from_db()
    if mine.state == FormState.DRAFT:
        stops.tab_to("el.tagName === 'BUTTON' && /确认|提交/.test(el.textContent)")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        mine.refresh_from_db()
    assert mine.state == FormState.DEPT_REVIEW
    assert stops.count >= 10
