"""Load: 100 logged-in users against gunicorn (4 workers, preloaded) on loopback, bounded in time.

Every user logs in before the measured window (bench/locustfile.py resets its figures once the last has logged in), so
the page figures hold no login; what logging in costs (PBKDF2 at Django's default cost, which
等保 needs, is deliberately slow) is a row of bench/cases_pages.py. The floor is the lightest logged-in page
(修改密码) requested by the same users at the same pace in a run of its own, through the same
client. Every row says how many samples its p95 rests on; fewer than 30 is marked.
"""

import csv
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.run import Result

PORT = 8011
# Users log in 5 a second (a login hashes a password, deliberately slow: 50 at once would
# queue every page behind them); the figures count from when all of them are in
# (bench/locustfile.py resets its figures when the last has logged in), for `seconds` more.
SPAWN_RATE = 5
# The CPU window opens this long after the last user started (logins take a few seconds).
SETTLE = 5
WORKERS = 4
# Accounts granted 廉防办 and 纪检 in the unit for the run (a 500-person unit's office and its
# inspectors).
OFFICE, INSPECTORS = 4, 3
MIN_SAMPLES = 30


def _cpu_seconds(comm: str | None = None, root_pid: int | None = None) -> float:
    """CPU seconds (user + system) used so far by a process tree: gunicorn's master and its
    workers (root_pid), or every process named `comm` (PostgreSQL's postmaster and backends).
    The children's times (cutime/cstime) count the backends that have already exited."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        pid, ppid = int(entry.name), int(fields[1])
        if (comm and name == comm) or (root_pid and root_pid in (pid, ppid)):
            total += sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
    return total / tick


def _samples(row: dict) -> str:
    n = int(row["Request Count"])
    return f"{n} samples" + ("" if n >= MIN_SAMPLES else f" (fewer than {MIN_SAMPLES}: p95 ≈ max)")


def _wait_for(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except Exception:
            time.sleep(0.3)
    raise RuntimeError(f"server did not start: {url}")


def plan(users: int, unit_code: str = "SCALE-0001") -> list:
    """[username, [(page name, path), ...]] (plus a TOTP key for the roles that need the second
    factor) for `users` different people of one unit, each browsing the pages of their role:
    OFFICE 廉防办 and INSPECTORS 纪检 accounts (the roles are granted for the run), the department heads, the
    leaders and staff for the rest. Every simulated person has an account of their own, so no
    one-time code is used twice. The accounts get the demo password for the run."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import User
    from django.urls import reverse
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from django_otp.util import random_hex

    from risks.models import Round
    from units.enums import GrantedRole, PostTier
    from units.models import Person, RoleGrant, Unit

    unit = Unit.objects.get(code=unit_code)
    rnd = Round.objects.get(unit=unit)
    people = list(Person.objects.filter(unit=unit).select_related("post").order_by("id"))
    heads = [p for p in people if p.post.tier == PostTier.MIDDLE]
    leaders = [p for p in people if p.post.tier == PostTier.LEADER]
    staff = [p for p in people if p.post.tier == PostTier.STAFF]
    granted = {role: [g.person for g in RoleGrant.objects.filter(unit=unit, role=role)]
               for role in (GrantedRole.INTEGRITY_OFFICE, GrantedRole.INSPECTOR)}  # fmt: skip
    spare = [p for p in staff if all(p not in v for v in granted.values())]
    for role, wanted in (
        (GrantedRole.INTEGRITY_OFFICE, OFFICE),
        (GrantedRole.INSPECTOR, INSPECTORS),
    ):
        while len(granted[role]) < wanted:
            person = spare.pop()
            RoleGrant.objects.create(person=person, role=role, unit=unit)
            granted[role].append(person)
    staff = [p for p in spare if p.pk != granted[GrantedRole.INTEGRITY_OFFICE][0].pk]
    code = unit.code
    pages = {
        "staff": [("工作台", "/"), ("我的一览表", reverse("risks:my_forms")),
                  ("群众评议", reverse("workflow:rating_list")),
                  ("公示", reverse("workflow:notice_register")),
                  ("台账", reverse("reports:register", args=[code])),
                  ("通知", reverse("workflow:notifications"))],
        "head": [("工作台", "/"), ("待审核", reverse("workflow:review_queue")),
                 ("一览表查阅", reverse("risks:form_list")),
                 ("我的一览表", reverse("risks:my_forms"))],
        "leader": [("工作台", "/"), ("待签字", reverse("workflow:sign_queue")),
                   ("一览表查阅", reverse("risks:form_list"))],
        "office": [("工作台", "/"), ("集体审定", reverse("workflow:collective")),
                   ("进度看板", reverse("workflow:board") + f"?round={rnd.pk}"),
                   ("异议", reverse("workflow:objections")),
                   ("排查轮次", reverse("risks:round_detail", args=[rnd.pk])),
                   ("评议管理", reverse("workflow:rating_windows")),
                   ("台账", reverse("reports:register", args=[code]))],
        "inspector": [("工作台", "/"), ("季度汇总", reverse("reports:quarterly", args=[code])),
                      ("台账", reverse("reports:register", args=[code]))],
    }  # fmt: skip
    cast = (
        [(p, "office") for p in granted[GrantedRole.INTEGRITY_OFFICE]]
        + [(p, "inspector") for p in granted[GrantedRole.INSPECTOR]]
        + [(p, "head") for p in heads]
        + [(p, "leader") for p in leaders]
    )
    cast += [(p, "staff") for p in staff[: max(0, users - len(cast))]]
    user_ids = [p.user_id for p, _ in cast]
    User.objects.filter(pk__in=user_ids).update(password=make_password("demo-pass-2026"))
    usernames = dict(User.objects.filter(pk__in=user_ids).values_list("pk", "username"))
    keys = {}
    for person, role in cast:
        if role in ("office", "inspector"):
            TOTPDevice.objects.filter(user_id=person.user_id).delete()
            device = TOTPDevice.objects.create(
                user_id=person.user_id, name="bench", key=random_hex(20), confirmed=True
            )
            keys[person.user_id] = device.key
    return [
        [usernames[p.user_id], pages[role], *([keys[p.user_id]] if p.user_id in keys else [])]
        for p, role in cast
    ]


def run(ctx) -> list[Result]:
    root: Path = ctx["root"]
    # Four minutes, so that every page gets 30 samples or more: 4 廉防办 accounts opening 7
    # pages each, one every ~3 s, give each of their pages ~0.19 requests/s (~45 in 240 s); a
    # p95 over the ~15 of one minute is its maximum, a single hiccup of the machine.
    users, seconds = (10, 30) if ctx["quick"] else (100, 240)
    bindir = Path(sys.executable).parent
    env = os.environ.copy()
    the_plan = plan(users)
    server = subprocess.Popen(
        [str(bindir / "gunicorn"), "riskreg.wsgi", "--workers", str(WORKERS), "--preload",
         "--bind", f"127.0.0.1:{PORT}", "--log-level", "warning"],
        cwd=root, env=env,
    )  # fmt: skip

    cpu: dict[str, float] = {}

    def locust(plan_: list, seconds: int) -> dict[str, dict]:
        """The stats of one run; `cpu` gets the app's and the database's CPU seconds used in the
        measured window (from when every user has logged in to the end)."""
        with tempfile.TemporaryDirectory() as tmp:
            prefix = Path(tmp) / "load"
            proc = subprocess.Popen(
                [str(bindir / "locust"), "-f", str(root / "bench" / "locustfile.py"), "--headless",
                 "-u", str(users), "-r", str(SPAWN_RATE), "-t", f"{seconds + users // SPAWN_RATE + SETTLE}s",
                 "--host", f"http://127.0.0.1:{PORT}",
                 "--csv", str(prefix), "--only-summary", "--stop-timeout", "5"],
                cwd=root, env=env | {"BENCH_PLAN": json.dumps(plan_, ensure_ascii=False)},
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            time.sleep(users / SPAWN_RATE + SETTLE)
            start = (_cpu_seconds(root_pid=server.pid), _cpu_seconds(comm="postgres"))
            proc.wait()
            cpu["app"] = _cpu_seconds(root_pid=server.pid) - start[0]
            cpu["db"] = _cpu_seconds(comm="postgres") - start[1]
            with open(f"{prefix}_stats.csv", newline="") as fh:
                return {row["Name"]: row for row in csv.DictReader(fh)}

    try:
        _wait_for(f"http://127.0.0.1:{PORT}/accounts/login/")
        # The floor: the same users and pace against the lightest logged-in page.
        lightest = [
            [entry[0], [["修改密码（下限）", "/accounts/password/change/"]], *entry[2:]]
            for entry in the_plan
        ]
        floor_rows = locust(lightest, seconds // 3)
        floor_cpu = dict(cpu)
        rows = locust(the_plan, seconds)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)
    total = rows["Aggregated"]
    failures = int(total["Failure Count"])
    # Logging in hashes a password (PBKDF2, deliberately slow); the budget is for pages.
    pages = {
        name: row
        for name, row in rows.items()
        if name != "Aggregated" and not name.startswith("登录")
    }
    # No page row at all means the users never got past logging in within the time.
    worst = max((float(row["95%"]) for row in pages.values()), default=float("inf"))
    floor_row = floor_rows["Aggregated"]
    floor = float(floor_row["95%"])
    results = [
        Result(
            case=f"load: {users} users — worst page p95",
            ours=worst,
            unit="ms",
            floor=floor,
            floor_label="lightest logged-in page p95, same users and pace",
            target="≤ 300 ms, 0 errors",
            met=worst <= 300 and failures == 0,
            note=f"{float(total['Requests/s']):.1f} req/s, {total['Request Count']} requests, "
            f"{failures} errors in {seconds} s after all had logged in; gunicorn {WORKERS} "
            f"workers (--preload); floor over {floor_row['Request Count']} samples; "
            f"{len(the_plan)} accounts of the 500-person unit SCALE-0001 ({OFFICE} 廉防办 and {INSPECTORS} 纪检 "
            "with the second factor, the heads, the leaders, staff), each opening the pages of "
            "its role in turn with 1–5 s between pages",
        )
    ]
    served = sum(int(row["Request Count"]) for row in pages.values())
    floor_served = int(floor_row["Request Count"])
    if served and floor_served and cpu["app"] > 0 and floor_cpu["app"] > 0:
        per_core = served / cpu["app"]
        results.append(
            Result(
                case="load: requests per second per app CPU core at the page mix",
                ours=round(per_core, 1),
                unit="req/s",
                floor=round(floor_served / floor_cpu["app"], 1),
                floor_label="the lightest logged-in page, same users and pace",
                target="—",
                note=f"{served} pages for {cpu['app']:.1f} s of gunicorn CPU in the measured "
                f"window ({1000 * cpu['app'] / served:.1f} ms per page); PostgreSQL "
                f"{1000 * cpu['db'] / served:.1f} ms CPU per page (floor page "
                f"{1000 * floor_cpu['db'] / floor_served:.1f} ms); the figure for "
                "docs/capacity.md",
            )
        )
    for name, row in pages.items():
        results.append(
            Result(
                case=f"load: {name} — p95",
                ours=float(row["95%"]),
                unit="ms",
                floor=floor,
                floor_label="lightest logged-in page p95, same load",
                target="≤ 300 ms",
                met=float(row["95%"]) <= 300 and int(row["Request Count"]) >= MIN_SAMPLES,
                note=f"median {float(row['Median Response Time']):.0f} ms, {_samples(row)}",
            )
        )
    return results
