import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from bench.scale import generate


class Command(BaseCommand):
    help = (
        "生成压力测试用的模拟数据（单位、部室、岗位、人员、各状态的一览表、风险点与措施、评议、流转记录、审定会议、公示与异议），"
        "批量写入。"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--units", type=int, default=10, help="单位数量")
        parser.add_argument("--staff-per-unit", type=int, default=100, help="每个单位的人数")
        parser.add_argument("--points-per-form", type=int, default=5, help="每张一览表的风险点数")
        parser.add_argument(
            "--seed", type=int, default=2026, help="随机种子（相同种子生成相同数据）"
        )

    def handle(self, *args, **options) -> None:
        if options["units"] < 1 or options["staff_per_unit"] < 10 or options["points_per_form"] < 1:
            raise CommandError(
                "参数不合理：--units ≥ 1，--staff-per-unit ≥ 10，--points-per-form ≥ 1。"
            )
        started = time.perf_counter()
        result = generate(
            units=options["units"],
            staff_per_unit=options["staff_per_unit"],
            points_per_form=options["points_per_form"],
            seed=options["seed"],
        )
        # A bulk load leaves the planner's statistics stale until autovacuum gets round to it;
        # plans made on them (nested loops over "1 row" that is 50,000) are what a real
        # database, analysed as it grew, would never see.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        self.stdout.write(
            f"已生成：单位 {result.units}，人员 {result.people}，一览表 {result.forms}，"
            f"风险点 {result.points}，防控措施 {result.measures}，评议意见 {result.ratings}，"
            f"流转记录 {result.log_rows}，审定记录 {result.decisions}，异议 {result.objections}；"
            f"用时 {time.perf_counter() - started:.1f} 秒。"
        )
