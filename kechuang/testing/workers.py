"""Real `kechuang db_worker` processes on the test database, for tests of what survives a crash.

The worker runs the project's code from this checkout with the database task backend, on the database
the test itself uses (SQLite: the test database is a file, `settings_test.py`; PostgreSQL: the test
database by name), with the test's data directory (uploaded files, leases) and short lease timings. Tests
using it are transactional (`django_db(transaction=True)`): what they write is committed, so the worker
sees it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def database_env() -> dict[str, str]:
    """How a process of the site reaches the database this test runs on."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return {"KECHUANG_SQLITE_PATH": str(db["NAME"])}
    if connection.vendor != "postgresql":
        raise RuntimeError(f"不支持的数据库：{connection.vendor}")
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return {
        "DATABASE_URL": f"postgres://{db['USER']}{password}@{db['HOST'] or 'localhost'}{port}/{db['NAME']}"
    }


class Worker:
    def __init__(self, process: subprocess.Popen, log: Path):
        self.process, self.log = process, log

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def kill(self) -> None:
        """kill -9: no handler runs, no transaction is finished, nothing is cleaned up."""
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)


def start_worker(data_dir: Path, name: str, *, lease: float, heartbeat: float, sweep: float, pauses=None):
    """A `kechuang db_worker` process (its log in `data_dir/<name>.log`)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("KECHUANG_", "DATABASE_URL", "PYTEST_", "DJANGO_"))
    }
    env.update(
        database_env(),
        PYTHONPATH=str(ROOT),
        DJANGO_SETTINGS_MODULE="kechuang.testing.worker_settings",
        KECHUANG_DATA_DIR=str(data_dir),
        KECHUANG_TASK_BACKEND="database",
        KECHUANG_TASK_LEASE_SECONDS=str(lease),
        KECHUANG_TASK_HEARTBEAT_SECONDS=str(heartbeat),
        KECHUANG_TASK_SWEEP_SECONDS=str(sweep),
        KECHUANG_TEST_IMPORT_PAUSES=json.dumps(pauses or {}),
    )
    log = data_dir / f"{name}.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "kechuang.cli",
                "db_worker",
                "--no-reload",
                "--no-startup-delay",
                "--interval",
                "0.1",
                "--worker-id",
                name,
                "--verbosity",
                "2",
            ],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # it goes with its group if the test run is interrupted
        )
    return Worker(process, log)


def wait_for(condition, timeout: float, what: str, worker: Worker | None = None, every: float = 0.05):
    """Poll `condition()` until it returns something true; fail with `what` (and the worker's log)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if worker is not None and worker.process.poll() is not None:
            raise AssertionError(
                f"工作进程已退出（{worker.process.returncode}）：{what}\n{worker.output()[-4000:]}"
            )
        time.sleep(every)
    log = f"\n{worker.output()[-4000:]}" if worker is not None else ""
    raise AssertionError(f"{timeout} 秒内未等到：{what}{log}")
