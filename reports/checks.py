"""`manage.py check` warns when PDFs would print Chinese as boxes (no CJK font installed)."""

from django.core.checks import Warning, register

from reports.pdf import missing_cjk_fonts


@register()
def cjk_fonts_installed(app_configs, **kwargs) -> list[Warning]:
    missing = missing_cjk_fonts()
    if not missing:
        return []
    return [
        Warning(
            f"PDF 报表所需的中文字体未安装：{'、'.join(missing)}。",
            hint="执行 bash scripts/system-deps.sh"
            "（或 sudo apt-get install fonts-noto-cjk fontconfig）。",
            id="reports.W001",
        )
    ]
