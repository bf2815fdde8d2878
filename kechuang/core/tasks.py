"""The in-process task backend: django-tasks' immediate execution, but on a background thread started
after the enqueuing transaction commits — so a web request that starts a large import returns at once
and the page can follow the job's progress.

A process that ends right after enqueuing (a management command run by cron) must not hand its work to
an in-process backend: the thread dies with the process. `run_or_queue` runs the task there and then
unless the backend is a durable queue (the database backend, worked by `kechuang db_worker`).

A task run apart from its caller — by a queue worker or on this backend's thread — holds a lease while it
runs (`leases.py`): if its process dies, the work is recognised as abandoned and ended."""

import logging
import threading

from django.db import close_old_connections, connection, transaction
from django_tasks.backends.immediate import ImmediateBackend

from . import leases

logger = logging.getLogger(__name__)


class ThreadBackend(ImmediateBackend):
    def _execute_task(self, task_result) -> None:
        def run():
            close_old_connections()
            try:
                super(ThreadBackend, self)._execute_task(task_result)
            finally:
                leases.end()  # also when the task's end was not signalled
                connection.close()

        transaction.on_commit(lambda: threading.Thread(target=run, daemon=True, name="kechuang-task").start())


def is_durable(task) -> bool:
    """Whether `task`'s backend keeps queued work outside this process (it survives the process)."""
    return not isinstance(task.get_backend(), ImmediateBackend)


def run_or_queue(task, *args, **kwargs) -> tuple[bool, object]:
    """(True, the task result) when queued on a durable backend; else (False, the return value) after
    running the task in this process."""
    if is_durable(task):
        return True, task.enqueue(*args, **kwargs)
    return False, task.call(*args, **kwargs)


def _backend_class(sender) -> type:
    return sender if isinstance(sender, type) else type(sender)  # db_worker sends the backend itself


def _runs_apart(sender) -> bool:
    backend = _backend_class(sender)
    return issubclass(backend, ThreadBackend) or not issubclass(backend, ImmediateBackend)


def hold_lease(sender, task_result, **kwargs) -> None:
    """django-tasks' task_started: the task is about to run in this thread. A lease that cannot be
    written (the lease directory not writable) is logged and the task still runs — though a sweep takes
    a queued task without a lease for abandoned once it has run longer than the lease."""
    if _runs_apart(sender):
        try:
            leases.begin(task_result, durable=not issubclass(_backend_class(sender), ImmediateBackend))
        except Exception:
            logger.exception("task %s runs without a lease", task_result.id)


def release_lease(sender, task_result, **kwargs) -> None:
    """django-tasks' task_finished: its outcome is recorded."""
    if _runs_apart(sender):
        leases.end()
