"""Shared steps of the browser journeys: a persona's own browser context, page checks."""

import io

from tests.e2e.conftest import DESKTOP

# Every visible form field must be labelled: <label for>, a wrapping <label>, aria-label(ledby)
# or a title. Returns a description of each field that is not.
UNLABELLED_JS = """
() => [...document.querySelectorAll('input, select, textarea')]
  .filter(el => el.type !== 'hidden' && el.type !== 'submit' && el.type !== 'button'
    && el.offsetParent !== null)
  .filter(el => !((el.labels && el.labels.length) || el.getAttribute('aria-label')
    || el.getAttribute('aria-labelledby') || el.getAttribute('title')))
  .map(el => el.outerHTML.slice(0, 160))
"""


def check_page(page, shot, name: str) -> None:
    """What every visited page must pass: one h1, every field labelled; then screenshots."""
    page.wait_for_load_state()
    assert "Server Error" not in page.title(), f"{name}: {page.url}"
    assert page.locator("h1").count() >= 1, f"{name}: no h1 on {page.url}"
    unlabelled = page.evaluate(UNLABELLED_JS)
    assert not unlabelled, f"{name}: fields without a label on {page.url}: {unlabelled}"
    shot(page, name)


def new_persona_page(browser, live_server, username: str, password: str = "demo-pass-2026"):
    """A fresh browser context (own cookies) logged in through the login form. Prefer the
    `persona` fixture, which also closes it."""
    ctx = browser.new_context(
        viewport=DESKTOP, locale="zh-CN", timezone_id="Asia/Shanghai", accept_downloads=True
    )
    ctx.set_default_timeout(10_000)
    page = ctx.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    assert "/accounts/login/" not in page.url, f"{username} could not log in"
    pass_second_factor(page)
    return page


def pass_second_factor(page) -> None:
    """After the password, personas with a second factor (demo_admin, demo_audit,
    demo_inspector, demo_office) enter the code of the demo TOTP secret, as an authenticator
    app would show it. A code is accepted once: a second login within the same 30 seconds uses
    the next step's code (within the device's tolerance), a third waits for the next step."""
    import time

    from django_otp.oath import totp

    from audit.mfa import DEMO_TOTP_KEY_HEX

    key = bytes.fromhex(DEMO_TOTP_KEY_HEX)
    for drift in (0, 1, "wait"):
        if "/accounts/mfa/verify/" not in page.url:
            return
        if drift == "wait":
            # The next step's code was used above: wait for the step after it to come in reach.
            time.sleep(max(30 - time.time() % 30 + 0.5, 2.5))
            drift = 1
        elif drift:
            time.sleep(1.2)  # a refused code makes the device wait a second (throttling)
        page.get_by_label("验证码").fill(f"{totp(key, drift=drift):06d}")
        page.get_by_role("button", name="验证").click()
        page.wait_for_load_state()
    assert "/accounts/mfa/verify/" not in page.url, "the second factor was refused"


def roster_xlsx(rows: list[list]) -> bytes:
    """A roster workbook with a title row above the header, as offices keep them."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["广元市红十字会人员名册"])
    ws.append(["序号", "工号", "姓名", "部室", "岗位", "岗位层级", "重点岗位", "手机"])
    for n, row in enumerate(rows, 1):
        ws.append([n, *row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def home(page, live_server) -> None:
    page.goto(f"{live_server.url}/")
    page.wait_for_load_state()


def click_worklist(page, live_server, label: str) -> None:
    """Open a line of 我的待办 on the home page."""
    home(page, live_server)
    page.get_by_role("link", name=label).first.click()
    page.wait_for_load_state()


def nav(page, label: str) -> None:
    """Follow an entry of the main navigation, opening its dropdown (or the phone menu) first."""
    bar = page.get_by_role("navigation", name="主导航")
    link = bar.get_by_role("link", name=label, exact=True, include_hidden=True).first
    if not link.is_visible():
        toggler = bar.get_by_role("button", name="展开导航")
        if toggler.is_visible():
            toggler.click()
        group = link.locator("xpath=ancestor::li[button][1]/button")
        if group.count():
            group.click()
    link.click()
    page.wait_for_load_state()
