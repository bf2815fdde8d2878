"""Background steps of an import, run by django-tasks (in-process thread by default, db_worker in
production). Each holds a lease while it runs (`kechuang.core.leases`): if its process dies, the job is
found (by a worker's sweep, or when its page is opened) and fails with the reason."""

from django_tasks import task

from kechuang.core.leases import leased

from . import engine


@task()
@leased(subject=engine.subject, abandoned="kechuang.tabular.engine.validation_abandoned")
def validate_import(job_id: int) -> None:
    engine.validate(job_id)


@task()
@leased(subject=engine.subject, abandoned="kechuang.tabular.engine.commit_abandoned")
def commit_import(job_id: int) -> None:
    engine.commit(job_id)


def enqueue_commit(job, event) -> None:
    """The commit transition's step: queue the run (the backends start it once the transaction commits)."""
    commit_import.enqueue(job.pk)
