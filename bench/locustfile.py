"""50 logged-in users browsing riskreg (run by bench/load.py; loopback only, bounded in time)."""

import itertools
import os
import re

from locust import HttpUser, between, task

USERNAMES = os.environ.get("BENCH_USERS", "demo_staff").split(",")
PASSWORD = os.environ.get("BENCH_PASSWORD", "demo-pass-2026")
PAGES = [p for p in os.environ.get("BENCH_PAGES", "/").split(",") if p]
_accounts = itertools.cycle(USERNAMES)


class Person(HttpUser):
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        page = self.client.get("/accounts/login/", name="登录页")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        self.client.post(
            "/accounts/login/",
            {"username": next(_accounts), "password": PASSWORD, "csrfmiddlewaretoken": token},
            name="登录",
        )

    @task
    def browse(self) -> None:
        for path in PAGES:
            self.client.get(path, name=path)
