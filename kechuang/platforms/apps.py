from django.apps import AppConfig


class PlatformsConfig(AppConfig):
    name = "kechuang.platforms"
    label = "platforms"
    verbose_name = "科技创新平台"
    demo_order = 20  # the site loads each app's demo.py (`load_demo(plan)`) in this order
    # the app's pages, mounted by the site (prefix → URL module, or a module's (patterns, namespace))
    url_modules = [
        ("platforms/", "kechuang.platforms.urls"),
    ]
