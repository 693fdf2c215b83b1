"""A small HTTP client on the standard library (cookies, redirects, form posts), shaped like
the part of `requests` the cluster test uses, so the test needs nothing beyond the venv."""

import http.cookiejar
import json as jsonlib
import urllib.error
import urllib.parse
import urllib.request
from email.message import Message


class Response:
    def __init__(self, url: str, status: int, headers: Message, body: bytes) -> None:
        self.url = url
        self.status_code = status
        self.headers = headers
        self.content = body
        self.history: list[Response] = []

    @property
    def ok(self) -> bool:
        return self.status_code < 400

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self):
        return jsonlib.loads(self.content)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class Session:
    def __init__(self) -> None:
        self.cookies = http.cookiejar.CookieJar()
        self.headers: dict[str, str] = {}
        self._opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect()
        )

    def _once(self, method, url, data, headers, timeout) -> Response:
        request = urllib.request.Request(
            url, data=data, method=method, headers={**self.headers, **(headers or {})}
        )
        try:
            with self._opener.open(request, timeout=timeout) as raw:
                return Response(raw.geturl(), raw.status, raw.headers, raw.read())
        except urllib.error.HTTPError as err:
            return Response(url, err.code, err.headers, err.read())

    def request(self, method, url, *, data=None, headers=None, timeout=60) -> Response:
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data, doseq=True).encode()
            headers = {**(headers or {}), "Content-Type": "application/x-www-form-urlencoded"}
        history = []
        for _ in range(10):
            response = self._once(method, url, body, headers, timeout)
            if response.status_code not in (301, 302, 303, 307, 308):
                response.history = history
                return response
            history.append(response)
            url = urllib.parse.urljoin(url, response.headers["Location"])
            if response.status_code in (301, 302, 303):
                method, body = "GET", None
                headers = {k: v for k, v in (headers or {}).items() if k != "Content-Type"}
        raise RuntimeError(f"too many redirects at {url}")

    def get(self, url, **kw) -> Response:
        return self.request("GET", url, **kw)

    def post(self, url, **kw) -> Response:
        return self.request("POST", url, **kw)


class _Module:
    Session = Session

    @staticmethod
    def get(url, **kw) -> Response:
        return Session().get(url, **kw)


requests = _Module()
