from django.apps import AppConfig


class EnterprisesConfig(AppConfig):
    name = "kechuang.enterprises"
    label = "enterprises"
    verbose_name = "科技企业"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (keeps the qualification summaries in step)
