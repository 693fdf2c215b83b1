"""Our own error pages (DEBUG off, as in production): Chinese, in the site's layout, with a way
back and no technical detail — for the site and for the admin."""

import re

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

TECHNICAL = ("Traceback", "Forbidden", "Not Found", "Server Error", "RuntimeError", "CSRF")


def _h1(body: str) -> str:
    match = re.search(r"<h1[^>]*>(.*?)</h1>", body, re.S)
    return match.group(1).strip() if match else ""


def _assert_ours(response, status: int, heading: str) -> str:
    body = response.content.decode()
    assert response.status_code == status
    assert '<html lang="zh-Hans">' in body
    assert _h1(body) == heading
    assert "返回上一页" in body
    for word in TECHNICAL:
        assert word not in body, word
    return body


def test_404_is_chinese_with_navigation(settings, demo, login):
    settings.DEBUG = False
    body = _assert_ours(login(demo["staff"]).get("/no-such-page/"), 404, "页面不存在")
    assert "我的一览表" in body and "退出登录" in body  # the logged-in navigation


def test_404_of_a_form_out_of_scope(settings, demo, outsider, login):
    from risks.models import RiskForm

    settings.DEBUG = False
    form = RiskForm.objects.filter(unit__code="GYRC").first()
    if form is None:  # the demo org alone has no forms: any number out of scope answers 404
        url = reverse("risks:form_detail", args=[999999])
    else:
        url = reverse("risks:form_detail", args=[form.pk])
    _assert_ours(login(outsider).get(url), 404, "页面不存在")


def test_403_shows_our_reason_in_chinese(settings, demo, login):
    settings.DEBUG = False
    # The progress board is for 廉防办 and 纪检 only; a staff member reads the reason.
    body = _assert_ours(login(demo["staff"]).get(reverse("workflow:board")), 403, "没有权限")
    assert "进度看板仅供廉防办和纪检监督人员查看。" in body


def test_admin_answers_a_logged_in_non_admin_with_the_chinese_403(settings, demo, login):
    settings.DEBUG = False
    body = _assert_ours(login(demo["staff"]).get("/admin/"), 403, "没有权限")
    assert "回到我的工作台" in body


def test_admin_unknown_page_is_the_chinese_404(settings, demo, login):
    settings.DEBUG = False
    _assert_ours(login(demo["admin"]).get("/admin/no/such/page/"), 404, "页面不存在")


@pytest.mark.urls("tests.errors.boom_urls")
def test_500_is_chinese_and_hides_the_exception(settings, demo):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    client.force_login(demo["staff"])
    body = _assert_ours(client.get("/boom/"), 500, "系统出错了")
    assert "secret internal detail" not in body


def test_csrf_failure_is_chinese(settings, demo):
    settings.DEBUG = False
    client = Client(enforce_csrf_checks=True)
    client.force_login(demo["staff"])
    response = client.post(reverse("workflow:notifications"), {})
    body = _assert_ours(response, 403, "页面已过期")
    assert "刷新后重新提交" in body


def test_400_is_chinese(settings, demo, rf):
    from riskreg.errors import bad_request

    settings.DEBUG = False
    request = rf.get("/")
    request.user = demo["staff"]
    _assert_ours(bad_request(request), 400, "请求无法处理")
