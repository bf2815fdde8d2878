from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kechuang.core"
    label = "core"
    verbose_name = "公共"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save
        from django_tasks.signals import task_finished, task_started

        from . import checks, tasks, workdays  # noqa: F401  (checks: registers the system checks)
        from .models import CalendarDay

        # a task run apart from whoever queued it (a queue worker, the thread backend) holds a lease
        task_started.connect(tasks.hold_lease, dispatch_uid="kechuang-lease-start")
        task_finished.connect(tasks.release_lease, dispatch_uid="kechuang-lease-end")
        # an edited holiday calendar is counted at once
        post_save.connect(workdays.forget, sender=CalendarDay, dispatch_uid="kechuang-calendar-saved")
        post_delete.connect(workdays.forget, sender=CalendarDay, dispatch_uid="kechuang-calendar-deleted")
