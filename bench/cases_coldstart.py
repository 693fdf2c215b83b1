"""Cold start (issue 21): gunicorn started as production starts it, timed from the process's
start to the first 200 of the login page, and the first PDF of a fresh worker against its third.

Production runs gunicorn with the repository's gunicorn.conf.py (read from the working
directory): the application preloaded in the master and WeasyPrint with its CJK fonts warmed
there before the fork, so that no worker pays for them on a user's request.

- **Cold start**: `gunicorn riskreg.wsgi --workers 4` on a free loopback port (8013 if free),
  the environment bench/run.py set (DEBUG=0, the bench database); the clock runs from just
  before the process is started until the login page first answers 200 (polled every 50 ms).
  Floor: the same gunicorn, the same flags (--workers 4 --preload), serving a WSGI app of three
  lines from an empty directory — what starting Python, gunicorn and four workers costs at all.
- **First PDF vs third**: a second gunicorn with one worker (so every request reaches the same
  fresh worker); an account of SCALE-0001 (its password set as bench/cases_load.plan does) logs
  in through requests' session (CSRF token from the form), then asks three times for the PDF
  of its own 一览表, not filed, so that each request renders it. Target: the first costs no
  more than the third, within noise: ≤ 1.2×. For comparison (no target), the same three
  requests against a worker started without gunicorn.conf.py (only --preload): what the
  warm-up in the master saves.

Every process started here is stopped by its PID (SIGTERM, then SIGKILL) in a finally.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import requests

from bench.run import Result

PASSWORD = "demo-pass-2026"
HELLO = """def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]
"""


def _free_port(preferred: int = 8013) -> int:
    for port in (preferred, 0):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise RuntimeError("no free port")


@contextmanager
def _gunicorn(args: list[str], *, cwd: Path, log: Path):
    """A gunicorn master started now; yields (process, start time); stopped by its PID."""
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    with open(log, "wb") as out:
        start = time.perf_counter()
        process = subprocess.Popen(
            [gunicorn, *args], cwd=cwd, env=os.environ.copy(), stdout=out, stderr=out
        )
        try:
            yield process, start
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def _first_200(url: str, process: subprocess.Popen, start: float, log: Path) -> float:
    """Seconds from `start` until url first answers 200."""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return time.perf_counter() - start
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.05)
    raise RuntimeError(f"no 200 from {url} in 180 s")


def _cold_starts(root: Path, tmp: Path, runs: int) -> tuple[list[float], list[float]]:
    hello_dir = tmp / "hello"
    hello_dir.mkdir()
    (hello_dir / "hello.py").write_text(HELLO)
    ours, floor = [], []
    for _ in range(runs):
        port = _free_port()
        bind = ["--bind", f"127.0.0.1:{port}", "--workers", "4"]
        log = tmp / "hello.log"
        with _gunicorn(["hello:app", "--preload", *bind], cwd=hello_dir, log=log) as (p, start):
            floor.append(_first_200(f"http://127.0.0.1:{port}/", p, start, log))
        port = _free_port()
        bind = ["--bind", f"127.0.0.1:{port}", "--workers", "4"]
        log = tmp / "riskreg.log"
        with _gunicorn(["riskreg.wsgi", *bind], cwd=root, log=log) as (p, start):
            ours.append(_first_200(f"http://127.0.0.1:{port}/accounts/login/", p, start, log))
    return ours, floor


def _pdf_account() -> tuple[str, int, int]:
    """A staff member of SCALE-0001 with a form of their own not filed and no role grant (a
    廉防办 or 纪检 account, as cases_load makes some, must pass a second factor first):
    (username, form, points)."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import User
    from django.db.models import Count

    from risks.models import RiskForm
    from units.enums import PostTier
    from workflow.enums import FormState

    form = (
        RiskForm.objects.filter(unit__code="SCALE-0001", filler__post__tier=PostTier.STAFF)
        .exclude(state=FormState.FILED)
        .filter(filler__role_grants__isnull=True)
        .annotate(n=Count("points"))
        .filter(n__gt=0)
        .select_related("filler__user")
        .order_by("-id")
        .first()
    )
    User.objects.filter(pk=form.filler.user_id).update(password=make_password(PASSWORD))
    return form.filler.user.username, form.pk, form.n


def _three_pdfs(base: str, username: str, form_id: int) -> list[float]:
    """Log in, then time three requests for the form's PDF (seconds)."""
    session = requests.Session()
    page = session.get(f"{base}/accounts/login/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    landed = session.post(
        f"{base}/accounts/login/",
        {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        timeout=60,
    )
    if "/accounts/login/" in landed.url:
        raise RuntimeError(f"login of {username} failed")
    times = []
    for _ in range(3):
        start = time.perf_counter()
        response = session.get(f"{base}/reports/forms/{form_id}/pdf/", timeout=120)
        times.append(time.perf_counter() - start)
        if response.status_code != 200 or not response.content.startswith(b"%PDF"):
            raise RuntimeError(f"form PDF: {response.status_code} {response.url}")
    return times


def _one_worker(root: Path, tmp: Path, account, *, warm: bool) -> tuple[list[float], str]:
    username, form_id, _points = account
    port = _free_port()
    config = [] if warm else ["-c", str(tmp / "empty.conf.py"), "--preload"]
    (tmp / "empty.conf.py").write_text("")
    log = tmp / f"one-{'warm' if warm else 'plain'}.log"
    args = ["riskreg.wsgi", *config, "--workers", "1", "--bind", f"127.0.0.1:{port}",
            "--log-level", "info"]  # fmt: skip
    with _gunicorn(args, cwd=root, log=log) as (process, start):
        base = f"http://127.0.0.1:{port}"
        _first_200(f"{base}/accounts/login/", process, start, log)
        times = _three_pdfs(base, username, form_id)
    found = re.search(r"loaded in ([\d.]+) s before forking", log.read_text(errors="replace"))
    return times, found.group(1) if found else "?"


def run(ctx) -> list[Result]:
    root: Path = ctx["root"]
    runs = 1 if ctx["quick"] else 3
    account = _pdf_account()
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        ours, floor = _cold_starts(root, tmp, runs)
        warm, warm_up_s = _one_worker(root, tmp, account, warm=True)
        plain, _ = _one_worker(root, tmp, account, warm=False)
    start_s, floor_s = statistics.median(ours), statistics.median(floor)
    first, second, third = (round(t * 1000, 1) for t in warm)
    ratio = warm[0] / warm[2]
    return [
        Result(
            case="cold start: gunicorn, 4 workers, as production (gunicorn.conf.py) → first "
            "200 of the login page",
            ours=round(start_s, 2),
            unit="s",
            floor=round(floor_s, 2),
            floor_label="the same gunicorn and flags serving a 3-line WSGI app",
            note=f"median of {runs} start(s): {', '.join(f'{t:.2f}' for t in ours)} s; floor "
            f"{', '.join(f'{t:.2f}' for t in floor)} s; includes the preload and the WeasyPrint "
            "warm-up in the master",
            extra={"ours": ours, "floor": floor},
        ),
        Result(
            case=f"first PDF of a fresh worker vs its third (一览表, {account[2]} points, "
            "gunicorn.conf.py)",
            ours=first,
            unit="ms",
            floor=third,
            floor_label="third PDF, same worker, same form",
            target="≤ 1.2× (the first costs no more than the third)",
            met=ratio <= 1.2,
            note=f"1st {first} ms, 2nd {second} ms, 3rd {third} ms, one worker, after logging "
            f"in; WeasyPrint and fonts loaded in the master in {warm_up_s} s before the fork",
            extra={"times": warm},
        ),
        Result(
            case="first PDF vs third without gunicorn.conf.py's warm-up (comparison)",
            ours=round(plain[0] * 1000, 1),
            unit="ms",
            floor=round(plain[2] * 1000, 1),
            floor_label="third PDF, same worker, same form",
            note=f"1st {plain[0] * 1000:.1f} ms, 2nd {plain[1] * 1000:.1f} ms, 3rd "
            f"{plain[2] * 1000:.1f} ms; --preload only: what the master's warm-up saves",
            extra={"times": plain},
        ),
    ]
