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

from locust import HttpUser, between, task

PASSWORD = os.environ.get("BENCH_PASSWORD", "demo-pass-2026")
PLAN = json.loads(os.environ.get("BENCH_PLAN", '[["demo_staff", ["/"]]]'))
_entries = itertools.cycle(PLAN)
_logged_in = 0
MFA_PAGE = "/accounts/mfa/verify/"


def totp(key_hex: str, step: int = 30, digits: int = 6, ahead: int = 0) -> str:
    """The current one-time code of a TOTP device (RFC 6238, SHA-1, as django-otp's default);
    `ahead`: the code of that many steps later."""
    counter = struct.pack(">Q", int(time.time()) // step + ahead)
    mac = hmac.new(bytes.fromhex(key_hex), counter, hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 10**digits:0{digits}d}"


def csrf_token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


class Person(HttpUser):
    wait_time = between(1, 5)

    def on_start(self) -> None:
        entry = next(_entries)
        self.username, self.pages = entry[0], entry[1]
        self.next_page = itertools.cycle(self.pages)
        if self.username:  # else the floor run's anonymous visits of the login form
            self.log_in(entry)
        self.count_in()

    def count_in(self) -> None:
        """The figures count from when the last simulated person is in: a login hashes a
        password (deliberately slow), and pages asked for meanwhile queue behind the logins.
        (--reset-stats alone resets when the last one starts logging in.)"""
        global _logged_in
        _logged_in += 1
        if _logged_in == self.environment.runner.target_user_count:
            self.environment.stats.reset_all()

    def log_in(self, entry: list) -> None:
        page = self.client.get("/accounts/login/", name="登录页")
        response = self.client.post(
            "/accounts/login/",
            {"username": self.username, "password": PASSWORD,
             "csrfmiddlewaretoken": csrf_token(page.text)},
            name="登录",
        )  # fmt: skip
        if len(entry) > 2 and MFA_PAGE in response.url:
            self.second_factor(entry[2], response)

    def second_factor(self, key_hex: str, page) -> None:
        """The code of the current 30-second step. django-otp takes each step's code once and
        also accepts the next step's: when the same account logged in moments ago (the floor
        run just before, or more simulated people than accounts), the next step's code is
        entered after the pause django-otp imposes on a refused code, else the code of the step
        to come, once it comes. (gevent's sleep under locust: the others go on meanwhile.)"""
        for attempt in range(4):
            response = self.client.post(
                page.url,
                {"token": totp(key_hex, ahead=attempt % 2),
                 "csrfmiddlewaretoken": csrf_token(page.text)},
                name="登录（动态口令）",
            )  # fmt: skip
            if MFA_PAGE not in response.url:
                return
            page = response
            time.sleep(1.5 if attempt % 2 == 0 else 31 - time.time() % 30)

    @task
    def browse(self) -> None:
        name, path = next(self.next_page)
        with self.client.get(path, name=name, catch_response=True) as response:
            # A lost session lands on the login page with 200: that is an error, not a page.
            if self.username and "/accounts/login/" in response.url:
                response.failure("会话丢失：被转到登录页")
            elif self.username and MFA_PAGE in response.url:
                response.failure("未通过动态口令验证：被转到验证页")
