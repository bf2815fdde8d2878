from django.apps import AppConfig


class EnterprisesConfig(AppConfig):
    name = "kechuang.enterprises"
    label = "enterprises"
    verbose_name = "科技企业"
    demo_order = 10  # the site loads each app's demo.py (`load_demo(plan)`) in this order
    # the app's pages, mounted by the site (prefix → URL module, or a module's (patterns, namespace))
    url_modules = [
        ("enterprises/years/", "kechuang.enterprises.urls.years"),
        ("enterprises/qualifications/", "kechuang.enterprises.urls.qualifications"),
        ("enterprises/", "kechuang.enterprises.urls"),
    ]

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from kechuang.metrics.registry import metrics

        from . import signals  # noqa: F401  (keeps the qualification summaries in step)
        from .summaries import reading

        metrics.add_reader(reading)  # a cockpit view reads each scope's summary series once

        post_migrate.connect(_after_migrate, sender=self, dispatch_uid="summaries_after_migrate")


def _after_migrate(sender, **kwargs) -> None:
    from .summaries import build_if_missing

    build_if_missing()
