"""End-to-end tests: Debian's Chromium driven by Playwright against a live server.

Skipped when /usr/bin/chromium (or the playwright package) is missing; `.ci/run` installs both,
so CI always runs them. Screenshots go to e2e-screenshots/ (override with E2E_SCREENSHOT_DIR).
"""

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
SCREENSHOT_DIR = Path(
    os.environ.get("E2E_SCREENSHOT_DIR", Path(__file__).resolve().parents[2] / "e2e-screenshots")
)

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None

if sync_playwright is None or not Path(CHROMIUM).exists():
    collect_ignore_glob = ["test_*.py"]

# Playwright's sync API runs an event loop in this thread; the live server and the ORM calls of
# the test set-up are ordinary synchronous code, so Django's async-safety guard must stand aside.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport=DESKTOP, locale="zh-CN", timezone_id="Asia/Shanghai")
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    return context.new_page()


@pytest.fixture
def shot():
    """Save a screenshot of the page at desktop and phone widths; returns the desktop path."""

    def _shot(page, name: str) -> Path:
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        original = page.viewport_size
        desktop = SCREENSHOT_DIR / f"{name}-1366.png"
        page.set_viewport_size(DESKTOP)
        page.screenshot(path=str(desktop), full_page=True)
        page.set_viewport_size(PHONE)
        page.screenshot(path=str(SCREENSHOT_DIR / f"{name}-390.png"), full_page=True)
        page.set_viewport_size(original or DESKTOP)
        return desktop

    return _shot


@pytest.fixture
def log_in(live_server):
    """Log a page in through the login form, as a person would."""
    from tests.e2e.helpers import pass_second_factor

    def _log_in(page, username: str, password: str = "demo-pass-2026"):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(password)
        page.get_by_role("button", name="登录").click()
        page.wait_for_load_state()
        pass_second_factor(page)  # personas with a TOTP device (tests/e2e/helpers.py)
        return page

    return _log_in


@pytest.fixture
def persona(browser, live_server):
    """persona("demo_staff") → a page in its own browser context, logged in through the login
    form; every context is closed at teardown (before the database is flushed)."""
    from tests.e2e.helpers import new_persona_page

    pages = []

    def _persona(username: str, password: str = "demo-pass-2026"):
        page = new_persona_page(browser, live_server, username, password)
        pages.append(page)
        return page

    yield _persona
    for page in pages:
        page.context.close()


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
