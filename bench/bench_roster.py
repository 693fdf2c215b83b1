"""Benchmark of the roster import (issue 3): a 5,000-row roster, against the floor of just
reading the same file with openpyxl and bulk-inserting flat rows.

    python bench/bench_roster.py [--rows 5000] [--repeat 3] [-o FILE.json]

Runs in a throw-away test database (SQLite in memory by default; PostgreSQL when DATABASE_URL
points at it, as a `test_…` database created and dropped here). Prints the figures and writes
them as JSON. `make bench` runs it.
"""

import argparse
import io
import json
import os
import platform
import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "riskreg.settings_test")

import django  # noqa: E402

django.setup()

import openpyxl  # noqa: E402
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import setup_test_environment, teardown_test_environment  # noqa: E402

from units import services  # noqa: E402
from units.models import Person, Unit  # noqa: E402
from units.roster import HEADERS  # noqa: E402

TIERS = ["工作人员"] * 8 + ["部室负责人"]


def make_roster(rows: int, *, phone_offset: int = 0) -> bytes:
    """A realistic roster: a merged title row, 40 departments, leadership rows, numbers as
    numbers (phones), 工号 as text with leading zeros."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["基准测试单位在职人员花名册"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
    sheet.append(HEADERS)
    for i in range(rows):
        if i < 5:
            department, post, tier = "", f"班子成员{i}", "党政一把手" if i == 0 else "其他班子成员"
        else:
            department, post, tier = f"部室{i % 40:02d}", f"岗位{i % 25:02d}", TIERS[i % 9 % 2]
            post = post if tier == "工作人员" else "负责人"
        sheet.append(
            [
                f"{i:06d}",
                f"人员{i}",
                department,
                post,
                "科员",
                tier,
                "是" if i % 10 == 0 else "否",
                13900000000 + i + phone_offset,
                f"p{i}@example.cn",
                "是",
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def best_and_median(samples: list[float]) -> dict[str, float]:
    return {"best_s": round(min(samples), 3), "median_s": round(statistics.median(samples), 3)}


def new_unit(n: int) -> Unit:
    unit = Unit(code=f"BENCH{n}", name=f"基准测试单位{n}")
    unit.save()
    return unit


def openpyxl_read(content: bytes) -> list[tuple]:
    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    rows = list(workbook.active.iter_rows(values_only=True))
    workbook.close()
    return rows


def flat_insert(content: bytes, unit: Unit) -> None:
    """The floor: read the cells, then bulk-insert logins and people as they are, no checks."""
    rows = openpyxl_read(content)[2:]
    with transaction.atomic():
        users = User.objects.bulk_create(
            [
                User(
                    username=f"{unit.code}-{r[0]}",
                    password=UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30),
                )
                for r in rows
            ],
            batch_size=1000,
        )
        Person.objects.bulk_create(
            [
                Person(
                    user=user,
                    unit=unit,
                    employee_no=r[0],
                    name=r[1],
                    job_title=r[4],
                    phone=str(r[7]),
                    email=r[8],
                )
                for r, user in zip(rows, users, strict=True)
            ],
            batch_size=1000,
        )


def run(rows: int, repeat: int) -> dict:
    content = make_roster(rows)
    changed = make_roster(rows, phone_offset=1)
    counter = iter(range(10_000))
    read, floor, first, again, update, dry = [], [], [], [], [], []
    for _ in range(repeat):
        read.append(timed(lambda: openpyxl_read(content)))
        floor.append(timed(lambda: flat_insert(content, new_unit(next(counter)))))
        unit = new_unit(next(counter))

        def imp(data, unit=unit, dry_run=False):
            result = services.roster_import(
                unit=unit,
                content=data,
                file_name="bench.xlsx",
                dry_run=dry_run,
                # Generated names repeat: same-name warnings are accepted, as --accept-warnings.
                accept_warnings=True,
            )
            assert result.ok, result.plan.errors[:3]
            return result

        first.append(timed(lambda: imp(content)))
        dry.append(timed(lambda: imp(changed, dry_run=True)))
        again.append(timed(lambda: imp(content)))
        update.append(timed(lambda: imp(changed)))
    return {
        "rows": rows,
        "repeat": repeat,
        "file_bytes": len(content),
        "database": connection.vendor,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "openpyxl_read_only": best_and_median(read),
        "openpyxl_read_plus_flat_bulk_insert": best_and_median(floor),
        "import_new": best_and_median(first),
        "import_unchanged": best_and_median(again),
        "import_all_updated": best_and_median(update),
        "preview_dry_run_all_updated": best_and_median(dry),
        "budget_s": 10,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("-o", "--output", default=str(ROOT / "docs" / "benchmarks-roster.json"))
    args = parser.parse_args()

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        figures = run(args.rows, args.repeat)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()

    floor = figures["openpyxl_read_plus_flat_bulk_insert"]["median_s"]
    figures["import_new_vs_floor"] = round(figures["import_new"]["median_s"] / floor, 2)
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"名册导入基准（{figures['rows']} 行，{figures['database']}，取 {args.repeat} 次中位数）")
    for key in (
        "openpyxl_read_only",
        "openpyxl_read_plus_flat_bulk_insert",
        "import_new",
        "import_unchanged",
        "import_all_updated",
        "preview_dry_run_all_updated",
    ):
        print(f"  {key:<40} {figures[key]['median_s']:>7.3f} s")
    print(f"  新增导入 / 读取+批量插入 = {figures['import_new_vs_floor']} 倍；结果已写入 {output}")


if __name__ == "__main__":
    main()
