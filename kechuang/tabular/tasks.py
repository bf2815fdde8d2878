"""Background steps of an import, run by django-tasks (in-process thread by default, db_worker in
production)."""

from django_tasks import task

from . import engine


@task()
def validate_import(job_id: int) -> None:
    engine.validate(job_id)


@task()
def commit_import(job_id: int) -> None:
    engine.commit(job_id)


def enqueue_commit(job, event) -> None:
    """The commit transition's step: queue the run (the backends start it once the transaction commits)."""
    commit_import.enqueue(job.pk)
