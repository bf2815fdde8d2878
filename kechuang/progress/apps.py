from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class ProgressConfig(AppConfig):
    name = "kechuang.progress"
    label = "progress"
    verbose_name = "进度监测"

    def ready(self) -> None:
        # Each domain app declares its metrics in its own metrics.py, found like admin.py.
        autodiscover_modules("metrics")
