"""Error pages of our own: 400, 403, 404, 500 and the CSRF failure, in Chinese and in the site's
layout, with a way back and no technical detail (the reason stays in the log).

A 403 raised with a Chinese message of ours (PermissionDenied("…")) shows that message; anything
else (Django's own English texts, tracebacks) never reaches the page.
"""

import logging

from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme

log = logging.getLogger(__name__)

PAGES = {
    400: ("请求无法处理", "提交的内容不完整或格式不对，系统没有办理。请返回上一页重新操作。"),
    403: ("没有权限", "您没有办理此事项的权限。如有疑问，请联系本单位廉防办或系统管理员。"),
    404: ("页面不存在", "您要找的页面不存在，或者您无权查看。请检查链接，或从导航重新进入。"),
    500: (
        "系统出错了",
        "系统暂时无法完成这个操作，您的操作可能没有保存。请稍后再试；如果一直出现，请联系系统管理员。",
    ),
}
CSRF_TEXT = (
    "页面已过期，或登录状态已变化，为安全起见本次提交没有办理。"
    "请返回上一页，刷新后重新提交（刚才填写的内容请先复制保存）。"
)


def _chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _back_url(request: HttpRequest) -> str:
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()}):
        return referer
    return "/"


def _render(
    request: HttpRequest, status: int, *, detail: str = "", title: str = ""
) -> HttpResponse:
    heading, text = PAGES[status]
    context = {
        "status": status,
        "heading": title or heading,
        "text": text,
        "detail": detail,
        "back_url": _back_url(request),
    }
    try:
        body = loader.render_to_string(f"errors/{status}.html", context, request=request)
    except Exception:  # the error page itself must not fail: no navigation then
        log.exception("rendering the %s page failed", status)
        body = loader.render_to_string("errors/plain.html", context)
    return HttpResponse(body, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _render(request, 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = str(exception or "")
    return _render(request, 403, detail=message if _chinese(message) else "")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _render(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    # Whatever failed may fail again while rendering (the database, a template): _render then
    # falls back to a page without navigation.
    return _render(request, 500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    log.warning("CSRF check failed on %s: %s", request.path, reason)
    context = {
        "status": 403,
        "heading": "页面已过期",
        "text": CSRF_TEXT,
        "detail": "",
        "back_url": _back_url(request),
    }
    try:
        body = loader.render_to_string("errors/403_csrf.html", context, request=request)
    except Exception:
        log.exception("rendering the CSRF failure page failed")
        body = loader.render_to_string("errors/plain.html", context)
    return HttpResponse(body, status=403)
