from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "kechuang.audit"
    label = "audit"
    verbose_name = "审计日志"

    def ready(self) -> None:
        from . import checks, signals  # noqa: F401  (the deploy checks; the change and login receivers)
