from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class TabularConfig(AppConfig):
    name = "kechuang.tabular"
    label = "tabular"
    verbose_name = "表格导入导出"
    # the app's pages, mounted by the site (prefix → URL module, or a module's (patterns, namespace))
    url_modules = [
        ("tables/", "kechuang.tabular.urls"),
    ]

    def ready(self) -> None:
        # Each registry declares its sheet(s) in its app's sheets.py.
        autodiscover_modules("sheets")
