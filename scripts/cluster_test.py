#!/usr/bin/env python3
"""`make cluster-test`: the production topology on one machine, from real components.

PostgreSQL primary + streaming hot-standby replica (pg_basebackup), PgBouncer (transaction
mode) in front of the primary, SeaweedFS S3, two gunicorn app servers, two workers and
Debian's nginx balancing the app servers — all in a temporary folder on 127.0.0.1 ports
17xxx. Through nginx it plays one round with an HTTP client and, midway, drills the failures
of issue 22. Every drill is printed with its outcome; the exit status says whether all passed.
Everything started here is stopped by its PID on exit, whatever happened.
"""

from __future__ import annotations

import hashlib
import html.parser
import json
import os
import re
import signal
import sys
import time
import traceback
from collections.abc import Callable
from urllib.parse import urljoin

from httpclient import requests  # scripts/httpclient.py
from topology import (  # scripts/topology.py: the processes, started and stopped
    BIN,
    BUCKET,
    PORTS,
    PY,
    ROOT,
    S3_KEY,
    S3_SECRET,
    STARTED,
    Cluster,
    say,
    wait_for,
)

sys.path.insert(0, str(ROOT))
PASSWORD = "demo-pass-2026"
UNIT = "GYRC"
NGINX = f"http://127.0.0.1:{PORTS['nginx']}"


# ------------------------------------------------------------------------------- HTTP client


class FormParser(html.parser.HTMLParser):
    """The forms of a page: action, method, fields (with their current values) and buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self.current: dict | None = None
        self.select: tuple[str, list] | None = None
        self.textarea: str | None = None
        self.button: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.current = {
                "action": a.get("action") or "",
                "method": (a.get("method") or "get").lower(),
                "id": a.get("id", ""),
                "fields": [],
                "radios": {},
                "selects": {},
                "buttons": [],
                "text": "",
            }
            self.forms.append(self.current)
            return
        form = self.current
        if tag == "option" and self.select is not None:
            self.select[1].append((a.get("value", ""), "selected" in a))
            return
        if form is None or (not a.get("name") and tag not in ("button",)):
            if tag == "button" and form is not None:
                self.button = {"name": None, "value": None, "text": ""}
                form["buttons"].append(self.button)
            return
        name = a.get("name")
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "image"):
                form["buttons"].append(
                    {"name": name, "value": a.get("value", ""), "text": a.get("value", "")}
                )
            elif kind == "radio":
                form["radios"].setdefault(name, [])
                form["radios"][name].append(a.get("value", "on"))
                if "checked" in a:
                    form["fields"].append((name, a.get("value", "on")))
            elif kind == "checkbox":
                if "checked" in a:
                    form["fields"].append((name, a.get("value", "on")))
            elif kind != "file":
                form["fields"].append((name, a.get("value", "")))
        elif tag == "select":
            self.select = (name, [])
        elif tag == "option" and self.select is not None:
            self.select[1].append((a.get("value", ""), "selected" in a))
        elif tag == "textarea":
            self.textarea = name
            form["fields"].append((name, ""))
        elif tag == "button":
            self.button = {"name": name, "value": a.get("value", ""), "text": ""}
            form["buttons"].append(self.button)

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None
        elif tag == "select" and self.select is not None and self.current is not None:
            name, options = self.select
            # as a browser does: the selected option, else the first
            chosen = [v for v, sel in options if sel] or [v for v, _ in options][:1]
            self.current["fields"].extend((name, v) for v in chosen[:1])
            self.current["selects"][name] = [v for v, _ in options]
            self.select = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "button":
            self.button = None

    def handle_data(self, data):
        if self.current is not None:
            self.current["text"] += data
        if self.button is not None:
            self.button["text"] += data.strip()
        if self.textarea and self.current is not None:
            name, value = self.current["fields"][-1]
            self.current["fields"][-1] = (name, value + data)


class Client:
    """One person's browser: a session through nginx, with CSRF from the pages' forms."""

    def __init__(self, username: str, base: str = NGINX) -> None:
        self.username = username
        self.base = base
        self.http = requests.Session()
        self.http.headers["User-Agent"] = "riskreg-cluster-test"

    def url(self, path: str) -> str:
        return urljoin(self.base + "/", path.lstrip("/"))

    def get(self, path: str, *, expect: int | None = 200, **kw) -> requests.Response:
        response = self.http.get(self.url(path), timeout=60, **kw)
        ACTIVITY.record(response)
        if expect is not None and response.status_code != expect:
            raise AssertionError(f"{self.username} GET {path}: {response.status_code}")
        return response

    def forms(self, page: requests.Response) -> list[dict]:
        parser = FormParser()
        parser.feed(page.text)
        return parser.forms

    def submit(
        self,
        page: requests.Response,
        *,
        button: str | None = None,
        action_contains: str = "",
        value: str | None = None,
        has_field: tuple[str, str] | None = None,
        data: dict | None = None,
        expect_ok: bool = True,
    ) -> requests.Response:
        """Submit the form of `page` that has a button labelled `button` (or with the value
        `value`) and whose action contains `action_contains`, with `data` over its fields."""
        for form in self.forms(page):
            if action_contains and action_contains not in form["action"]:
                continue
            if has_field and has_field not in form["fields"]:
                continue
            for b in form["buttons"]:
                if (button is None or button in b["text"]) and (
                    value is None or b["value"] == value
                ):
                    break
            else:
                continue
            fields: dict[str, list[str]] = {}
            for name, val in form["fields"]:
                fields.setdefault(name, []).append(val)
            for name, choices in form["radios"].items():
                fields.setdefault(name, [choices[0]])
            if b["name"]:
                fields[b["name"]] = [b["value"]]
            for name, val in (data or {}).items():
                fields[name] = val if isinstance(val, list) else [val]
            target = urljoin(page.url, form["action"]) if form["action"] else page.url
            response = self.http.post(
                target, data=fields, headers={"Referer": page.url}, timeout=120
            )
            ACTIVITY.record(response)
            if expect_ok and response.status_code >= 400:
                raise AssertionError(
                    f"{self.username} POST {target}: {response.status_code}\n{response.text[:500]}"
                )
            return response
        raise AssertionError(
            f"{self.username}: no form with button {button!r} value {value!r} on {page.url}"
        )

    def login(self) -> Client:
        page = self.get("/accounts/login/")
        response = self.submit(
            page,
            action_contains="",
            button=None,
            data={"username": self.username, "password": PASSWORD},
        )
        response = second_factor(self, response)
        if "/accounts/login/" in response.url:
            raise AssertionError(f"{self.username} could not log in")
        return self

    def confirm(self, response: requests.Response) -> requests.Response:
        return _confirm_step(self, response)

    def act(self, form_pk: int, action: str) -> requests.Response:
        """A chain step from the form's page (its action panel), as a person does it."""
        for path in (f"/workflow/forms/{form_pk}/", f"/forms/{form_pk}/"):
            page = self.get(path)
            if ("action", action) in [f for form in self.forms(page) for f in form["fields"]]:
                break
        response = self.submit(page, action_contains="/act/", has_field=("action", action))
        response = self.confirm(response)
        refused = alerts(response)
        if refused:
            raise AssertionError(f"{self.username} {action} refused: {refused}")
        return response


def _confirm_step(client: Client, response: requests.Response) -> requests.Response:
    """Irreversible actions ask first (workflow/confirm.html): submit the confirmation form
    (the one carrying `confirmed`) when the answer is that page."""
    for form in client.forms(response):
        if any(name == "confirmed" for name, _ in form["fields"]):
            return client.submit(
                response, has_field=next(f for f in form["fields"] if f[0] == "confirmed")
            )
    return response


def alerts(response: requests.Response) -> list[str]:
    """The error messages of a page (Bootstrap's danger alerts)."""
    found = re.findall(r'class="[^"]*alert-danger[^"]*"[^>]*>(.*?)</', response.text, re.S)
    return [re.sub(r"<[^>]+>|\s+", " ", x).strip() for x in found]


def second_factor(client: Client, response: requests.Response) -> requests.Response:
    """The MFA step of the personas that have one (demo_office, demo_admin, …): when the login
    leads to a one-time-code form, the code is computed from the person's TOTP device, read
    from the database (django-otp). One place to adapt if the MFA pages change."""

    def is_code(name: str) -> bool:
        return name != "csrfmiddlewaretoken" and ("token" in name or name.endswith("code"))

    forms = [f for f in client.forms(response) if any(is_code(n) for n, _ in f["fields"])]
    if not forms:
        return response
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    db_fresh()
    device = TOTPDevice.objects.filter(user__username=client.username, confirmed=True).first()
    if device is None:
        raise AssertionError(f"{client.username}: asked for a code but has no TOTP device")
    code = f"{totp(device.bin_key, device.step, device.t0, device.digits):0{device.digits}d}"
    field, blank = next((n, v) for n, v in forms[0]["fields"] if is_code(n))
    # The page's first form is the navigation's 退出登录: pick the one holding the code field.
    return client.submit(response, data={field: code}, button=None, has_field=(field, blank))


class Activity:
    """Every response the clients got: a 500 after the drills is a failure."""

    def __init__(self) -> None:
        self.statuses: list[tuple[float, int, str]] = []

    def record(self, response: requests.Response) -> None:
        for r in [*response.history, response]:
            self.statuses.append((time.monotonic(), r.status_code, r.url))

    def errors_since(self, moment: float) -> list[tuple[int, str]]:
        return [(s, u) for t, s, u in self.statuses if t >= moment and s >= 500]


ACTIVITY = Activity()


# ------------------------------------------------------------------------------- Django side


def app_env(cluster: Cluster) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE", "PG"))}
    env.update(
        DJANGO_SETTINGS_MODULE="riskreg.settings",
        DEBUG="0",
        SECRET_KEY="cluster-test-only-secret-key-4f7a9c2e1b8d6f3a0c5e7b9d2f4a6c8e",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        HTTPS="0",
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{PORTS['pgbouncer']}/riskreg",
        PGBOUNCER="1",
        DATABASE_REPLICA_URL=f"postgres://postgres@127.0.0.1:{PORTS['replica']}/riskreg",
        REPLICA_MAX_LAG_SECONDS="30",
        STORAGE_URL=f"s3+http://{S3_KEY}:{S3_SECRET}@127.0.0.1:{PORTS['s3']}/{BUCKET}?region=us-east-1",
        STATIC_ROOT=str(cluster.tmp / "static"),
        LOG_FORMAT="json",
        TRUSTED_PROXY_COUNT="1",
        DB_CONNECT_TIMEOUT="3",
        WORKER_HEARTBEAT_SECONDS="1",
        WORKER_DEAD_SECONDS="6",
        LOGIN_FAILURE_LIMIT="50",
    )
    return env


def setup_django(env: dict) -> None:
    """This process reads the database to check what the clients were told (primary only)."""
    os.environ.update(env)
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:{PORTS['primary']}/riskreg"
    os.environ.pop("DATABASE_REPLICA_URL", None)
    os.environ.pop("PGBOUNCER", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def db_fresh() -> None:
    from django.db import connections

    for conn in connections.all():
        conn.close()


# ------------------------------------------------------------------------------- the round


class Drills:
    def __init__(self) -> None:
        self.results: list[tuple[str, bool, str]] = []
        self.acknowledged: list[tuple[str, Callable[[], bool]]] = []

    def record(self, name: str, ok: bool, detail: str) -> None:
        self.results.append((name, ok, detail))
        say(f"{'PASS' if ok else 'FAIL'}  {name}: {detail}")

    def ack(self, what: str, check: Callable[[], bool]) -> None:
        """A write the client was told succeeded; checked in the database at the end."""
        self.acknowledged.append((what, check))


def form_state(pk: int) -> str:
    from risks.models import RiskForm

    db_fresh()
    return RiskForm.objects.get(pk=pk).state


def play(cluster: Cluster, drills: Drills) -> None:
    from django.utils import timezone

    from reports.models import JobState, ReportFile, ReportJob
    from risks.models import RiskForm
    from workflow.enums import FormState
    from workflow.models import PublicNotice

    staff, head, leader, principal = (
        Client(u).login() for u in ("demo_staff", "demo_head", "demo_leader", "demo_principal")
    )
    office = Client("demo_office").login()
    say("logged in through nginx: staff, head, leader, principal, office")

    # 1. fill: the staff member adds a point to their returned form and submits it.
    own = RiskForm.objects.filter(
        filler__user__username="demo_staff", state=FormState.DRAFT, unit__code=UNIT
    ).first()
    assert own is not None, "demo_staff has no form in 自查填报"
    page = staff.get(f"/forms/{own.pk}/")
    saved = staff.submit(
        page, button="保存风险点", action_contains="/points/add/", data=point_fields(staff, page)
    )
    assert "已保存：新增" in saved.text, f"the new point was not saved: {alerts(saved)}"
    points_after = own.points.count() + 0
    drills.ack(
        "staff's new point",
        lambda pk=own.pk, n=points_after: (
            RiskForm.objects.get(pk=pk).points.filter(description__startswith="集群演练").exists()
        ),
    )
    staff.act(own.pk, "submit")
    drills.ack("submit", lambda pk=own.pk: form_state(pk) != FormState.DRAFT)
    say(f"fill + submit: form {own.pk} → {form_state(own.pk)}")

    # 2. review: the head passes it.
    head.act(own.pk, "pass")
    drills.ack("review pass", lambda pk=own.pk: form_state(pk) == FormState.MASS_REVIEW)
    say(f"review: form {own.pk} → {form_state(own.pk)}")

    # -------- drill 1: kill app server A in the middle of the round.
    # First a filed form's PDF through A alone (stored in S3), for the A→B check later.
    filed = RiskForm.objects.filter(unit__code=UNIT, state=FormState.FILED).first()
    assert filed is not None, "the demo has no filed form"
    via_a = Client("demo_principal", base=f"http://127.0.0.1:{PORTS['app_a']}").login()
    pdf_a = via_a.get(f"/reports/forms/{filed.pk}/pdf/")
    assert pdf_a.content.startswith(b"%PDF"), "no PDF from app server A"
    db_fresh()
    stored = ReportFile.objects.get(form=filed, format="pdf")
    killed_at = time.monotonic()
    cluster.kill("app_a")
    ok_pages = 0
    for path in ("/", f"/forms/{own.pk}/", "/workflow/rating/", "/reports/"):
        for who in (staff, head, principal):
            r = who.get(path, expect=None)
            ok_pages += r.status_code == 200
    # A write right after the kill: the head opens the rating page and rates (below).
    drills.record(
        "kill app server A",
        ok_pages == 12 and not ACTIVITY.errors_since(killed_at),
        f"{ok_pages}/12 pages answered through nginx by B after A was killed",
    )

    # 3. rate: the head rates a form in an open 群众评议 window.
    staff2 = Client("demo_staff2").login()
    for rater in (staff2, head, staff):
        rate_pk = first_rateable(rater)
        if rate_pk:
            break
    assert rate_pk, "no form open for 群众评议 in the demo"
    page = rater.get(f"/workflow/rating/forms/{rate_pk}/")
    rated = rater.submit(page, button="保存评议")
    assert not alerts(rated), f"rating refused: {alerts(rated)}"
    drills.ack("rating", lambda pk=rate_pk, u=rater.username: rating_saved(pk, u))
    say(f"rate: form {rate_pk} rated by {rater.username}")

    # 4. decide + sign: the leaders sign a decided form; the office publishes and files it.
    from supervision.selectors import pending_proposal_count

    decided = [
        f
        for f in RiskForm.objects.filter(unit__code=UNIT, state=FormState.COLLECTIVE)
        if f.points.filter(final_level__isnull=False).exists()
        # a form with a 纪检 proposal to raise a level waits for the next 集体审定 (issue 17)
        and not pending_proposal_count(f)
    ]
    assert decided, "the demo has no decided form in 集体审定"
    target = decided[0]
    for who, action in ((leader, "sign_supervisor"), (principal, "sign_principal")):
        page = who.get(f"/workflow/forms/{target.pk}/")
        if f'value="{action}"' in page.text:
            who.act(target.pk, action)
    drills.ack(
        "signatures", lambda pk=target.pk: RiskForm.objects.get(pk=pk).signatures.count() >= 2
    )
    office.act(target.pk, "publish")
    drills.ack(
        "publish", lambda pk=target.pk: form_state(pk) in (FormState.PUBLIC_NOTICE, FormState.FILED)
    )
    say(f"decide/sign/publish: form {target.pk} → {form_state(target.pk)}")
    # The notice period runs in working days: as if the office came back after it (the e2e
    # journey moves the clock instead; here the notice is moved back).
    yesterday = timezone.localdate() - timezone.timedelta(days=1)
    PublicNotice.objects.filter(form_id=target.pk, closed_at__isnull=True).update(
        published_on=yesterday - timezone.timedelta(days=10),
        starts_on=yesterday - timezone.timedelta(days=9),
        ends_on=yesterday,
    )
    office.act(target.pk, "file")
    drills.ack("file", lambda pk=target.pk: form_state(pk) == FormState.FILED)
    say(f"file: form {target.pk} → {form_state(target.pk)}")

    # 5. the PDFs of the freshly filed form, through nginx.
    pdf = principal.get(f"/reports/forms/{target.pk}/pdf/")
    xlsx = principal.get(f"/reports/forms/{target.pk}/xlsx/")
    drills.record(
        "filed form's PDF and workbook",
        pdf.content.startswith(b"%PDF") and xlsx.content[:2] == b"PK",
        f"PDF {len(pdf.content)} bytes, workbook {len(xlsx.content)} bytes",
    )

    # -------- drill 2: kill the worker running the bound-volume job.
    os.killpg(cluster.procs["worker_b"].pid, signal.SIGSTOP)  # A alone takes the job
    page = principal.get(f"/reports/register/{UNIT}/")
    job_page = principal.submit(page, action_contains="/volume/")
    job_id = re.search(r"/reports/jobs/([0-9a-f-]{36})/", job_page.url).group(1)
    drills.ack("volume job request", lambda jid=job_id: ReportJob.objects.filter(pk=jid).exists())

    def running() -> bool:
        db_fresh()
        job = ReportJob.objects.get(pk=job_id)
        return job.state == JobState.RUNNING and bool(job.worker_id)

    wait_for("worker A to take the volume job", running, 60, every=0.05)
    db_fresh()
    holder = ReportJob.objects.get(pk=job_id).worker_id
    cluster.kill("worker_a")
    os.killpg(cluster.procs["worker_b"].pid, signal.SIGCONT)
    killed_job_at = time.monotonic()

    def finished() -> bool:
        db_fresh()
        return ReportJob.objects.get(pk=job_id).is_finished

    wait_for("the volume job to finish on worker B", finished, 180, every=0.5)
    db_fresh()
    job = ReportJob.objects.get(pk=job_id)
    took = time.monotonic() - killed_job_at
    detail = (
        f"worker {holder} killed; job {job.get_state_display()} after {took:.0f}s "
        f"on {job.worker_id}, runs {job.attempts}"
    )
    if job.state == JobState.FAILED:
        retry = principal.submit(
            principal.get(f"/reports/register/{UNIT}/"), action_contains="/volume/"
        )
        job_id = re.search(r"/reports/jobs/([0-9a-f-]{36})/", retry.url).group(1)
        wait_for("the retried volume job", finished, 180, every=0.5)
        db_fresh()
        job = ReportJob.objects.get(pk=job_id)
        detail += f"; retried: {job.get_state_display()}"
    download = principal.get(f"/reports/jobs/{job_id}/download/")
    drills.record(
        "kill the worker running the volume job",
        job.state == JobState.DONE
        and download.content.startswith(b"%PDF")
        and job.worker_id != holder,
        detail + f"; downloaded {len(download.content)} bytes",
    )

    # 6. the quarterly summary from the replica (a reader who wrote nothing lately: after a
    # write a person's pages read from the primary for READ_YOUR_WRITES_SECONDS).
    reader = Client("demo_principal").login()
    summary = reader.get(f"/reports/quarterly/{UNIT}/")
    drills.record(
        "quarterly summary on the replica",
        summary.headers.get("X-Read-From") == "replica",
        f"{summary.status_code}, read from {summary.headers.get('X-Read-From')}",
    )

    # -------- drill 3: stop the replica.
    cluster.pg_ctl("replica", "stop", "-m", "fast")
    stopped_at = time.monotonic()
    summary = principal.get(f"/reports/quarterly/{UNIT}/", expect=None)
    register = principal.get(f"/reports/register/{UNIT}/", expect=None)
    health = requests.get(f"{NGINX}/healthz", timeout=30).json()
    drills.record(
        "stop the replica",
        summary.status_code == 200
        and register.status_code == 200
        and summary.headers.get("X-Read-From") != "replica"
        and not health["replica"]["ok"]
        and not ACTIVITY.errors_since(stopped_at),
        f"summary {summary.status_code} from {summary.headers.get('X-Read-From')}, "
        f"healthz replica ok={health['replica']['ok']}",
    )

    # -------- drill 4: restart the primary (behind PgBouncer).
    restart_at = time.monotonic()
    cluster.pg_ctl("primary", "restart", "-m", "fast")

    def answers() -> bool:
        return principal.get("/", expect=None).status_code == 200

    wait_for("pages after the primary restart", answers, 60, every=0.2)
    back_after = time.monotonic() - restart_at
    settle = time.monotonic()
    pages = [
        (who, p) for who in (staff, head, principal) for p in ("/", "/reports/", "/forms/mine/")
    ]
    pages += [(principal, f"/reports/quarterly/{UNIT}/"), (staff, f"/forms/{own.pk}/")]
    codes = [who.get(p, expect=None).status_code for who, p in pages]
    # and a write after the restart: the principal asks for the quarterly PDF.
    page = principal.get(f"/reports/quarterly/{UNIT}/")
    queued = principal.submit(page, action_contains="/pdf-job/")
    job_after = re.search(r"/reports/jobs/([0-9a-f-]{36})/", queued.url).group(1)
    drills.ack(
        "job asked after the restart", lambda j=job_after: ReportJob.objects.filter(pk=j).exists()
    )
    health = requests.get(f"{NGINX}/healthz", timeout=30)
    drills.record(
        "restart the primary",
        back_after < 30
        and all(c == 200 for c in codes)
        and not ACTIVITY.errors_since(settle)
        and health.status_code == 200,
        f"pages answered {back_after:.1f}s after the restart began; then {len(codes)} pages, "
        f"codes {sorted(set(codes))}; healthz {health.status_code}",
    )

    # -------- final checks
    via_b = Client("demo_principal", base=f"http://127.0.0.1:{PORTS['app_b']}").login()
    pdf_b = via_b.get(f"/reports/forms/{filed.pk}/pdf/")
    drills.record(
        "file written via A downloads via B",
        hashlib.sha256(pdf_b.content).hexdigest()
        == stored.sha256
        == hashlib.sha256(pdf_a.content).hexdigest(),
        f"{stored.file.name} ({len(pdf_b.content)} bytes, same SHA-256)",
    )
    db_fresh()
    missing = []
    for what, check in drills.acknowledged:
        db_fresh()
        if not check():
            missing.append(what)
    drills.record(
        "every acknowledged write is in the database",
        not missing,
        f"{len(drills.acknowledged) - len(missing)}/{len(drills.acknowledged)} found"
        + (f"; missing: {missing}" if missing else ""),
    )


def point_fields(client: Client, page: requests.Response) -> dict:
    """The new-point form: a category, a description, likelihood, harm and one measure."""
    for form in client.forms(page):
        if (
            any("保存风险点" in b["text"] for b in form["buttons"])
            and "/points/add/" in form["action"]
        ):
            names = [n for n, _ in form["fields"]] + list(form["radios"])
            data = {}
            for name in names:
                if name.endswith("category"):
                    data[name] = next(v for v in form["selects"][name] if v)
                elif name.endswith("description"):
                    data[name] = "集群演练：会议记录整理不及时"
                elif name.endswith("measures"):
                    data[name] = ["会议记录当日整理、次日报审"]
            return data
    raise AssertionError("no new-point form on the form page")


def first_rateable(client: Client) -> int | None:
    page = client.get("/workflow/rating/")
    found = re.findall(r'href="/workflow/rating/forms/(\d+)/"', page.text)
    return int(found[0]) if found else None


def rating_saved(form_pk: int, username: str) -> bool:
    from workflow.models import Rating

    return Rating.objects.filter(point__form_id=form_pk, rater__user__username=username).exists()


def main() -> int:
    cluster = Cluster()
    drills = Drills()
    ok = False

    def on_signal(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, on_signal)
    try:
        say(f"temporary folder {cluster.tmp}; PostgreSQL from {cluster.pg}")
        cluster.start_postgres()
        say(f"primary on {PORTS['primary']}")
        env = app_env(cluster)
        direct = dict(env, DATABASE_URL=f"postgres://postgres@127.0.0.1:{PORTS['primary']}/riskreg")
        direct.pop("PGBOUNCER")
        direct.pop("DATABASE_REPLICA_URL")
        cluster.start_seaweed()
        say(f"SeaweedFS S3 on {PORTS['s3']}, bucket {BUCKET}")
        # collectstatic needs no database: it runs beside the migrations and the demo.
        static = cluster.start(
            "collectstatic", [PY, "manage.py", "collectstatic", "--noinput", "-v", "0"], env=env
        )
        cluster.run([PY, "manage.py", "migrate", "--noinput", "-v", "0"], env=direct, timeout=600)
        cluster.run([PY, "manage.py", "load_demo"], env=dict(direct, DEBUG="1"), timeout=600)
        if static.wait(timeout=600) != 0:
            raise RuntimeError("collectstatic failed (see its log)")
        say("migrated, demo loaded, static collected")
        cluster.start_replica()
        wait_for("the replica", lambda: cluster.pg_ready(PORTS["replica"]), 60)
        say(f"replica (pg_basebackup, streaming) on {PORTS['replica']}")
        cluster.start_pgbouncer()
        say(f"PgBouncer (transaction mode) on {PORTS['pgbouncer']}")
        for name in ("app_a", "app_b"):
            cluster.start(
                name,
                [
                    str(BIN / "gunicorn"),
                    "riskreg.wsgi",
                    "--workers",
                    "2",
                    "--timeout",
                    "120",
                    "--bind",
                    f"127.0.0.1:{PORTS[name]}",
                    "--access-logfile",
                    "-",
                ],
                env=env,
            )
        for name in ("worker_a", "worker_b"):
            cluster.start(
                name,
                [
                    PY,
                    "manage.py",
                    "worker",
                    "--interval",
                    "0.5",
                    "--no-startup-delay",
                    "--worker-id",
                    f"cluster-{name}",
                ],
                env=env,
            )
        for name in ("app_a", "app_b"):
            wait_for(
                name,
                lambda n=name: requests.get(f"http://127.0.0.1:{PORTS[n]}/healthz", timeout=5).ok,
                90,
            )
        cluster.start_nginx()
        say(f"gunicorn A {PORTS['app_a']}, B {PORTS['app_b']}; nginx on {PORTS['nginx']}")
        setup_django(env)

        def workers_beating() -> bool:
            from ops.models import WorkerHeartbeat

            db_fresh()
            return WorkerHeartbeat.objects.filter(worker_id__startswith="cluster-").count() == 2

        wait_for("two worker heartbeats", workers_beating, 60)
        health = requests.get(f"{NGINX}/healthz", timeout=30).json()
        say(f"healthz: {json.dumps(health, ensure_ascii=False)}")
        play(cluster, drills)
        ok = bool(drills.results) and all(passed for _, passed, _ in drills.results)
    except BaseException as exc:
        traceback.print_exc()
        drills.record("cluster test", False, f"stopped by {exc.__class__.__name__}: {exc}")
        for log in sorted(cluster.logs.glob("*.log")):
            tail = log.read_text(errors="replace").splitlines()[-15:]
            print(f"---- {log.name} (last lines)\n" + "\n".join(tail))
    finally:
        cluster.teardown()
    print("\n== cluster drills ==")
    for name, passed, detail in drills.results:
        print(f"{'PASS' if passed else 'FAIL'}  {name} — {detail}")
    print(f"{'all passed' if ok else 'FAILED'} in {time.monotonic() - STARTED:.0f}s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
