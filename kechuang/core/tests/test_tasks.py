"""The in-process task backend runs a task on a background thread once the transaction commits."""

import threading

import pytest
from django_tasks import task

from kechuang.core import leases
from kechuang.core.tasks import ThreadBackend

RAN = []
DONE = threading.Event()


@task()
def remember(value):
    RAN.append((value, threading.current_thread().name))
    DONE.set()


@pytest.mark.django_db
def test_thread_backend_runs_after_commit_on_another_thread(django_capture_on_commit_callbacks):
    backend = ThreadBackend("test", {})
    RAN.clear()
    DONE.clear()
    with django_capture_on_commit_callbacks(execute=True):
        backend.enqueue(remember, ["导入任务"], {})
        assert RAN == []  # nothing runs before the transaction commits
    assert DONE.wait(10)
    assert RAN == [("导入任务", "kechuang-task")]
    # the thread ends its lease before it ends — and before the test does: once the test is over its
    # database access is blocked, and a lease left behind would look like abandoned work to later sweeps
    for thread in threading.enumerate():
        if thread.name == "kechuang-task":
            thread.join(10)
    assert [lease.task_path for lease in leases.store().all()] == []
