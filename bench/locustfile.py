"""50 logged-in users browsing riskreg (run by bench/cases_load.py; loopback only, bounded in time).

BENCH_PLAN is a JSON list of [username, [[name, path], ...]] or [username, pages, totp_key_hex]
for an account whose role needs the second factor (an empty username: an anonymous visitor, for
the floor run): each simulated person takes the
next entry, logs in as that account and opens the pages of its role one after another, reading
each for 1–5 s (locust's documented example of a user's wait) before the next.
"""

import hashlib
import hmac
import itertools
import json
import os
import re
import struct
import time

import gevent
from locust import HttpUser, between, events, task

PASSWORD = os.environ.get("BENCH_PASSWORD", "demo-pass-2026")
PLAN = json.loads(os.environ.get("BENCH_PLAN", '[["demo_staff", ["/"]]]'))
_entries = itertools.cycle(PLAN)


def totp(key_hex: str, step: int = 30, digits: int = 6) -> str:
    """The current one-time code of a TOTP device (RFC 6238, SHA-1, as django-otp's default)."""
    counter = struct.pack(">Q", int(time.time()) // step)
    mac = hmac.new(bytes.fromhex(key_hex), counter, hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 10**digits:0{digits}d}"


def csrf_token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


# The measured window starts SETTLE seconds after the last user has started, so that the tail
# of the logins (each hashes a password) is not counted against the pages.
SETTLE = float(os.environ.get("BENCH_SETTLE", "5"))


_environment = None


@events.init.add_listener
def _keep_environment(environment, **kwargs) -> None:
    global _environment
    _environment = environment


@events.spawning_complete.add_listener
def _reset_after_settling(user_count: int, **kwargs) -> None:
    gevent.spawn_later(SETTLE, _environment.stats.reset_all)


class Person(HttpUser):
    wait_time = between(1, 5)

    def on_start(self) -> None:
        entry = next(_entries)
        self.username, self.pages = entry[0], entry[1]
        self.next_page = itertools.cycle(self.pages)
        if not self.username:  # the floor run: anonymous visits of the login form
            return
        page = self.client.get("/accounts/login/", name="登录页")
        response = self.client.post(
            "/accounts/login/",
            {"username": self.username, "password": PASSWORD,
             "csrfmiddlewaretoken": csrf_token(page.text)},
            name="登录",
        )  # fmt: skip
        if len(entry) > 2 and "/accounts/mfa/verify/" in response.url:
            self.client.post(
                response.url,
                {"token": totp(entry[2]), "csrfmiddlewaretoken": csrf_token(response.text)},
                name="登录（动态口令）",
            )

    @task
    def browse(self) -> None:
        name, path = next(self.next_page)
        with self.client.get(path, name=name, catch_response=True) as response:
            # A lost session lands on the login page with 200: that is an error, not a page.
            if self.username and "/accounts/login/" in response.url:
                response.failure("会话丢失：被转到登录页")
            elif "/accounts/mfa/" in response.url:
                response.failure("未通过动态口令验证")
