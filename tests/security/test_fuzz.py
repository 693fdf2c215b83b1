"""No 500 from bad input: every form of the site, as every persona who sees it, posted with
over-long, non-numeric, NUL and huge-number values; every object URL with an id out of range.

The forms are found by reading the pages themselves (the demo world of test_url_access), so a
form added later is fuzzed without touching this test.
"""

from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.security import test_url_access
from tests.security.test_url_access import _fill, _patterns
from tests.security.url_access_table import PERSONAS, URL_TABLE

# The demo world (organisation, round part-way along the chain) of the URL table's test.
world = test_url_access.world

HUGE = "9" * 40
VALUES = {
    "long": "長" * 5000,
    "text": "abc",
    "nul": "a\x00b",
    "huge": HUGE,
    "negative": "-1",
}
# Forms whose posting ends the session the sweep goes on with.
SKIP_ACTIONS = ("/accounts/logout/",)


class FormFinder(HTMLParser):
    """The POST forms of a page: action and field names (and which are files)."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._form: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "get").lower() == "post":
            self._form = {"action": attrs.get("action") or "", "fields": {}, "files": set()}
            self.forms.append(self._form)
        elif self._form is not None and tag in ("input", "select", "textarea"):
            name = attrs.get("name")
            if not name or name == "csrfmiddlewaretoken":
                return
            if attrs.get("type") == "file":
                self._form["files"].add(name)
            else:
                self._form["fields"][name] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def _forms(html: str) -> list[dict]:
    finder = FormFinder()
    finder.feed(html)
    return finder.forms


def _payloads(form: dict):
    for label, value in VALUES.items():
        data = {name: value for name in form["fields"]}
        for name in form["files"]:
            data[name] = SimpleUploadedFile("x.xlsx", b"PK\x03\x04" + value.encode()[:100])
        yield label, data


def _url(key, route, pattern, objects, args=None) -> str:
    row = URL_TABLE[key]
    args = row.args(objects) if args is None else args
    return reverse(key, args=args) if pattern.name else _fill(route, args)


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_form_answers_500_to_bad_values(db, world, persona):
    objects, users = world
    client = Client(raise_request_exception=False)
    if persona != "anonymous":
        client.force_login(users[persona])
    errors, posted = [], 0
    for key, route, pattern in _patterns():
        if key not in URL_TABLE:
            continue
        page_url = _url(key, route, pattern, objects)
        response = client.get(page_url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        for form in _forms(response.content.decode()):
            action = form["action"] or page_url
            if action.startswith(SKIP_ACTIONS) or not action.startswith("/"):
                continue
            for label, data in _payloads(form):
                posted += 1
                answer = client.post(action, data)
                if answer.status_code >= 500:
                    errors.append(f"{action} ({label}, form of {page_url}): {answer.status_code}")
    assert not errors, f"{persona}:\n" + "\n".join(errors)
    print(f"{persona}: {posted} posts")
    if persona in ("admin", "office", "staff"):
        assert posted >= 20, "the sweep found almost no forms"


@pytest.mark.parametrize("persona", ["anonymous", "staff", "office", "admin", "auditor"])
def test_no_object_url_answers_500_to_an_id_out_of_range(db, world, persona):
    objects, users = world
    client = Client(raise_request_exception=False)
    if persona != "anonymous":
        client.force_login(users[persona])
    errors = []
    for key, route, pattern in _patterns():
        if key not in URL_TABLE or "int:" not in route:
            continue
        args = [int(HUGE) if isinstance(a, int) else a for a in URL_TABLE[key].args(objects)]
        url = _url(key, route, pattern, objects, args)
        for method in (client.get, client.post):
            answer = method(url)
            if answer.status_code >= 500 or (answer.status_code == 200 and method == client.get):
                errors.append(f"{method.__name__.upper()} {url}: {answer.status_code}")
    assert not errors, f"{persona}:\n" + "\n".join(errors)


def test_a_forty_digit_form_id_in_the_notifications_is_refused_cleanly(client, demo):
    client.force_login(demo["staff"])

    response = client.post(reverse("workflow:notifications"), {"form_ids": [HUGE, "abc", "\x00"]})

    assert response.status_code in (302, 400)
