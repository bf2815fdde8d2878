from django.apps import AppConfig


class SiteConfig(AppConfig):
    """The top of the house: home and 我的待办, navigation, error pages, template tags, the demo and
    province orchestration (which only calls each app's own demo.py)."""

    name = "kechuang.site"
    label = "site"
    verbose_name = "门户"
