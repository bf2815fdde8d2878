"""Leases of running tasks: held, with a heartbeat and the progress reported, for as long as a task runs
apart from its caller (here on the thread backend); ended by a sweep once the heartbeat is older than the
lease, with the task's own handler called. On SQLite the leases are files, on PostgreSQL rows written
through the heartbeat thread's own connection."""

import os
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks import task

from kechuang.core import leases
from kechuang.core.leases import leased
from kechuang.core.tasks import ThreadBackend

pytestmark = pytest.mark.django_db

RUNNING = threading.Event()
GATE = threading.Event()
ENDED = []


def abandoned(name, *, reason):
    ENDED.append((name, reason))


@task()
@leased(subject=lambda name: f"test:{name}", abandoned="kechuang.core.tests.test_leases.abandoned")
def slow(name):
    leases.report(7)
    RUNNING.set()
    GATE.wait(10)


@pytest.fixture(autouse=True)
def lease_dir(settings, tmp_path):
    settings.KECHUANG_LEASE_DIR = tmp_path / "leases"
    settings.KECHUANG_TASK_LEASE_SECONDS = 60
    ENDED.clear()


def _until(condition, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError("超时")


def test_a_task_on_the_thread_backend_holds_a_lease_while_it_runs(
    settings, django_capture_on_commit_callbacks
):
    settings.KECHUANG_TASK_HEARTBEAT_SECONDS = 0.05
    RUNNING.clear()
    GATE.clear()
    with django_capture_on_commit_callbacks(execute=True):
        ThreadBackend("test", {}).enqueue(slow, ["甲"], {})
    assert RUNNING.wait(10)
    first = leases.find("test:甲")
    assert first is not None and first.task_path == "kechuang.core.tests.test_leases.slow"
    assert first.args == ["甲"] and first.pid == os.getpid() and not first.durable
    # the heartbeat moves on and carries the progress the task reported
    later = _until(lambda: (lease := leases.find("test:甲")) and lease.processed == 7 and lease)
    _until(lambda: leases.find("test:甲").heartbeat_at > later.heartbeat_at)
    assert leases.sweep() == [] and ENDED == []  # alive: nothing to end
    GATE.set()
    _until(lambda: leases.find("test:甲") is None)


def _put(name, *, age, task_id):
    beat = timezone.now() - timedelta(seconds=age)
    leases.store().put(
        leases.Lease(
            task_id=task_id,
            task_path="kechuang.core.tests.test_leases.slow",
            args=[name],
            subject=f"test:{name}",
            worker="w-1",
            host="kc-worker-2",
            pid=31337,
            started_at=beat,
            heartbeat_at=beat,
        )
    )


def test_a_lease_older_than_the_lease_time_is_ended_through_the_tasks_handler():
    _put("乙", age=61, task_id="t-stale")
    _put("丙", age=59, task_id="t-alive")
    assert leases.sweep() == ["t-stale"]
    [(name, reason)] = ENDED
    assert name == "乙"
    assert reason.startswith("工作进程 w-1，主机 kc-worker-2，PID 31337，最后一次心跳在 ")
    assert reason.endswith("此后超过 60 秒没有心跳")
    assert leases.find("test:乙") is None and leases.find("test:丙") is not None
    assert leases.sweep(subject="test:丙") == []


def test_a_stale_lease_beside_a_later_run_of_the_same_work_is_only_cleared():
    _put("丁", age=300, task_id="t-old-run")
    _put("丁", age=1, task_id="t-new-run")
    assert leases.sweep(subject="test:丁") == [] and ENDED == []
    assert leases.find("test:丁").task_id == "t-new-run"
    assert [lease.task_id for lease in leases.store().of_subject("test:丁")] == ["t-new-run"]


def test_a_lease_that_cannot_be_written_does_not_stop_the_task(
    settings, tmp_path, django_capture_on_commit_callbacks
):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite 的租约是文件：这里让租约目录不可写")
    (tmp_path / "not-a-directory").write_text("")
    settings.KECHUANG_LEASE_DIR = tmp_path / "not-a-directory" / "leases"
    RUNNING.clear()
    GATE.set()
    with django_capture_on_commit_callbacks(execute=True):
        ThreadBackend("test", {}).enqueue(slow, ["戊"], {})
    assert RUNNING.wait(10)
