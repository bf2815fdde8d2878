"""The in-process task backend: django-tasks' immediate execution, but on a background thread started
after the enqueuing transaction commits — so a web request that starts a large import returns at once
and the page can follow the job's progress."""

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
