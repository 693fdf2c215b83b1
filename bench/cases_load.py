"""Load: concurrent logged-in users against gunicorn (2 workers) on loopback, bounded in time."""

import csv
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


def _wait_for(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except Exception:
            time.sleep(0.3)
    raise RuntimeError(f"server did not start: {url}")


def run(ctx) -> list[Result]:
    root: Path = ctx["root"]
    users, seconds = (10, 10) if ctx["quick"] else (50, 60)
    bindir = Path(sys.executable).parent
    env = os.environ.copy()
    server = subprocess.Popen(
        [str(bindir / "gunicorn"), "riskreg.wsgi", "--workers", "2", "--bind", f"127.0.0.1:{PORT}",
         "--log-level", "warning"],
        cwd=root, env=env,
    )  # fmt: skip
    try:
        _wait_for(f"http://127.0.0.1:{PORT}/accounts/login/")
        with tempfile.TemporaryDirectory() as tmp:
            prefix = Path(tmp) / "load"
            load_env = env | {
                "BENCH_USERS": "demo_staff,demo_staff2,demo_head,demo_leader,demo_principal,demo_office,demo_inspector",
                "BENCH_PAGES": os.environ.get("BENCH_PAGES", "/"),
            }
            subprocess.run(
                [str(bindir / "locust"), "-f", str(root / "bench" / "locustfile.py"), "--headless",
                 "-u", str(users), "-r", str(users), "-t", f"{seconds}s", "--host", f"http://127.0.0.1:{PORT}",
                 "--csv", str(prefix), "--only-summary", "--stop-timeout", "5"],
                cwd=root, env=load_env, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            with open(f"{prefix}_stats.csv", newline="") as fh:
                rows = {row["Name"]: row for row in csv.DictReader(fh)}
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
    worst = max(float(row["95%"]) for row in pages.values())
    results = [
        Result(
            case=f"load: {users} users — worst page p95",
            ours=worst,
            unit="ms",
            target="≤ 300 ms, 0 errors",
            met=worst <= 300 and failures == 0,
            note=f"{float(total['Requests/s']):.1f} req/s, {total['Request Count']} requests "
            f"(logins included), {failures} errors, {seconds} s, gunicorn 2 workers",
        )
    ]
    for name, row in pages.items():
        results.append(
            Result(
                case=f"load: {name} — p95",
                ours=float(row["95%"]),
                unit="ms",
                target="≤ 300 ms",
                met=float(row["95%"]) <= 300,
                note=f"median {row['Median Response Time']} ms",
            )
        )
    return results
