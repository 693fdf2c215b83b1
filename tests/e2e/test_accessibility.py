"""Accessibility: every page each persona reaches by GET, the admin included, checked by axe-core.

axe-core is vendored from the npm package (tests/e2e/vendor/axe.min.js, MPL-2.0) and injected
with Playwright's init script, which runs beside the page's own Content-Security-Policy without
loosening it. A serious or critical WCAG 2.0/2.1 A/AA violation anywhere fails the test; the
report lists rule, URL and selector.

The crawl follows same-origin links breadth-first from the home page (and /admin/ for those who
may enter it). Pages that differ only by an object id or a query string count once, so the crawl
stays at a few dozen pages per persona; downloads (PDF, Excel, JSON) and the logout are skipped.
"""

import io
import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.management import call_command
from django.test import override_settings
from playwright.sync_api import Error as PlaywrightError

from tests.conftest import PERSONAS, replayed
from tests.e2e.helpers import new_persona_page

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
MAX_PAGES = 70
SKIP = re.compile(
    r"/(pdf|xlsx|json|download|csv|logout|export)/?$|/jsi18n/|/static/|/media/|\.(pdf|xlsx|json|csv)$"
    r"|/password/set/|/delete/$"
)

LINKS_JS = "() => [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))"
AXE_JS = """
async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                          resultTypes: ['violations']});
  return result.violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => ({rule: v.id, impact: v.impact,
                targets: v.nodes.slice(0, 5).map(n => n.target.join(' '))}));
}
"""


def _shape(path: str, query: str) -> str:
    """Pages that differ only by ids (or a query string) are the same page for the crawl."""
    shape = re.sub(r"/\d+(?=/|$)", "/N", path)
    shape = re.sub(r"/[0-9a-f]{8}-[0-9a-f-]{27}(?=/|$)", "/UUID", shape)
    return shape + ("?" if query else "")


def crawl(page, base: str, starts: list[str]) -> dict[str, list[dict]]:
    seen: set[str] = set()
    queue = [urljoin(base, s) for s in starts]
    found: dict[str, list[dict]] = {}
    titles: dict[str, set[str]] = {}
    visited = 0
    while queue and visited < MAX_PAGES:
        url = queue.pop(0)
        parts = urlsplit(url)
        if parts.netloc != urlsplit(base).netloc or SKIP.search(parts.path):
            continue
        shape = _shape(parts.path, parts.query)
        if shape in seen:
            continue
        seen.add(shape)
        try:
            response = page.goto(url)
        except PlaywrightError as exc:  # a download (an export, an attachment): not a page
            if "Download is starting" in str(exc):
                continue
            raise
        if response is None or "text/html" not in (response.headers.get("content-type") or ""):
            continue
        landed = urlsplit(page.url)
        landed_shape = _shape(landed.path, landed.query)
        if landed_shape != shape:  # a redirect to a page that may have been checked already
            if landed_shape in seen:
                continue
            seen.add(landed_shape)
        visited += 1
        page.wait_for_load_state()
        violations = page.evaluate(AXE_JS, TAGS)
        h1 = page.locator("h1").count()
        if h1 != 1:
            violations.append({"rule": "one-h1", "impact": "serious", "targets": [f"{h1} × h1"]})
        if response.status < 400:  # error pages share their title by nature
            titles.setdefault(page.title(), set()).add(landed_shape.rstrip("?"))
        if violations:
            found[page.url] = violations
        for href in page.evaluate(LINKS_JS):
            if href and not href.startswith(("#", "mailto:", "javascript:")):
                queue.append(urljoin(page.url, href.split("#")[0]))
    assert visited > 3, f"the crawl reached only {visited} pages from {starts}"
    shared = {title: shapes for title, shapes in titles.items() if len(shapes) > 1}
    if shared:
        found["(titles)"] = [
            {"rule": "distinct-title", "impact": "serious", "targets": [f"{t!r}: {sorted(s)}"]}
            for t, s in shared.items()
        ]
    return found


def _load_demo() -> None:
    with override_settings(DEBUG=True):  # load_demo refuses to run otherwise
        call_command("load_demo", stdout=io.StringIO())


@pytest.fixture
def full_demo(db):
    """The whole demo of `load_demo`: a round in every state, so every kind of page exists.
    Built by the first persona's test of the process, replayed from memory for the others."""
    replayed("load_demo", _load_demo)


@pytest.mark.parametrize("persona_key", list(PERSONAS))
def test_every_reachable_page_has_no_serious_axe_violation(
    browser, live_server, full_demo, persona_key
):
    page = new_persona_page(browser, live_server, PERSONAS[persona_key])
    page.context.add_init_script(path=str(AXE))
    try:
        found = crawl(page, live_server.url, ["/", "/admin/"])
    finally:
        page.context.close()
    report = "\n".join(
        f"{v['impact']:8} {v['rule']:24} {url}  {'; '.join(v['targets'])}"
        for url, violations in found.items()
        for v in violations
    )
    assert not found, f"axe found serious/critical violations for {persona_key}:\n{report}"


def test_login_page_has_no_serious_axe_violation(browser, live_server):
    ctx = browser.new_context()
    ctx.add_init_script(path=str(AXE))
    page = ctx.new_page()
    try:
        page.goto(f"{live_server.url}/accounts/login/")
        violations = page.evaluate(AXE_JS, TAGS)
    finally:
        ctx.close()
    assert violations == []
