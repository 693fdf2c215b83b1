"""`make bench`: run every benchmark and write docs/benchmarks.md and docs/benchmarks.json.

Each figure is compared with a floor or peer measured in the same run on the same machine,
since these machines are noisy. Cases live in bench/cases_*.py modules, each exposing
`run(ctx) -> list[Result]`.
"""

import argparse
import importlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
CASE_MODULES = [
    "bench.cases_roster",
    "bench.cases_pages",
    "bench.cases_load",
    "bench.cases_reports",
    "bench.cases_admin",
    "bench.cases_exports",  # after cases_admin: its audit rows are the audit export's scope
    "bench.cases_coldstart",
    # Last: a PostgreSQL server of its own with the 1,000-unit province (issue 22 item 6).
    "bench.cases_province",
]


# Kept at the head of docs/benchmarks.md by every run (write_report).
WHAT_CHANGED = """\
## What changed (issue 21)

- **Floors are honest now.** Every page is set beside the lightest logged-in page (修改密码)
  and the login form, both measured in the same run through one reused client. Until 2026-11
  the floor built a new test client for every request (~20 ms of set-up), which made every
  "≤ 1× the login page" ratio look about 25× better than it was. Figures measured against the
  old floor are not compared with the new ones.
- **The load case** runs 100 users with 1–5 s think time on gunicorn with 4 preloaded workers,
  each on an account of its own (3 廉防办 and 2 纪检 pass their TOTP second factor; until
  2026-11-29 they were measured on the second-factor redirect), counts from when the last has
  logged in, and reports each page's sample count; a p95 from fewer than 30 samples is marked.
  The CPU seconds of gunicorn and of PostgreSQL in the window give requests per second per
  core for docs/capacity.md.
- **Admin cases** (bench/cases_admin.py): the audit-log list, two searches and one action
  filter over 1,000,000 audit rows (inserted in one SQL statement), and the person list's
  page 1 and last page over the scale data set's 50,000 people, with query counts.
- **Large exports are jobs** (bench/cases_exports.py). Above `REPORT_SYNC_MAX_POINTS` risk
  points the quarterly workbook/JSON, the register workbook and the audit export are built by
  the background worker; the bound volume and the summary PDF (now also of one unit: about
  10 s at 2,540 points) never render in the request. Each export request of issue 21 is timed
  through the test Client and its answer checked to be a queued job. The city-wide ones took
  1.1–1.2 s until their scope count stopped sorting every point of the city (the risk points'
  default ordering in the LIMIT subquery). The threshold is measured, not taken from issue 21's
  figures: 500 (was 2000), chosen so that the slowest synchronous export per point (the
  register workbook) stays near 0.3–0.5 s — see the "slowest synchronous export" row.
- **Province** (bench/cases_province.py, issue 22): a PostgreSQL primary of its own (fsync on)
  gets 1,000 units × 100 people × 5 points from `generate_scale_data` (timed beside 10 units
  ×100, the linearity peer), a streaming replica, two gunicorn servers behind nginx; the
  province-wide quarterly page read from the replica, one unit's register, and 50 users
  through nginx. Above 30 units the quarterly page shows one row per unit (a province's page
  listed 8,000 department rows: 13.9 MB).
- **Cold start** (bench/cases_coldstart.py): gunicorn as production starts it, to the first
  login page, beside a 3-line WSGI app; a fresh worker's first form PDF against its third.

- **CPU per page** (2026-11-30). The 100-user load saturated both cores at ~100 ms of CPU per
  page, so the pages were made cheaper, each measured as the CPU seconds of one gunicorn
  worker serving it: the navigation's role lookup is one query instead of seven and the
  lightest page 9-10 queries instead of 16; 廉防办's 工作台 counts its lines in SQL (105 → 30 ms);
  排查轮次 lists 100 forms a page with 部室/状态 filters (78 → 26 ms, 141 → 35 KB); 台账 keeps
  its table in the cache keyed by the data's last change and the reader's access answer
  (55 → 30 ms); the city quarterly page counts per unit in the database (1.2 s → 0.55 s; the
  province page 3.4 s → 1.1 s). At the load case's mix a page now costs 22.9 ms of gunicorn
  and 7.1 ms of PostgreSQL CPU (78 + 21 before), and 100 users meet ≤ 300 ms. The load case now
  runs 240 s with 4 廉防办 and 3 纪检 accounts, so every page has 30 samples or more. A fresh
  worker makes one tiny PDF before taking requests, and cffi no longer parses a C type per new
  glyph count (first PDF vs third: 1.23× → ~1.0×). The person list pages by keys (last page
  0.54 s → 79 ms p95).

What still misses and why: the PDFs are laid out twice when a form crosses a page (issue 19's
continuation labels: the second layout prints the （续） labels and repeated headers), hence
1.7–2× one WeasyPrint layout for the bound volume against the older ≤ 1.1× target. Capacity
figures and sizing: [capacity.md](capacity.md).
"""


@dataclass
class Result:
    case: str
    ours: float
    unit: str
    floor: float | None = None
    floor_label: str = ""
    target: str = ""
    met: bool | None = None
    note: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        return round(self.ours / self.floor, 2) if self.floor else None


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    k = max(0, min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1))))
    return ordered[k]


def timed(fn, repeat: int) -> list[float]:
    """Milliseconds of `repeat` calls of fn, after one warm-up call."""
    fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def summary(samples: list[float]) -> dict:
    return {
        "p50": round(statistics.median(samples), 1),
        "p95": round(percentile(samples, 95), 1),
        "n": len(samples),
    }


def write_report(results: list[Result], meta: dict) -> None:
    DOCS.mkdir(exist_ok=True)
    payload = {"meta": meta, "results": [asdict(r) | {"ratio": r.ratio} for r in results]}
    (DOCS / "benchmarks.json").write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
    lines = [
        "# Benchmarks",
        "",
        f"Measured by `{'make bench BENCH_ARGS=--quick' if meta['quick'] else 'make bench'}` on "
        f"{meta['date']} ({meta['machine']}, database {meta['database']})"
        + (
            ": a QUICK run on small data (3 units × 100 staff, few repetitions), not the issue's scale."
            if meta["quick"]
            else "."
        ),
        "Each figure is set beside a floor or peer measured in the same run.",
        "",
        WHAT_CHANGED,
    ]
    missed = [r for r in results if r.met is False]
    lines += ["## Targets missed in this run", ""]
    lines += [f"- {r.case}: {r.ours:g} {r.unit} against {r.target}" for r in missed] or ["- none"]
    lines += [
        "",
        "## Every case",
        "",
        "| case | ours | floor / peer | ratio | target | met | note |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        floor = f"{r.floor:g} {r.unit} ({r.floor_label})" if r.floor is not None else "—"
        met = {True: "yes", False: "**no**", None: "—"}[r.met]
        lines.append(
            f"| {r.case} | {r.ours:g} {r.unit} | {floor} | {r.ratio or '—'} | {r.target or '—'} "
            f"| {met} | {r.note} |"
        )
    (DOCS / "benchmarks.md").write_text("\n".join(lines) + "\n")


def prepare_database(url: str, scale_units: int, staff: int) -> None:
    env = os.environ | {"DATABASE_URL": url, "DEBUG": "1"}
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
    subprocess.run([*manage, "load_demo"], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], env=env | {"DEBUG": "0", "SECRET_KEY": "x" * 50},
                   check=True, cwd=ROOT)  # fmt: skip
    subprocess.run(
        [*manage, "generate_scale_data", "--units", str(scale_units),
         "--staff-per-unit", str(staff), "--points-per-form", "5"],
        env=env, check=True, cwd=ROOT,
    )  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small data, few repetitions")
    parser.add_argument("--only", help="comma-separated case modules")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/riskreg_bench")
    if url.startswith("postgres"):
        name = url.rsplit("/", 1)[1]
        base = url.rsplit("/", 1)[0]
        subprocess.run(
            ["psql", f"{base}/postgres", "-q", "-c", f"DROP DATABASE IF EXISTS {name}"], check=True
        )
        subprocess.run(
            ["psql", f"{base}/postgres", "-q", "-c", f"CREATE DATABASE {name}"], check=True
        )
    else:
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    scale_units, staff = (3, 100) if args.quick else (100, 500)
    print(f"准备数据：{scale_units} 个单位 × {staff} 人 …", flush=True)
    prepare_database(url, scale_units, staff)

    os.environ.update(DATABASE_URL=url, DEBUG="0", SECRET_KEY="bench-only-secret-key-0123456789abcdef",
                      HTTPS="0", ALLOWED_HOSTS="127.0.0.1,localhost,testserver")  # fmt: skip
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "riskreg.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    ctx = {"quick": args.quick, "database_url": url, "root": ROOT}
    results: list[Result] = []
    modules = args.only.split(",") if args.only else CASE_MODULES
    meta = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "database": "PostgreSQL" if url.startswith("postgres") else "SQLite",
        "quick": args.quick,
    }
    failed = 0
    for name in modules:
        print(f"== {name} ==", flush=True)
        try:
            module = importlib.import_module(name)
            for result in module.run(ctx):
                print(f"  {result.case}: {result.ours:g} {result.unit}"
                      + (f" (floor {result.floor:g}, ×{result.ratio})" if result.floor else ""), flush=True)  # fmt: skip
                results.append(result)
        except Exception:
            # One broken module must not lose the others' figures: say it, go on.
            traceback.print_exc()
            failed += 1
            results.append(
                Result(case=f"{name}: stopped by an error", ours=0, unit="", met=False,
                       target="runs to the end", note="see the run's output")
            )  # fmt: skip
        write_report(results, meta)  # after each module: a later failure keeps these
    print(f"已写入 {DOCS / 'benchmarks.md'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
