"""50 logged-in users browsing riskreg (run by bench/cases_load.py; loopback only, bounded in time).

BENCH_PLAN is a JSON list of [username, [[name, path], ...]] (an empty username: an anonymous
visitor, for the floor run): each simulated person takes the
next entry, logs in as that account and opens the pages of its role one after another, reading
each for 1–5 s (locust's documented example of a user's wait) before the next.
"""

import itertools
import json
import os
import re

from locust import HttpUser, between, task

PASSWORD = os.environ.get("BENCH_PASSWORD", "demo-pass-2026")
PLAN = json.loads(os.environ.get("BENCH_PLAN", '[["demo_staff", ["/"]]]'))
_entries = itertools.cycle(PLAN)


class Person(HttpUser):
    wait_time = between(1, 5)

    def on_start(self) -> None:
        self.username, self.pages = next(_entries)
        self.next_page = itertools.cycle(self.pages)
        if not self.username:  # the floor run: anonymous visits of the login form
            return
        page = self.client.get("/accounts/login/", name="登录页")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        self.client.post(
            "/accounts/login/",
            {"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": token},
            name="登录",
        )

    @task
    def browse(self) -> None:
        name, path = next(self.next_page)
        with self.client.get(path, name=name, catch_response=True) as response:
            # A lost session lands on the login page with 200: that is an error, not a page.
            if self.username and "/accounts/login/" in response.url:
                response.failure("会话丢失：被转到登录页")
