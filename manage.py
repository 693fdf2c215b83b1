#!/usr/bin/env python
"""Django's command-line utility for riskreg."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "riskreg.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as exc:
        # A missing or wrong environment setting is an operator's mistake, not a crash: say
        # what is wrong and how to set it, without a traceback.
        sys.stderr.write(
            f"配置错误：{exc}\n"
            "开发环境请先执行 export DEBUG=1（make run 已自动设置）；"
            "生产环境请设置 SECRET_KEY 等环境变量（见 README 的 Settings 一节）。\n"
        )
        sys.exit(2)


if __name__ == "__main__":
    main()
