"""50 logged-in users browsing riskreg (run by bench/cases_load.py; loopback only, bounded in time).

BENCH_PLAN is a JSON list of [username, [path, ...]]: each simulated person takes the next entry,
logs in as that account and browses its pages (the pages its role opens) in a loop.
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
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        self.username, self.pages = next(_entries)
        page = self.client.get("/accounts/login/", name="登录页")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        self.client.post(
            "/accounts/login/",
            {"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": token},
            name="登录",
        )

    @task
    def browse(self) -> None:
        for name, path in self.pages:
            self.client.get(path, name=name)
