"""Benchmarks of the reports (issue 6 budgets), on a throw-away database.

    python bench/bench_reports.py [--quick] [-o docs/benchmarks/reports.json]

Measures, warm (median of several runs):
- a 10-point form's PDF rendered from the database (budget: under a second);
- a filed form's PDF served from storage through the view (budget: milliseconds);
- the bound volume of 1,000 risk points, end to end, against WeasyPrint alone on the very same
  HTML (budget: at most 1.1×);
- the quarterly summary over 50,000 risk points and its query count (budget: a few hundred ms).
Uses SQLite in a temporary directory unless DATABASE_URL is set.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _setup(tmp: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "riskreg.settings")
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp / 'bench.sqlite3'}")
    os.environ["MEDIA_ROOT"] = str(tmp / "media")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def _median(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _data(n_forms: int, points_per_form: int, extra_points: int):
    from django.contrib.auth.models import User

    from risks.models import Measure, RiskForm, RiskPoint, Round
    from units.demo import load_demo_org
    from units.enums import PostTier
    from units.models import Department, Post, Unit
    from workflow.enums import FormState

    load_demo_org()
    unit = Unit.objects.get(code="GYRC")
    rnd = Round.objects.create(unit=unit, year=2026, title="基准测试轮次")
    departments = list(Department.objects.filter(unit=unit))
    posts = Post.objects.bulk_create(
        Post(
            unit=unit,
            department=departments[i % len(departments)],
            name=f"基准岗位{i:04d}",
            tier=PostTier.STAFF,
            is_key=i % 3 == 0,
            duties="负责本岗位职责范围内的审核、登记、发放和档案管理工作。" * 2,
            order=100 + i,
        )
        for i in range(n_forms)
    )
    forms = []
    for post in posts:
        form = RiskForm(
            round=rnd, unit=unit, subject_kind="post", post=post, department=post.department
        )
        form.save()
        forms.append(form)
    points = RiskPoint.objects.bulk_create(
        RiskPoint(
            form=form,
            order=j,
            category=("duty", "process", "external", "system")[j % 4],
            description=f"第{j}项：审核把关不严，违规办理或优亲厚友，造成资金、物资流失的风险。",
            likelihood=1 + j % 3,
            harm=1 + (j // 3) % 3,
            proposed_level=1 + j % 3,
        )
        for form in forms
        for j in range(1, points_per_form + 1)
    )
    Measure.objects.bulk_create(
        Measure(point=p, order=k, text=f"措施{k}：实行双人经办、领导审批，定期公示，接受群众监督。")
        for p in points
        for k in (1, 2)
    )
    if extra_points:
        # Kept out of the volume's round: they only feed the quarterly summary.
        other = Round.objects.create(unit=unit, year=2026, title="基准测试轮次（汇总）")
        extra_forms = []
        for post in posts:
            form = RiskForm(
                round=other, unit=unit, subject_kind="post", post=post, department=post.department
            )
            form.save()
            extra_forms.append(form)
        RiskPoint.objects.bulk_create(
            (
                RiskPoint(
                    form=extra_forms[i % len(extra_forms)],
                    order=1000 + i,
                    category=("duty", "process", "external", "system", "moral")[i % 5],
                    description="统计用风险点",
                    proposed_level=1 + i % 3,
                )
                for i in range(extra_points)
            ),
            batch_size=5000,
        )
    RiskForm.objects.filter(pk__in=[f.pk for f in forms]).update(state=FormState.FILED)
    inspector = User.objects.get(username="demo_inspector")
    return unit, rnd, forms, inspector


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs, no 50,000-point summary")
    parser.add_argument(
        "-o", "--output", default=str(ROOT / "docs" / "benchmarks" / "reports.json")
    )
    args = parser.parse_args()
    runs = 3 if args.quick else 5

    with tempfile.TemporaryDirectory() as tmpdir:
        _setup(Path(tmpdir))
        from django.db import connection
        from django.test.utils import CaptureQueriesContext
        from django.urls import reverse
        from weasyprint import HTML

        from reports import quarterly, selectors, services
        from reports.models import ReportFile
        from risks.models import RiskPoint

        unit, rnd, forms, inspector = _data(100, 10, 0 if args.quick else 49_000)
        results: dict = {
            "machine": {"python": platform.python_version(), "platform": platform.platform()},
            "database": connection.vendor,
        }

        # 1. a 10-point form's PDF, warm
        pk = forms[0].pk

        def form_pdf() -> bytes:
            form = selectors.form_queryset().get(pk=pk)
            return services.render_form(form=form, fmt="pdf")

        form_html = services.form_print_html(selectors.form_queryset().get(pk=pk))

        def form_weasyprint_alone() -> bytes:
            return HTML(string=form_html, base_url=str(ROOT)).write_pdf()

        form_pdf()
        form_weasyprint_alone()
        results["form_pdf_10_points_s"] = round(_median(form_pdf, runs), 4)
        results["form_pdf_weasyprint_alone_s"] = round(_median(form_weasyprint_alone, runs), 4)

        # 2. a filed form's PDF from storage, through the view (permission check included)
        from bench.cases_pages import client_for

        client = client_for(inspector)  # past the second factor 纪检 needs
        url = reverse("reports:form_pdf", args=[pk])
        first = client.get(url)
        b"".join(first.streaming_content)
        assert ReportFile.objects.filter(form_id=pk).count() == 1

        def stored() -> None:
            response = client.get(url)
            b"".join(response.streaming_content)

        # The floor: the lightest logged-in page (修改密码) through the same client.
        def login_form() -> None:
            assert client.get(reverse("password_change")).status_code == 200

        stored()
        login_form()
        results["form_pdf_from_storage_ms"] = round(_median(stored, runs * 4) * 1000, 2)
        results["login_form_ms"] = round(_median(login_form, runs * 4) * 1000, 2)

        # 3. the bound volume of 1,000 points vs WeasyPrint alone on the same HTML
        def volume() -> bytes:
            vforms = selectors.volume_forms(user=selectors.OPERATOR, unit=unit, round=rnd)
            return services.render_volume(unit=unit, round=rnd, forms=vforms)

        vforms = selectors.volume_forms(user=selectors.OPERATOR, unit=unit, round=rnd)
        n_points = sum(len(f.points.all()) for f in vforms)
        html = services.volume_html(unit=unit, round=rnd, forms=vforms)

        def weasyprint_alone() -> bytes:
            return HTML(string=html, base_url=str(ROOT)).write_pdf()

        def html_only() -> str:
            vforms = selectors.volume_forms(user=selectors.OPERATOR, unit=unit, round=rnd)
            return services.volume_html(unit=unit, round=rnd, forms=vforms)

        # Interleaved runs, so that drift of the machine hits both sides alike.
        vol_runs = 1 if args.quick else 3
        pages = len(HTML(string=html, base_url=str(ROOT)).render().pages)
        alone, end_to_end = [], []
        for _ in range(vol_runs):
            alone.append(_median(weasyprint_alone, 1))
            end_to_end.append(_median(volume, 1))
        t_weasy, t_volume = statistics.median(alone), statistics.median(end_to_end)
        results["volume"] = {
            "risk_points": n_points,
            "forms": len(forms),
            "pages": pages,
            "end_to_end_s": round(t_volume, 3),
            "weasyprint_alone_s": round(t_weasy, 3),
            "ratio": round(t_volume / t_weasy, 3),
            "queries_and_template_s": round(_median(html_only, runs), 3),
        }

        # 4. the quarterly summary over all points (roles loaded once, as in a request)
        def summary():
            return quarterly.build_summary(unit=unit, year=2026, quarter=4, user=inspector)

        def count_points() -> int:
            return RiskPoint.objects.filter(form__unit=unit).count()

        summary()
        count_points()
        with CaptureQueriesContext(connection) as queries:
            total = summary().total_points
        results["quarterly"] = {
            "risk_points": total,
            "build_ms": round(_median(summary, runs) * 1000, 1),
            "count_points_ms": round(_median(count_points, runs) * 1000, 1),
            "queries": len(queries),
        }

    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
