from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class MetricsConfig(AppConfig):
    """The seam between registries and the plan: named metrics declared by each app's metrics.py, and
    periods (2021, 2021Q3, 2021-07)."""

    name = "kechuang.metrics"
    label = "metrics"
    verbose_name = "指标口径"

    def ready(self) -> None:
        # Each domain app declares its metrics in its own metrics.py, found like admin.py.
        autodiscover_modules("metrics")
