from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "kechuang.plans"
    label = "plans"
    verbose_name = "行动方案"
    # the app's pages, mounted by the site (prefix → URL module, or a module's (patterns, namespace))
    url_modules = [
        ("plans/", "kechuang.plans.urls"),
    ]
