"""Scheduled work on the task queue."""

from datetime import date

from django_tasks import task


@task()
def send_reminders(as_of: str) -> dict:
    from kechuang.projects.interim import remind as remind_interim
    from kechuang.reviews.reminders import remind_reviewers

    from .cockpit import active_plan
    from .reminders import run_reminders

    plan = active_plan()
    day = date.fromisoformat(as_of)
    counts = run_reminders(plan, day) if plan else {}
    return {**counts, **remind_reviewers(day), **remind_interim(day)} if plan else counts
