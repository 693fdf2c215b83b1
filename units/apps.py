from django.apps import AppConfig


class UnitsConfig(AppConfig):
    """Organisation: units, departments, posts, people and role grants."""

    name = "units"
    verbose_name = "组织机构"
