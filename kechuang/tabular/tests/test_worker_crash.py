"""An import whose worker dies: real `kechuang db_worker` processes on the test database, killed with
SIGKILL in the middle of the commit's transaction and right after its COMMIT.

Killed before the COMMIT, nothing of the file is written; the job shows 导入中 while its lease runs, then
a worker's sweep ends it as failed with the reason; it can be re-run to done by a new worker. Killed after
the COMMIT, the job already says done, with its counts (they are written in the same transaction).

The imports are a few thousand enterprise-year rows. The worker pauses after each stored batch (and, in
the second test, after the COMMIT) so that the kill lands where it is meant to whatever the machine's
speed (`KECHUANG_IMPORT_PAUSES`); the lease is a few seconds instead of a minute.
"""

import re
import time

import pytest
from django_tasks_db.models import DBTaskResult

from kechuang.audit.models import ChangeEntry
from kechuang.core import leases
from kechuang.enterprises import demo as enterprise_demo
from kechuang.enterprises.models import Enterprise, EnterpriseYear
from kechuang.site.demo import load_demo_users, load_reference_data
from kechuang.tabular import engine
from kechuang.tabular.models import ImportJob
from kechuang.testing.workers import start_worker, wait_for

from .test_import import YEAR_HEADERS, xlsx

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

LEASE, HEARTBEAT, SWEEP = 3.0, 0.2, 0.5
YEARS = range(2016, 2025)
MARK, RD = 7_000_000, 91_357  # the file's figures (sales from MARK up, R&D RD): no demo year has them
COMMIT_TASK = "kechuang.tabular.tasks.commit_import"


@pytest.fixture
def site(settings, tmp_path, client_as):
    """The demo enterprises and accounts (again when a transactional test before flushed them), the
    test's own data directory shared with the workers, the short lease, and kjj's browser."""
    if not Enterprise.objects.exists():
        enterprise_demo.load_demo(load_reference_data())
        load_demo_users()
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.KECHUANG_LEASE_DIR = tmp_path / "leases"
    settings.KECHUANG_TASK_LEASE_SECONDS = LEASE
    workers = []

    def worker(name, **pauses):
        started = start_worker(tmp_path, name, lease=LEASE, heartbeat=HEARTBEAT, sweep=SWEEP, pauses=pauses)
        workers.append(started)
        return started

    yield worker, client_as("kjj")
    for started in workers:
        started.stop()


def _rows():
    codes = Enterprise.objects.order_by("credit_code").values_list("credit_code", flat=True)
    return [
        [code, year, MARK + i, RD, 40, 6]
        for i, (code, year) in enumerate((code, year) for code in codes for year in YEARS)
    ]


def _expected(rows) -> dict:
    current = set(
        EnterpriseYear.objects.filter(superseded_at__isnull=True, year__in=YEARS).values_list(
            "enterprise__credit_code", "year"
        )
    )
    updated = sum((code, year) in current for code, year, *_ in rows)
    return {"created": len(rows) - updated, "updated": updated, "unchanged": 0, "skipped": 0}


def _written() -> tuple[int, int, int, int]:
    """The file's rows as stored (current versions with its figures), every year version, the versions
    superseded, and the audit entries of the data."""
    return (
        EnterpriseYear.objects.filter(
            superseded_at__isnull=True, sales_revenue__gte=MARK, rd_expense=RD
        ).count(),
        EnterpriseYear.objects.count(),
        EnterpriseYear.objects.filter(superseded_at__isnull=False).count(),
        ChangeEntry.objects.exclude(content_type__model="importjob").count(),
    )


def _validated(client, rows) -> ImportJob:
    response = client.post(
        "/tables/enterprise-years/upload/",
        {"file": _upload(xlsx(rows, headers=YEAR_HEADERS))},
    )
    assert response.status_code == 302
    job = ImportJob.objects.latest("pk")  # validated in this process (the suite's inline backend)
    assert job.status == "validated" and job.total_rows == len(rows) and job.error_rows == 0, job.errors[:3]
    return job


def _upload(data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("年报.xlsx", data)


def _confirm(client, job, settings, reason):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # queued for db_worker
    client.post(f"/tables/jobs/{job.pk}/commit/", {"mode": "all", "reason": reason})
    job.refresh_from_db()
    assert job.status == "committing"


def _shown_progress(client, job) -> int | None:
    """Rows processed as the job's page shows them while it polls (None once the job is no longer busy)."""
    response = client.get(f"/tables/jobs/{job.pk}/status/")
    if response.status_code == 204:
        return None
    return int(re.search(r"已处理 (\d+) 行", response.content.decode()).group(1))


def _status(job) -> str:
    return ImportJob.objects.values_list("status", flat=True).get(pk=job.pk)


def test_a_worker_killed_during_the_commit_writes_nothing_and_its_job_fails_then_reruns(site, settings):
    worker, client = site
    rows = _rows()
    assert len(rows) > 5000
    expected, before = _expected(rows), _written()
    job = _validated(client, rows)
    _confirm(client, job, settings, "2016—2024 年报数据")
    first = worker("crash-a", batch=0.5)

    # the page shows the commit's progress while its rows are still uncommitted
    processed = wait_for(
        lambda: (shown := _shown_progress(client, job) or 0) >= 1000 and shown,
        30,
        "导入进度显示已处理 1000 行以上",
        first,
    )
    assert processed < len(rows)
    assert _written() == before and _status(job) == "committing"

    first.kill()
    killed = time.monotonic()
    assert _written() == before  # no row of the file, no version, no audit entry
    # still 导入中 while its lease runs: a slow worker is not taken for a dead one
    assert _shown_progress(client, job) is not None and _status(job) == "committing"

    # a new worker's sweep ends it once the lease has run out
    second = worker("crash-b", batch=0.1)
    wait_for(lambda: _status(job) == "failed", LEASE + 15, "导入任务被判定为中止", second)
    # not before its lease ran out: counted from the last heartbeat, which a loaded machine may have run
    # late (up to a second), never from a moment the job was still alive
    assert time.monotonic() - killed >= LEASE - HEARTBEAT - 1.0
    job.refresh_from_db()
    assert job.file_error.startswith("后台进程意外中止（工作进程 crash-a，"), job.file_error
    assert job.file_error.endswith("导入未完成，没有写入任何数据；可重新导入或放弃此文件。")
    assert _written() == before
    run = DBTaskResult.objects.get(task_path=COMMIT_TASK)
    assert run.status == "FAILED" and "后台进程意外中止" in run.traceback
    assert leases.find(engine.subject(job.pk)) is None

    page = client.get(f"/tables/jobs/{job.pk}/").content.decode()
    assert job.file_error in page and 'id="retry"' in page and "放弃此文件" in page

    # re-run: back to 已校验 (audited), confirmed again, done by the new worker with the right counts
    client.post(f"/tables/jobs/{job.pk}/retry/")
    job.refresh_from_db()
    assert job.status == "validated" and job.file_error == ""
    entry = ChangeEntry.objects.filter(content_type__model="importjob", object_id=str(job.pk)).latest("pk")
    assert entry.reason == "重新导入" and entry.actor.username == "kjj"
    assert entry.after["status"] == "validated"
    _confirm(client, job, settings, "2016—2024 年报数据（重新导入）")
    wait_for(lambda: _status(job) == "done", 60, "重新导入完成", second)
    job.refresh_from_db()
    assert job.result == expected and job.total_rows == len(rows)
    assert _written()[:3] == (len(rows), before[1] + len(rows), before[2] + expected["updated"])
    assert ChangeEntry.objects.filter(
        content_type__model="enterpriseyear", reason="2016—2024 年报数据（重新导入）"
    ).exists()


def test_a_worker_killed_right_after_the_commit_leaves_a_job_that_says_done(site, settings):
    worker, client = site
    rows = _rows()
    expected, before = _expected(rows), _written()
    job = _validated(client, rows)
    _confirm(client, job, settings, "2016—2024 年报数据")
    crashing = worker("crash-c", committed=60)  # waits a minute after its COMMIT: killed there

    wait_for(lambda: _status(job) == "done", 60, "导入提交完成", crashing)
    assert DBTaskResult.objects.get(task_path=COMMIT_TASK).status == "RUNNING"  # still in the step
    crashing.kill()

    job.refresh_from_db()  # written with its rows, in their transaction
    assert job.status == "done" and job.result == expected and job.total_rows == len(rows)
    assert _written()[:3] == (len(rows), before[1] + len(rows), before[2] + expected["updated"])
    # a new worker ends the dead step once its lease has run out; the job stays as it is
    fresh = worker("crash-d")
    run = DBTaskResult.objects.get(task_path=COMMIT_TASK)
    wait_for(
        lambda: (
            DBTaskResult.objects.get(pk=run.pk).status == "FAILED" and not leases.find(engine.subject(job.pk))
        ),
        LEASE + 15,
        "中止的步骤被结束",
        fresh,
    )
    job.refresh_from_db()
    assert job.status == "done" and job.result == expected and job.file_error == ""
    page = client.get(f"/tables/jobs/{job.pk}/").content.decode()
    assert "导入完成" in page and f"新增 {expected['created']} 条" in page
