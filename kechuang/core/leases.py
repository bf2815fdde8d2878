"""Leases on running background work: a task that is running says so, every few seconds, for as long as
its process lives — so that work whose process died (`kill -9`, a machine that went down, a web process
recycled under its thread) is recognised and ended instead of showing “running” forever.

While a task runs on a queue worker (`kechuang db_worker`) or on the in-process thread backend, its
runner holds a lease: a record of the task (its path, arguments and what it works on) and a heartbeat,
refreshed by a thread of its own every `KECHUANG_TASK_HEARTBEAT_SECONDS`. The heartbeat is written
outside the work's transaction, and so is the progress the work reports (`report(processed)`): a page
shows it while the work's own writes are still uncommitted.

Where a lease is kept depends on the database:

- PostgreSQL: a row of `core.TaskLease`, written by the heartbeat thread through its own connection
  (autocommit; the work's transaction never touches that table). Its times are the database's clock, so
  the app servers' clocks do not matter.
- SQLite: a small JSON file per running task under `KECHUANG_LEASE_DIR`, replaced atomically. An import
  holds SQLite's one write lock until it commits, so no other connection could write a heartbeat into
  the database meanwhile; and SQLite means one machine, whose processes all see the same directory.

A lease whose heartbeat is older than `KECHUANG_TASK_LEASE_SECONDS` belongs to work whose process is gone.
`sweep()` finds such leases — a worker runs it when it starts and every `KECHUANG_TASK_SWEEP_SECONDS`
after, and a page of the work's subject (an import job's) runs it for that subject when opened — and ends
the work: the task's declared handler is called (an import job then fails through its workflow, with
the reason), the queue's task result is marked failed and the lease removed. Tasks a worker claimed but
died before leasing are found the same way (running longer than the lease, with no lease).

A task declares what it works on and what to do when it is abandoned beside its definition:

    @task()
    @leased(subject=lambda job_id: f"tabular.importjob:{job_id}", abandoned="…engine.commit_abandoned")
    def commit_import(job_id): ...
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import close_old_connections, connections
from django.utils import timezone
from django.utils.module_loading import import_string

from .context import Source, audit_context

logger = logging.getLogger(__name__)


class Abandoned(Exception):
    """The class recorded on a queue's task result when its worker was found dead."""


@dataclass(frozen=True)
class Declaration:
    subject: Callable[..., str]
    abandoned: Callable[..., None] | str | None = None

    def handler(self):
        return import_string(self.abandoned) if isinstance(self.abandoned, str) else self.abandoned


def leased(*, subject: Callable[..., str], abandoned: Callable[..., None] | str | None = None):
    """Declare on a task's function (below `@task()`): the subject it works on, from the task's arguments
    (an import job: "tabular.importjob:42"), and the handler called as `abandoned(*args, reason=…,
    **kwargs)` when its process is found dead (a dotted path, so a task module need not import it)."""

    def declare(func):
        func.lease_declaration = Declaration(subject, abandoned)
        return func

    return declare


def declaration_of(task_path: str) -> Declaration | None:
    try:
        task = import_string(task_path)
    except ImportError:
        return None
    return getattr(getattr(task, "func", None), "lease_declaration", None)


@dataclass
class Lease:
    task_id: str
    task_path: str
    args: list = field(default_factory=list)
    kwargs: dict = field(default_factory=dict)
    subject: str = ""
    worker: str = ""  # the worker's id (db_worker --worker-id), or the thread backend's
    host: str = ""
    pid: int = 0
    durable: bool = False  # a task result of the database queue (to be marked failed when abandoned)
    started_at: datetime | None = None
    heartbeat_at: datetime | None = None  # None when written: the store's own clock
    processed: int = 0

    @property
    def holder(self) -> str:
        return f"工作进程 {self.worker or '-'}，主机 {self.host}，PID {self.pid}"


# --- stores ----------------------------------------------------------------------------------------------


def _lease_seconds() -> float:
    return float(settings.KECHUANG_TASK_LEASE_SECONDS)


class FileStore:
    """One JSON file per running task (SQLite: one machine, and the database's write lock may be held by
    the very work whose heartbeat this is)."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)

    def _path(self, task_id: str) -> Path:
        return self.directory / f"{task_id}.json"

    def _write(self, lease: Lease) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        data = asdict(lease)
        for key in ("started_at", "heartbeat_at"):
            data[key] = data[key].timestamp() if data[key] is not None else None
        data["heartbeat_at"] = data["heartbeat_at"] or timezone.now().timestamp()
        data["started_at"] = data["started_at"] or data["heartbeat_at"]
        path = self._path(lease.task_id)
        partial = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.part")
        partial.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(partial, path)

    def put(self, lease: Lease) -> None:
        self._write(lease)

    def beat(self, lease: Lease) -> None:
        if self._path(lease.task_id).exists():  # not once a sweep has ended it
            self._write(Lease(**{**asdict(lease), "heartbeat_at": None}))

    def remove(self, task_id: str) -> None:
        self._path(task_id).unlink(missing_ok=True)

    def all(self) -> list[Lease]:
        leases = []
        for path in sorted(self.directory.glob("*.json")) if self.directory.exists() else ():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue  # removed meanwhile
            for key in ("started_at", "heartbeat_at"):
                data[key] = datetime.fromtimestamp(data[key], tz=UTC)
            leases.append(Lease(**data))
        return leases

    def stale(self) -> list[Lease]:
        cutoff = timezone.now() - timedelta(seconds=_lease_seconds())
        return [lease for lease in self.all() if lease.heartbeat_at < cutoff]

    def of_subject(self, subject: str) -> list[Lease]:
        return [lease for lease in self.all() if lease.subject == subject]


class TableStore:
    """Rows of `core.TaskLease` (PostgreSQL), stamped with the database's clock."""

    @staticmethod
    def _model():
        from .models import TaskLease

        return TaskLease

    def put(self, lease: Lease) -> None:
        from django.db.models.functions import Now

        values = asdict(lease)
        task_id = values.pop("task_id")
        values["heartbeat_at"] = values["heartbeat_at"] or Now()
        values["started_at"] = values["started_at"] or Now()
        self._model().objects.update_or_create(task_id=task_id, defaults=values)

    def beat(self, lease: Lease) -> None:
        from django.db.models.functions import Now

        self._model().objects.filter(task_id=lease.task_id).update(
            heartbeat_at=Now(), processed=lease.processed
        )

    def remove(self, task_id: str) -> None:
        self._model().objects.filter(task_id=task_id).delete()

    def _leases(self, queryset) -> list[Lease]:
        return [Lease(**{f: getattr(row, f) for f in Lease.__dataclass_fields__}) for row in queryset]

    def all(self) -> list[Lease]:
        return self._leases(self._model().objects.all())

    def stale(self) -> list[Lease]:
        from django.db.models.functions import Now

        cutoff = Now() - timedelta(seconds=_lease_seconds())
        return self._leases(self._model().objects.filter(heartbeat_at__lt=cutoff))

    def of_subject(self, subject: str) -> list[Lease]:
        return self._leases(self._model().objects.filter(subject=subject))


def store() -> FileStore | TableStore:
    if connections["default"].vendor == "sqlite":
        return FileStore(settings.KECHUANG_LEASE_DIR)
    return TableStore()


# --- holding a lease while a task runs -----------------------------------------------------------------

_held = threading.local()


class _Holding:
    def __init__(self, lease: Lease, where):
        self.lease, self.store = lease, where
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, daemon=True, name="kechuang-heartbeat")

    def start(self) -> None:
        self.store.put(self.lease)
        self.thread.start()

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join()
        try:
            self.store.remove(self.lease.task_id)
        except Exception:  # the task's outcome is recorded already; a sweep clears the lease later
            logger.warning("lease of task %s not removed", self.lease.task_id, exc_info=True)

    def _beat(self) -> None:
        interval = float(settings.KECHUANG_TASK_HEARTBEAT_SECONDS)
        try:
            while not self.stopped.wait(interval):
                try:
                    self.store.beat(self.lease)
                except Exception:  # the database restarting: the next beat tries again
                    logger.warning("heartbeat of task %s not written", self.lease.task_id, exc_info=True)
                    connections.close_all()
        finally:
            connections.close_all()  # this thread's own connection


def begin(task_result, *, durable: bool) -> None:
    """Start holding a lease on `task_result` (a django-tasks result about to run in this thread)."""
    end()  # a lease left over by a run whose end was never signalled
    task = task_result.task
    declaration = getattr(task.func, "lease_declaration", None)
    args, kwargs = list(task_result.args), dict(task_result.kwargs)
    lease = Lease(
        task_id=str(task_result.id),
        task_path=task.module_path,
        args=args,
        kwargs=kwargs,
        subject=declaration.subject(*args, **kwargs) if declaration is not None else "",
        worker=task_result.worker_ids[-1] if task_result.worker_ids else "",
        host=socket.gethostname(),
        pid=os.getpid(),
        durable=durable,
    )
    holding = _Holding(lease, store())
    holding.start()
    _held.holding = holding


def end() -> None:
    holding = getattr(_held, "holding", None)
    if holding is not None:
        _held.holding = None
        holding.stop()


def report(processed: int) -> None:
    """The running task's progress (rows processed so far), written with the next heartbeat."""
    holding = getattr(_held, "holding", None)
    if holding is not None:
        holding.lease.processed = processed


def find(subject: str) -> Lease | None:
    """The lease of the work running on `subject`, if any (the newest)."""
    found = store().of_subject(subject)
    return max(found, key=lambda lease: lease.started_at) if found else None


# --- finding abandoned work ------------------------------------------------------------------------------


def _moment(value: datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")


def _abandon(task_id, task_path, args, kwargs, durable, reason) -> None:
    declaration = declaration_of(task_path)
    handler = declaration.handler() if declaration is not None else None
    if handler is not None:
        # the system ends the work, whoever's request found it dead
        with audit_context(source=Source.SYSTEM, actor=None, ip=None):
            handler(*args, reason=reason, **kwargs)
    if durable:
        from django_tasks_db.compat import TaskResultStatus
        from django_tasks_db.models import DBTaskResult

        DBTaskResult.objects.filter(id=task_id, status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.FAILED,
            finished_at=timezone.now(),
            exception_class_path=f"{Abandoned.__module__}.{Abandoned.__qualname__}",
            traceback=f"后台进程意外中止（{reason}）",
        )


def sweep(subject: str | None = None) -> list[str]:
    """End the work whose process is gone (all of it, or that on `subject`); the ids of the tasks ended.
    Safe to run anywhere and concurrently: each handler ends its work through a compare-and-set."""
    where = store()
    lease_seconds = _lease_seconds()
    ended: list[str] = []
    every = where.all() if subject is None else where.of_subject(subject)
    stale = {lease.task_id for lease in where.stale()}
    live = [lease for lease in every if lease.task_id not in stale]
    for lease in (lease for lease in every if lease.task_id in stale):
        if lease.subject and any(other.subject == lease.subject for other in live):
            where.remove(lease.task_id)  # a later run of the same work holds its own lease
            continue
        reason = (
            f"{lease.holder}，最后一次心跳在 {_moment(lease.heartbeat_at)}，"
            f"此后超过 {lease_seconds:g} 秒没有心跳"
        )
        try:
            _abandon(lease.task_id, lease.task_path, lease.args, lease.kwargs, lease.durable, reason)
        except Exception:  # e.g. SQLite's write lock held by another import: the next sweep tries again
            logger.warning("abandoned task %s not ended yet", lease.task_id, exc_info=True)
            continue
        where.remove(lease.task_id)
        ended.append(lease.task_id)
    ended += _sweep_unleased(subject, {lease.task_id for lease in where.all()}, lease_seconds)
    return ended


def _sweep_unleased(subject, leased_ids: set[str], lease_seconds: float) -> list[str]:
    """Tasks of the database queue that a worker claimed but that never held a lease: the worker died
    between claiming and starting (or ran code without leases). Running longer than the lease: gone."""
    from django_tasks_db.models import DBTaskResult

    ended = []
    cutoff = timezone.now() - timedelta(seconds=lease_seconds)
    for result in DBTaskResult.objects.running().filter(started_at__lt=cutoff):
        task_id = str(result.id)
        if task_id in leased_ids or task_id.replace("-", "") in leased_ids:
            continue
        declaration = declaration_of(result.task_path)
        args, kwargs = result.args_kwargs.get("args", []), result.args_kwargs.get("kwargs", {})
        if subject is not None and (declaration is None or declaration.subject(*args, **kwargs) != subject):
            continue
        worker = result.worker_ids[-1] if result.worker_ids else "?"
        reason = f"工作进程 {worker} 于 {_moment(result.started_at)} 领取任务后没有心跳"
        try:
            _abandon(task_id, result.task_path, args, kwargs, True, reason)
        except Exception:
            logger.warning("abandoned task %s not ended yet", task_id, exc_info=True)
            continue
        ended.append(task_id)
    return ended


def start_sweeper() -> threading.Thread:
    """A thread of a worker process that sweeps every `KECHUANG_TASK_SWEEP_SECONDS` (also while the
    worker's main thread runs a long task)."""

    def run():
        interval = float(settings.KECHUANG_TASK_SWEEP_SECONDS)
        stopped = threading.Event()
        while not stopped.wait(interval):
            close_old_connections()
            try:
                ended = sweep()
            except Exception:
                logger.warning("sweep of abandoned tasks failed", exc_info=True)
                connections.close_all()
                continue
            for task_id in ended:
                logger.warning("task %s was abandoned by its worker and has been ended", task_id)

    thread = threading.Thread(target=run, daemon=True, name="kechuang-sweeper")
    thread.start()
    return thread
