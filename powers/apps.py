from django.apps import AppConfig


class PowersConfig(AppConfig):
    """清权确权: the power list (职权目录) of units, departments and posts, the steps each power
    runs through (权力运行流程图), and the ties from risk points to those steps."""

    name = "powers"
    verbose_name = "清权确权"
