"""Scheduled work on the task queue."""

from datetime import date

from django_tasks import task


@task()
def send_reminders(as_of: str) -> dict:
    from .cockpit import active_plan
    from .reminders import run_reminders

    plan = active_plan()
    return run_reminders(plan, date.fromisoformat(as_of)) if plan else {}
