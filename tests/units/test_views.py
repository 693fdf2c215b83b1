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


def _nav(client, user) -> str:
    client.force_login(user)
    body = client.get(reverse("home")).content.decode()
    return body[body.index('aria-label="主导航"') : body.index("</nav>")]


@pytest.mark.parametrize(
    ("persona", "shown", "hidden"),
    [
        (
            "staff",
            ["我的一览表", "评议与公示", "台账与报表", "通知"],
            ["审核与签字", "组织实施", "部室审核"],
        ),
        ("head", ["部室审核", "一览表查阅"], ["待签字", "组织实施"]),
        ("leader", ["审核与签字", "部室审核", "待签字"], ["组织实施"]),
        (
            "office",
            ["组织实施", "排查轮次", "组织评议", "集体审定", "风险点库", "进度看板", "异议"],
            ["审核与签字"],
        ),
        ("inspector", ["一览表查阅", "季度汇总", "进度看板"], ["组织实施", "排查轮次"]),
        ("auditor", ["后台管理"], ["组织实施", "审核与签字", "一览表查阅"]),
    ],
)
def test_navigation_groups_follow_the_roles(client, demo, persona, shown, hidden):
    nav = strip_tags(_nav(client, demo[persona]))
    for label in shown:
        assert label in nav, label
    for label in hidden:
        assert label not in nav, label


def test_navigation_groups_are_dropdowns(client, demo):
    nav = _nav(client, demo["office"])
    assert 'data-bs-toggle="dropdown"' in nav and "dropdown-menu" in nav
    assert "onclick" not in nav and "style=" not in nav


def test_home_has_one_worklist_with_counts(client, demo):
    client.force_login(demo["office"])
    body = client.get(reverse("home")).content.decode()
    assert body.count('id="h-worklist"') == 1
    for label in ("待填报的一览表", "待集体审定", "待答复的异议"):
        assert label in body
    client.force_login(demo["staff"])
    body = client.get(reverse("home")).content.decode()
    assert "待审核（部室审核）" not in body and "待签字（集体审定）" not in body
