"""Roster import of 5,000 rows (bench/bench_roster.py, run in its own process and database)."""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.run import Result


def run(ctx) -> list[Result]:
    root: Path = ctx["root"]
    rows, repeat = (1000, 1) if ctx["quick"] else (5000, 3)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "roster.json"
        env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DEBUG")}
        env["DATABASE_URL"] = ctx["database_url"]
        subprocess.run(
            [sys.executable, "bench/bench_roster.py", "--rows", str(rows), "--repeat", str(repeat), "-o", str(out)],
            cwd=root, env=env, check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        data = json.loads(out.read_text())
    floor = data["openpyxl_read_plus_flat_bulk_insert"]["median_s"]
    read_only = data["openpyxl_read_only"]["median_s"]
    results = []
    for key, label in [
        ("import_new", "all new"),
        ("import_unchanged", "all unchanged"),
        ("import_all_updated", "all updated"),
        ("preview_dry_run_all_updated", "preview (dry run), all updated"),
    ]:
        ours = data[key]["median_s"]
        results.append(
            Result(
                case=f"roster import {rows} rows — {label}",
                ours=ours,
                unit="s",
                floor=floor,
                floor_label="openpyxl read + flat bulk insert",
                target="≤ 10 s",
                met=ours <= 10,
                note=f"median of {repeat}; openpyxl read alone {read_only} s",
            )
        )
    return results
