"""PDF reports (bench/bench_reports.py, run in its own process on its own throw-away database)."""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.run import Result


def _own_database(url: str) -> tuple[str, str | None]:
    """A separate PostgreSQL database beside the bench one (bench_reports loads its own demo
    organisation), or SQLite in a temporary directory when the bench runs on SQLite."""
    if not url.startswith("postgres"):
        return "", None
    base, name = url.rsplit("/", 1)
    own = f"{name}_reports"
    for sql in (f"DROP DATABASE IF EXISTS {own}", f"CREATE DATABASE {own}"):
        subprocess.run(["psql", f"{base}/postgres", "-q", "-c", sql], check=True)
    return f"{base}/{own}", f"{base}/postgres"


def run(ctx) -> list[Result]:
    root: Path = ctx["root"]
    url, admin = _own_database(ctx["database_url"])
    try:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "reports.json"
            env = {
                k: v
                for k, v in os.environ.items()
                if k not in ("DJANGO_SETTINGS_MODULE", "DEBUG", "DATABASE_URL")
            }
            if url:
                env["DATABASE_URL"] = url
            subprocess.run(
                [sys.executable, "bench/bench_reports.py", "-o", str(out), *(["--quick"] if ctx["quick"] else [])],
                cwd=root, env=env, check=True, stdout=subprocess.DEVNULL,
            )  # fmt: skip
            data = json.loads(out.read_text())
    finally:
        if admin:
            name = url.rsplit("/", 1)[1]
            subprocess.run(
                ["psql", admin, "-q", "-c", f"DROP DATABASE IF EXISTS {name}"], check=False
            )
    vol = data["volume"]
    quarterly = data["quarterly"]
    return [
        Result(
            case="PDF: 10-point form, rendered from the database",
            ours=round(data["form_pdf_10_points_s"] * 1000, 1),
            unit="ms",
            floor=round(data["form_pdf_weasyprint_alone_s"] * 1000, 1),
            floor_label="WeasyPrint alone on the same HTML",
            target="< 1000 ms",
            met=data["form_pdf_10_points_s"] < 1,
            note="median, warm",
        ),
        Result(
            case="PDF: filed form served from storage (through the view)",
            ours=data["form_pdf_from_storage_ms"],
            unit="ms",
            floor=data["login_form_ms"],
            floor_label="the lightest logged-in page (修改密码) through the same client",
            target="< 100 ms",
            met=data["form_pdf_from_storage_ms"] < 100,
            note="median, permission check included",
        ),
        Result(
            case=f"PDF: bound volume, {vol['risk_points']} points ({vol['pages']} pages)",
            ours=vol["end_to_end_s"],
            unit="s",
            floor=vol["weasyprint_alone_s"],
            floor_label="WeasyPrint alone on the same HTML",
            target="≤ 1.1× WeasyPrint",
            met=vol["ratio"] <= 1.1,
            note=f"queries + template {vol['queries_and_template_s']} s; the volume is laid out "
            "twice when a form crosses a page (reports/pdf.py sheets_document: the second layout "
            "prints the （续） labels and repeated headers of issue 19), so about 2× one "
            "WeasyPrint layout is what that design costs",
        ),
        Result(
            case=f"quarterly summary build, {quarterly['risk_points']} points in one unit",
            ours=quarterly["build_ms"],
            unit="ms",
            floor=quarterly["count_points_ms"],
            floor_label="one COUNT over the same points",
            target="≤ 1000 ms",
            met=quarterly["build_ms"] <= 1000,
            note=f"{quarterly['queries']} queries (database aggregation, no per-unit query)",
        ),
    ]
