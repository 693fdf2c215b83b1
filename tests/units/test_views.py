import pytest
from django.urls import reverse
from django.utils.html import strip_tags

from tests.conftest import PERSONAS

pytestmark = pytest.mark.django_db


def test_login_with_right_password_reaches_home(client, demo, demo_password):
    response = client.post(
        reverse("login"), {"username": "demo_staff", "password": demo_password}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("home")
    assert "我的工作台" in response.content.decode()
    assert "李晓燕" in response.content.decode()


def test_login_with_wrong_password_is_refused_in_chinese(client, demo):
    response = client.post(reverse("login"), {"username": "demo_staff", "password": "wrong-pass"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_of_inactive_user_is_refused(client, demo, demo_password):
    user = demo["staff"]
    user.is_active = False
    user.save()
    response = client.post(reverse("login"), {"username": "demo_staff", "password": demo_password})
    assert "_auth_user_id" not in client.session
    assert "用户名或密码不正确" in response.content.decode()


def test_login_page_is_chinese(client, db):
    body = client.get(reverse("login")).content.decode()
    assert "登录" in body and "用户名" in body and "密码" in body
    assert 'lang="zh-Hans"' in body


def test_home_requires_login(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_logout_ends_session(client, demo):
    client.force_login(demo["staff"])
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


EXPECTED_HOME = {
    "staff": ["李晓燕", "广元市红十字会", "办公室", "综合文秘", "工作人员"],
    "staff2": ["黄海燕", "赈济救护部", "救灾物资管理", "重点岗位"],
    "head": ["赵明远", "办公室主任", "部室负责人：办公室"],
    "leader": ["王建国", "秘书长", "班子成员：广元市红十字会", "分管领导：办公室、事业发展部"],
    "principal": ["周文涛", "党组书记、常务副会长", "主要领导：广元市红十字会"],
    "office": ["杨帆", "廉政联络员", "廉防办：广元市红十字会"],
    "inspector": ["郑立新", "纪检组长", "纪检监督：广元市红十字会及下级单位"],
    "admin": ["吴志强", "系统管理员：广元市红十字会及下级单位", "组织机构与人员"],
    "auditor": ["曹玉兰", "安全审计员：广元市红十字会及下级单位", "后台管理"],
}


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_home_page_shows_persona_unit_post_and_roles(client, demo, persona):
    client.force_login(demo[persona])
    body = strip_tags(client.get(reverse("home")).content.decode())
    for text in EXPECTED_HOME[persona]:
        assert text in body, f"{persona}: {text!r} missing"


@pytest.mark.parametrize("persona", ["staff", "head", "principal", "office", "inspector"])
def test_navigation_hides_admin_from_non_admins(client, demo, persona):
    client.force_login(demo[persona])
    body = client.get(reverse("home")).content.decode()
    assert "组织机构与人员" not in body and "后台管理" not in body


def test_password_change_with_weak_password_is_refused(client, demo, demo_password):
    client.force_login(demo["staff"])
    response = client.post(
        reverse("password_change"),
        {"old_password": demo_password, "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert response.status_code == 200
    demo["staff"].refresh_from_db()
    assert demo["staff"].check_password(demo_password)
    assert "密码" in response.content.decode()


def test_password_change_with_strong_password(client, demo, demo_password):
    client.force_login(demo["staff"])
    new = "Hongshizi#2026-xl"
    response = client.post(
        reverse("password_change"),
        {"old_password": demo_password, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    demo["staff"].refresh_from_db()
    assert demo["staff"].check_password(new)
    assert "密码已修改" in client.get(response["Location"]).content.decode()
