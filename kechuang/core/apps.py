from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kechuang.core"
    label = "core"
    verbose_name = "公共"

    def ready(self) -> None:
        from django_tasks.signals import task_finished, task_started

        from . import checks, tasks  # noqa: F401  (checks: registers the system checks)

        # a task run apart from whoever queued it (a queue worker, the thread backend) holds a lease
        task_started.connect(tasks.hold_lease, dispatch_uid="kechuang-lease-start")
        task_finished.connect(tasks.release_lease, dispatch_uid="kechuang-lease-end")
