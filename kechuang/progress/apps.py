from django.apps import AppConfig


class ProgressConfig(AppConfig):
    name = "kechuang.progress"
    label = "progress"
    verbose_name = "进度监测"
    demo_order = 40  # the site loads each app's demo.py (`load_demo(plan)`) in this order
    # the app's pages, mounted by the site (prefix → URL module, or a module's (patterns, namespace))
    url_modules = [
        ("progress/", "kechuang.progress.urls"),
    ]

    def ready(self) -> None:
        # a target's actual value for the plan pages (registered with the metrics layer below plans)
        from . import actuals  # noqa: F401
