"""The in-process task backend: django-tasks' immediate execution, but on a background thread started
after the enqueuing transaction commits — so a web request that starts a large import returns at once
and the page can follow the job's progress.

A process that ends right after enqueuing (a management command run by cron) must not hand its work to
an in-process backend: the thread dies with the process. `run_or_queue` runs the task there and then
unless the backend is a durable queue (the database backend, worked by `kechuang db_worker`)."""

import threading

from django.db import close_old_connections, connection, transaction
from django_tasks.backends.immediate import ImmediateBackend


class ThreadBackend(ImmediateBackend):
    def _execute_task(self, task_result) -> None:
        def run():
            close_old_connections()
            try:
                super(ThreadBackend, self)._execute_task(task_result)
            finally:
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
