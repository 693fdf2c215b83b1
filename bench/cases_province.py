"""Province scale (issue 22 item 6), measured on a PostgreSQL server of its own.

1. A primary in a temporary folder on ports 175xx (scripts/topology.py, the parts `make
   cluster-test` uses), durable as a production server is: fsync on, shared_buffers 1 GB,
   max_wal_size 4 GB. Migrated, then `generate_scale_data --units 1000 --staff-per-unit 100
   --points-per-form 5` (100,000 people, 500,000 points), timed by the command itself. The peer,
   in the same run on the same server: the same command for 10 units in a copy of the migrated,
   empty database, ×100 — what a generator that stays linear would take.
2. The database size per 10,000 people (docs/capacity.md): the size grown over the empty
   migrated database, divided by the people; beside it the same figure of the 10-unit copy.
3. A streaming replica (pg_basebackup), two gunicorn servers of 2 workers each with
   DATABASE_REPLICA_URL (ops/replica.py sends the quarterly summary and the register there) and
   nginx in front.
4. Through nginx, one reused HTTP session of a 纪检监督 at the root unit SCALE whose grant covers
   the sub-units, logged in with password and TOTP: the province-wide quarterly summary and one
   unit's register, p95, beside the lightest logged-in page (修改密码) through the same session.
   That the replica served them: every response's X-Read-From header, and the transactions the
   replica committed meanwhile.
5. 50 users (bench/locustfile.py with the plan of bench/cases_load.py, computed in a subprocess
   against this server; the accounts whose role needs the second factor get a TOTP device)
   through nginx, beside the same users and pace on 修改密码.

`--quick`: 10 units × 20 people, short windows. BENCH_PROVINCE_UNITS changes the number of
units of a full run (to try a part of the province first). Everything started is stopped by
its PID and the folder removed, also on failure or Ctrl-C.
"""

import csv
import json
import os
import re
import signal
import subprocess
import sys
import time
import traceback
from pathlib import Path

from bench.cases_load import MIN_SAMPLES, SPAWN_RATE, _samples
from bench.run import Result, summary

ROOT = Path(__file__).resolve().parent.parent
PORTS = {"primary": 17532, "replica": 17533, "app_a": 17581, "app_b": 17582, "nginx": 17580}
NGINX = f"http://127.0.0.1:{PORTS['nginx']}"
PASSWORD = "demo-pass-2026"  # bench/locustfile.py's
INSPECTOR = "bench_province_inspector"
# RFC 6238's test key, as the demo's (audit/mfa.py DEMO_TOTP_KEY_HEX): a bench-only account.
TOTP_KEY_HEX = "3132333435363738393031323334353637383930"
SECRET_KEY = "bench-province-only-secret-key-7c1e9a4b2d6f8e0a3c5b7d9f1e2a4c6b"
WORKERS = 2
LIGHTEST = "/accounts/password/change/"
FLOOR_PAGE = "修改密码（下限）"
# The locustfile counts from when the last person is in: logins take a while past the spawning.
LOGIN_MARGIN_S = 15
MFA_PAGE = "/accounts/mfa/verify/"
TARGET_GENERATE_S = 1200
TARGET_QUARTERLY_MS = 2000
TARGET_PAGE_MS = 300


def sizes(quick: bool) -> dict:
    # 200 s of load: 4 廉防办 accounts opening 7 pages each give each of their pages ~40 samples.
    if quick:
        return {"units": 10, "staff": 20, "peer_units": 1, "repeat": 10, "users": 0, "seconds": 30}
    units = int(os.environ.get("BENCH_PROVINCE_UNITS", 1000))
    return {"units": units, "staff": 100, "peer_units": max(1, units // 100), "repeat": 20,
            "users": 50, "seconds": 200}  # fmt: skip


# ------------------------------------------------------------------------- the server's side


def app_env(cluster, *, replica: bool) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE", "PG"))}
    env.update(
        DJANGO_SETTINGS_MODULE="riskreg.settings",
        DEBUG="0",
        SECRET_KEY=SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        HTTPS="0",
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{PORTS['primary']}/riskreg",
        STATIC_ROOT=str(cluster.tmp / "static"),
        TRUSTED_PROXY_COUNT="1",
        LOGIN_FAILURE_LIMIT="1000",
    )
    if replica:
        env["DATABASE_REPLICA_URL"] = f"postgres://postgres@127.0.0.1:{PORTS['replica']}/riskreg"
    return env


def sql(cluster, port: str, query: str, db: str = "riskreg") -> str:
    return cluster.run(
        [str(cluster.pg / "psql"), "-h", "127.0.0.1", "-p", str(PORTS[port]), "-U", "postgres",
         "-d", db, "-XAtqc", query],
    ).strip()  # fmt: skip


def generate(cluster, env: dict, db: str, units: int, staff: int) -> dict:
    """generate_scale_data into `db`; its own time (the command's, ANALYZE included) and counts."""
    started = time.perf_counter()
    out = cluster.run(
        [sys.executable, "manage.py", "generate_scale_data", "--units", str(units),
         "--staff-per-unit", str(staff), "--points-per-form", "5"],
        env=env | {"DATABASE_URL": f"postgres://postgres@127.0.0.1:{PORTS['primary']}/{db}"},
        timeout=3600,
    )  # fmt: skip
    wall = time.perf_counter() - started
    found = {
        key: re.search(pattern, out)
        for key, pattern in (("seconds", r"用时 ([\d.]+) 秒"), ("people", r"人员 (\d+)"),
                             ("points", r"风险点 (\d+)"))
    }  # fmt: skip
    if not all(found.values()):
        raise RuntimeError(f"generate_scale_data said: {out}")
    return {
        "seconds": float(found["seconds"].group(1)),
        "people": int(found["people"].group(1)),
        "points": int(found["points"].group(1)),
        "wall": wall,
        "bytes": int(sql(cluster, "primary", f"SELECT pg_database_size('{db}')")),
    }


def prepare_people() -> dict:
    """Run in a subprocess against the province database (python -m bench.cases_province
    prepare): the root unit's 纪检监督 and the load plan, each account that must pass the
    second factor with a confirmed TOTP device of TOTP_KEY_HEX."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import User
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from bench.cases_load import plan
    from units.enums import GrantedRole
    from units.models import Person, RoleGrant, Unit

    def device(user: User) -> None:
        TOTPDevice.objects.filter(user=user).delete()
        TOTPDevice.objects.create(user=user, name="bench", key=TOTP_KEY_HEX, confirmed=True)

    root = Unit.objects.get(code="SCALE")
    user, _ = User.objects.get_or_create(username=INSPECTOR)
    user.password = make_password(PASSWORD)
    user.save(update_fields=["password"])
    person, _ = Person.objects.get_or_create(
        user=user, defaults={"unit": root, "name": "省纪检监督员", "employee_no": "PROV-1"}
    )
    RoleGrant.objects.get_or_create(
        person=person, role=GrantedRole.INSPECTOR, unit=root, defaults={"include_subunits": True}
    )
    device(user)
    # One account per simulated person; 廉防办 and 纪检 entries carry their TOTP key.
    return {"plan": plan(int(os.environ.get("BENCH_LOAD_USERS", "50")))}


def start_apps(cluster, env: dict) -> None:
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    for name in ("app_a", "app_b"):
        cluster.start(
            name,
            [gunicorn, "riskreg.wsgi", "--workers", str(WORKERS), "--preload", "--timeout", "120",
             "--bind", f"127.0.0.1:{PORTS[name]}", "--log-level", "warning"],
            env=env,
        )  # fmt: skip
    from httpclient import requests as http  # scripts/httpclient.py
    from topology import wait_for

    for name in ("app_a", "app_b"):
        url = f"http://127.0.0.1:{PORTS[name]}/healthz"
        wait_for(name, lambda u=url: http.get(u, timeout=5).ok, 90)
    cluster.start_nginx()


# ------------------------------------------------------------------------- the client's side


def csrf(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def log_in(username: str):
    """A requests session through nginx, past the password and the TOTP code."""
    import requests
    from django_otp.oath import totp

    session = requests.Session()
    page = session.get(f"{NGINX}/accounts/login/", timeout=30)
    response = session.post(
        f"{NGINX}/accounts/login/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": csrf(page.text)},
        timeout=30,
    )
    if MFA_PAGE in response.url:
        code = f"{totp(bytes.fromhex(TOTP_KEY_HEX), 30, 0, 6):06d}"
        response = session.post(
            response.url,
            data={"token": code, "csrfmiddlewaretoken": csrf(response.text)},
            timeout=30,
        )
    if "/accounts/login/" in response.url or MFA_PAGE in response.url:
        raise RuntimeError(f"{username} could not log in through nginx ({response.url})")
    return session


def page_times(session, path: str, repeat: int, budget_s: float = 1e9) -> tuple[list, list]:
    """Milliseconds of `repeat` GETs after one warm-up (at least 10 once `budget_s` is spent),
    and what each response said (status, X-Read-From, final URL)."""
    url = NGINX + path
    session.get(url, timeout=150)
    samples, seen = [], []
    started = time.monotonic()
    for _ in range(repeat):
        if len(samples) >= 10 and time.monotonic() - started > budget_s:
            break
        t0 = time.perf_counter()
        response = session.get(url, timeout=150)
        samples.append((time.perf_counter() - t0) * 1000)
        seen.append((response.status_code, response.headers.get("X-Read-From"), response.url))
    return samples, seen


def served(seen: list, want: str = "replica") -> str:
    bad = [s for s in seen if s[0] != 200 or "/accounts/login/" in s[2] or MFA_PAGE in s[2]]
    if bad:
        raise RuntimeError(f"pages refused or redirected: {bad[:3]}")
    return f"{sum(1 for s in seen if s[1] == want)}/{len(seen)} from the {want}"


def locust(cluster, plan: list, users: int, seconds: int, label: str) -> dict[str, dict]:
    bindir = Path(sys.executable).parent
    prefix = cluster.tmp / f"locust-{label}"
    with open(cluster.logs / f"locust-{label}.log", "wb") as log:
        subprocess.run(
            [str(bindir / "locust"), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
             "-u", str(users), "-r", str(SPAWN_RATE),
             "-t", f"{seconds + users // SPAWN_RATE + LOGIN_MARGIN_S}s",
             "--reset-stats", "--host", NGINX, "--csv", str(prefix), "--only-summary",
             "--stop-timeout", "5"],
            cwd=ROOT, env=os.environ | {"BENCH_PLAN": json.dumps(plan, ensure_ascii=False)},
            check=False, stdout=log, stderr=subprocess.STDOUT, timeout=seconds + 300,
        )  # fmt: skip
    with open(f"{prefix}_stats.csv", newline="") as fh:
        return {row["Name"]: row for row in csv.DictReader(fh)}


# ------------------------------------------------------------------------- the case


def run(ctx) -> list[Result]:
    sys.path.insert(0, str(ROOT / "scripts"))
    from topology import Cluster

    n = sizes(ctx["quick"])
    results: list[Result] = []
    cluster = Cluster(
        PORTS,
        fsync=True,
        shared_buffers="1GB",
        settings={"max_wal_size": "4GB"},
        prefix="riskreg-province-",
    )

    def on_term(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        measure(ctx, n, cluster, results)
    except Exception as exc:
        traceback.print_exc()
        for log in sorted(cluster.logs.glob("*.log")):
            tail = log.read_text(errors="replace").splitlines()[-15:]
            print(f"---- {log.name} (last lines)\n" + "\n".join(tail), flush=True)
        results.append(
            Result(case="province: the run stopped", ours=len(results), unit="rows measured",
                   met=False, note=f"{exc.__class__.__name__}: {str(exc)[:300]}")
        )  # fmt: skip
    finally:
        cluster.teardown()
        signal.signal(signal.SIGTERM, previous)
    return results


def step(message: str) -> None:
    print(f"  [province] {message}", flush=True)


def measure(ctx, n: dict, cluster, results: list[Result]) -> None:
    env = app_env(cluster, replica=False)
    # ---- 1. the primary, migrated; the generator for the peer and for the province
    cluster.start_postgres()
    static = cluster.start(
        "collectstatic", [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        env=env,
    )  # fmt: skip
    started = time.perf_counter()
    cluster.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], env=env,
                timeout=900)  # fmt: skip
    migrate_s = time.perf_counter() - started
    if static.wait(timeout=600) != 0:
        raise RuntimeError("collectstatic failed (see its log)")
    step(
        f"primary on {PORTS['primary']} (fsync on, shared_buffers 1GB), migrated in {migrate_s:.0f} s"
    )
    sql(cluster, "primary", "CREATE DATABASE peer TEMPLATE riskreg", db="postgres")
    empty = int(sql(cluster, "primary", "SELECT pg_database_size('peer')"))
    peer = generate(cluster, env, "peer", n["peer_units"], n["staff"])
    sql(cluster, "primary", "DROP DATABASE peer", db="postgres")
    scale = n["units"] / n["peer_units"]
    step(f"peer: {n['peer_units']} units in {peer['seconds']:.1f} s; "
         f"now {n['units']} units × {n['staff']} …")  # fmt: skip
    big = generate(cluster, env, "riskreg", n["units"], n["staff"])
    step(f"{n['units']} units in {big['seconds']:.1f} s ({big['wall']:.1f} s with start-up)")
    floor = round(peer["seconds"] * scale, 1)
    results.append(
        Result(
            case=f"province data: {n['units']:,} units generated",
            ours=round(big["seconds"], 1),
            unit="s",
            floor=floor,
            floor_label=f"the same generator, {n['peer_units']} units × {n['staff']} in a fresh "
            f"database on the same server, ×{scale:g}",
            target=f"< {TARGET_GENERATE_S} s",
            met=big["seconds"] < TARGET_GENERATE_S,
            note=f"{big['people']:,} people, {big['points']:,} risk points, {n['staff']} people "
            f"per unit, 5 points per form; generate_scale_data's own time (ANALYZE included), "
            f"{big['wall']:.0f} s with the command's start-up; PostgreSQL fsync on, "
            f"shared_buffers 1GB; migrating the empty database took {migrate_s:.0f} s",
        )
    )
    per_10k = lambda g: round((g["bytes"] - empty) / g["people"] * 10_000 / 2**20, 1)  # noqa: E731
    results.append(
        Result(
            case="province data: database size per 10,000 people",
            ours=per_10k(big),
            unit="MB",
            floor=per_10k(peer),
            floor_label=f"the same over the {n['peer_units']}-unit database",
            note=f"pg_database_size {big['bytes'] / 2**30:.2f} GB for {big['people']:,} people "
            f"(minus the empty migrated database, {empty / 2**20:.0f} MB); one round of forms, "
            "no audit log, no files",
        )
    )

    # ---- 2. the people, then the replica
    out = cluster.run(
        [sys.executable, "-m", "bench.cases_province", "prepare"],
        env=env | {"BENCH_LOAD_USERS": str(n["users"] or 50)},
    )
    the_plan = json.loads(out.strip().splitlines()[-1])["plan"]
    started = time.perf_counter()
    cluster.start_replica(timeout=1800)
    from topology import wait_for

    wait_for(
        "the replica streaming",
        lambda: sql(cluster, "primary", "SELECT count(*) FROM pg_stat_replication "
                    "WHERE state = 'streaming'") == "1"
        and sql(cluster, "replica", "SELECT pg_is_in_recovery()") == "t",
        120, every=0.5,
    )  # fmt: skip
    replica_s = time.perf_counter() - started
    step(f"replica streaming on {PORTS['replica']} ({replica_s:.0f} s from pg_basebackup)")
    results[-1].note += f"; pg_basebackup of it and the replica streaming: {replica_s:.0f} s"

    env = app_env(cluster, replica=True)
    start_apps(cluster, env)
    step(f"gunicorn ×2 ({WORKERS} workers each), nginx on {PORTS['nginx']}")

    # ---- 3. the quarterly summary and a register, one session
    session = log_in(INSPECTOR)
    commits = "SELECT xact_commit FROM pg_stat_database WHERE datname = 'riskreg'"
    before = {db: int(sql(cluster, db, commits)) for db in ("replica", "primary")}
    lightest, lightest_seen = page_times(session, LIGHTEST, 2 * n["repeat"])
    quarterly_path = "/reports/quarterly/SCALE/?subunits=1"
    quarterly, quarterly_seen = page_times(session, quarterly_path, n["repeat"], budget_s=150)
    register, register_seen = page_times(session, "/reports/register/SCALE-0001/", n["repeat"])
    time.sleep(11)  # a backend reports its statistics within 10 s of going idle
    delta = {db: int(sql(cluster, db, commits)) - before[db] for db in before}
    floor = summary(lightest)
    served(lightest_seen, "primary")
    requests_made = len(quarterly) + len(register) + 2
    replica_note = (
        f"the replica committed {delta['replica']:,} transactions and the primary "
        f"{delta['primary']:,} while this session made {requests_made} requests here and "
        f"{len(lightest) + 1} of 修改密码"
    )
    for label, path_label, samples, seen, target in (
        (f"province quarterly summary, {n['units']:,} units (replica) — p95", "SCALE ?subunits=1",
         quarterly, quarterly_seen, TARGET_QUARTERLY_MS),
        ("province: one unit's register SCALE-0001 (replica) — p95", "SCALE-0001", register,
         register_seen, None),
    ):  # fmt: skip
        s = summary(samples)
        results.append(
            Result(
                case=label,
                ours=s["p95"],
                unit="ms",
                floor=floor["p95"],
                floor_label=f"修改密码 p95 over {floor['n']}, same session through nginx",
                target=f"≤ {target} ms" if target else "",
                met=s["p95"] <= target if target else None,
                note=f"p50 {s['p50']} ms over {s['n']} requests ({path_label}) through nginx, "
                f"one reused session of a 纪检监督 over the sub-units (password + TOTP); "
                f"{served(seen)}; " + replica_note,
                extra=s,
            )
        )
    step(f"quarterly p95 {results[-2].ours:g} ms, register p95 {results[-1].ours:g} ms, "
         f"floor {floor['p95']} ms; {served(quarterly_seen)}")  # fmt: skip

    # ---- 4. the load
    users = n["users"] or len(the_plan)
    floor_plan = [[e[0], [[FLOOR_PAGE, LIGHTEST]], *e[2:]] for e in the_plan]
    floor_rows = locust(cluster, floor_plan, users, n["seconds"] // 3, "floor")
    rows = locust(cluster, the_plan, users, n["seconds"], "pages")
    results += load_results(rows, floor_rows, users, n, len(the_plan))


def load_results(rows: dict, floor_rows: dict, users: int, n: dict, accounts: int) -> list:
    """The rows of bench/cases_load.py, for this topology."""
    total = rows["Aggregated"]
    failures = int(total["Failure Count"])
    pages = {name: row for name, row in rows.items()
             if name != "Aggregated" and not name.startswith("登录")}  # fmt: skip
    worst = max((float(row["95%"]) for row in pages.values()), default=float("inf"))
    # The page itself, not "Aggregated" (the logins' rows are left out of it too).
    floor_row = floor_rows[FLOOR_PAGE]
    floor = float(floor_row["95%"])
    rate = float(total["Requests/s"])
    window = int(total["Request Count"]) / rate if rate else 0
    results = [
        Result(
            case=f"province load: {users} users — worst page p95",
            ours=worst,
            unit="ms",
            floor=floor,
            floor_label="修改密码 p95, same users and pace",
            target=f"≤ {TARGET_PAGE_MS} ms, 0 errors",
            met=worst <= TARGET_PAGE_MS and failures == 0,
            note=f"{rate:.1f} req/s, {total['Request Count']} requests, {failures} errors in "
            f"~{window:.0f} s from when the last person was logged in; through nginx to 2 "
            f"gunicorn servers × {WORKERS} workers (--preload), the primary and the streaming "
            f"replica; floor over "
            f"{floor_row['Request Count']} samples; {accounts} accounts of SCALE-0001 "
            f"({n['staff']} people) in a {n['units']:,}-unit province, each opening the pages of "
            "its role with 1–5 s between pages; 廉防办 and 纪检监督 pass the TOTP step",
        )
    ]
    for name, row in pages.items():
        p95 = float(row["95%"])
        results.append(
            Result(
                case=f"province load: {name} — p95",
                ours=p95,
                unit="ms",
                floor=floor,
                floor_label="修改密码 p95, same load",
                target=f"≤ {TARGET_PAGE_MS} ms",
                met=p95 <= TARGET_PAGE_MS and int(row["Request Count"]) >= MIN_SAMPLES,
                note=f"median {float(row['Median Response Time']):.0f} ms, {_samples(row)}",
            )
        )
    return results


if __name__ == "__main__" and sys.argv[1:] == ["prepare"]:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    print(json.dumps(prepare_people(), ensure_ascii=False))
