from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from powers.demo import load_demo_powers
from risks.demo import load_demo_risks
from supervision.demo import load_demo_supervision
from units.demo import DEMO_PASSWORD, load_demo_org
from workflow.demo import demo_chain_load


class Command(BaseCommand):
    help = (
        "载入演示数据：广元市红十字会（GYRC）及利州区红十字会（GYRC-LZ）与演示账号。"
        "仅限 DEBUG 模式。"
    )

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("演示数据只能在开发环境（DEBUG=1）中载入，生产环境拒绝执行。")
        result = load_demo_org()
        # risks: the 2026 round of GYRC with a few filled-in forms
        result.changed += load_demo_risks()
        # workflow: move the round part-way along the chain (every state, an objection, filed forms)
        chain = demo_chain_load()
        result.changed += chain.transitions + chain.created
        # supervision: warnings, dispositions, rectification, a proposal to raise a level
        result.changed += load_demo_supervision()
        # powers: GYRC's 职权目录 with steps, the demo's risk points tied to them
        result.changed += load_demo_powers()
        self.stdout.write(
            "演示数据已就绪" + ("（本次有更新）。" if result.changed else "（无需更改）。")
        )
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        for username, name, role_text in result.accounts:
            self.stdout.write(f"  {username:<16} {name}　{role_text}")
