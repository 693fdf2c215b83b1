"""A person logs in, sees their workbench, and logs out — in a real browser."""

import pytest

from tests.conftest import PERSONAS
from tests.e2e.conftest import PHONE, no_horizontal_scroll
from units.demo import load_demo_org

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo_org(transactional_db):
    load_demo_org()


def test_wrong_password_shows_chinese_error(page, live_server, demo_org, log_in):
    log_in(page, "demo_staff", "not-the-password")
    assert "用户名或密码不正确" in page.content()
    assert page.url.startswith(f"{live_server.url}/accounts/login/")


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_persona_logs_in_and_sees_workbench(page, live_server, demo_org, log_in, shot, persona):
    log_in(page, PERSONAS[persona])
    assert page.get_by_role("heading", name="我的工作台").is_visible()
    assert page.get_by_role("heading", name="我的角色").is_visible()
    shot(page, f"home-{persona}")
    page.set_viewport_size(PHONE)
    assert no_horizontal_scroll(page)


def test_logout_returns_to_login(page, live_server, demo_org, log_in):
    log_in(page, "demo_head")
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_load_state()
    assert "/accounts/login/" in page.url
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url
