"""Import jobs whose background step was abandoned, as their pages find them: a lease whose heartbeat ran
out, a task a worker claimed and never leased, a step still alive (its progress shown, its job left
alone); and what such a job can do next — be discarded, or (a failed commit only) be run again.

The processes here are gone by construction: their leases and queue rows are written as a dead worker
leaves them. `test_worker_crash.py` kills real workers."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from kechuang.audit.models import ChangeEntry
from kechuang.core import leases
from kechuang.enterprises.models import Enterprise
from kechuang.tabular import engine
from kechuang.tabular.models import ImportJob
from kechuang.workflow.engine import history

from .test_import import _account, media, upload, xlsx  # noqa: F401 (media: the files' directory)

pytestmark = pytest.mark.django_db

COMMIT_TASK = "kechuang.tabular.tasks.commit_import"
VALIDATE_TASK = "kechuang.tabular.tasks.validate_import"


@pytest.fixture(autouse=True)
def short_lease(settings, tmp_path):
    settings.KECHUANG_TASK_LEASE_SECONDS = 60
    settings.KECHUANG_LEASE_DIR = tmp_path / "leases"


def _committing(client_as, settings) -> tuple[ImportJob, DBTaskResult]:
    """A validated file of kjj's, confirmed: its commit queued on the database backend and claimed by a
    worker (`w-gone`), as that worker left it."""
    enterprise = Enterprise.objects.filter(town__name="汉丰街道").order_by("pk").first()
    client = client_as("kjj")
    job = upload(client, xlsx([[enterprise.credit_code, 2025, 1000000, 91000, 40, 6]]))
    assert job.status == "validated"
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    client.post(f"/tables/jobs/{job.pk}/commit/", {"mode": "all", "reason": "2025年报"})
    job.refresh_from_db()
    assert job.status == "committing"
    run = DBTaskResult.objects.get(task_path=COMMIT_TASK)
    run.claim("w-gone")
    return job, run


def _lease(run, job, *, heartbeat_age: float, processed=0, task_path=COMMIT_TASK):
    beat = timezone.now() - timedelta(seconds=heartbeat_age)
    leases.store().put(
        leases.Lease(
            task_id=str(run.id),
            task_path=task_path,
            args=[job.pk],
            subject=engine.subject(job.pk),
            worker="w-gone",
            host="kc-app-1",
            pid=4242,
            durable=True,
            started_at=beat - timedelta(seconds=30),
            heartbeat_at=beat,
            processed=processed,
        )
    )


def test_a_job_whose_lease_ran_out_fails_when_its_page_is_opened_and_can_be_discarded(
    client_as, settings, django_capture_on_commit_callbacks
):
    job, run = _committing(client_as, settings)
    _lease(run, job, heartbeat_age=61)
    client = client_as("kjj")

    page = client.get(f"/tables/jobs/{job.pk}/").content.decode()
    job.refresh_from_db()
    assert job.status == "failed" and job.finished_at is not None
    assert job.file_error.startswith(
        "后台进程意外中止（工作进程 w-gone，主机 kc-app-1，PID 4242，最后一次心跳在 "
    )
    assert job.file_error.endswith(
        "此后超过 60 秒没有心跳），导入未完成，没有写入任何数据；可重新导入或放弃此文件。"
    )
    assert job.file_error in page and 'id="retry"' in page and "放弃此文件" in page
    assert 'id="progress"' not in page  # no longer polled as busy
    failed = [e for e in history(job) if e.transition == "fail"]
    assert len(failed) == 1 and failed[0].comment == job.file_error and failed[0].actor_label == "系统"
    run.refresh_from_db()
    assert run.status == "FAILED" and run.exception_class_path == "kechuang.core.leases.Abandoned"
    assert run.traceback.startswith("后台进程意外中止（工作进程 w-gone")
    assert leases.find(engine.subject(job.pk)) is None

    name = job.file.name
    assert job.file.storage.exists(name)  # a failed commit keeps its file, to be re-run
    with django_capture_on_commit_callbacks(execute=True):  # the file goes once the discard commits
        client.post(f"/tables/jobs/{job.pk}/discard/")
    job.refresh_from_db()
    assert job.status == "discarded" and not job.file.storage.exists(name)


def test_a_live_lease_shows_its_progress_and_leaves_the_job_running(client_as, settings):
    job, run = _committing(client_as, settings)
    ImportJob.objects.filter(pk=job.pk).update(total_rows=5000)  # as a large file's validation left it
    _lease(run, job, heartbeat_age=3, processed=2500)
    response = client_as("kjj").get(f"/tables/jobs/{job.pk}/status/")
    body = response.content.decode()
    assert response.status_code == 200 and "已处理 2500 行 / 共 5000 行" in body and 'value="50"' in body
    assert 'id="queued"' not in body  # a process is at work on it
    job.refresh_from_db()
    assert job.status == "committing" and job.processed_rows == 0  # shown from the lease, not stored
    run.refresh_from_db()
    assert run.status == "RUNNING"


def test_a_task_claimed_and_never_leased_is_ended_once_it_ran_longer_than_the_lease(client_as, settings):
    job, run = _committing(client_as, settings)
    client = client_as("kjj")
    # claimed just now: a worker that has not yet started the step is not taken for a dead one
    response = client.get(f"/tables/jobs/{job.pk}/status/")
    assert response.status_code == 200 and "排队中，等待后台进程开始处理" in response.content.decode()
    job.refresh_from_db()
    assert job.status == "committing"

    DBTaskResult.objects.filter(pk=run.pk).update(started_at=timezone.now() - timedelta(seconds=61))
    assert client.get(f"/tables/jobs/{job.pk}/status/").status_code == 204  # moved on: reload
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.file_error.startswith("后台进程意外中止（工作进程 w-gone 于 ")
    assert "领取任务后没有心跳" in job.file_error
    run.refresh_from_db()
    assert run.status == "FAILED"


def test_an_abandoned_validation_can_be_discarded_but_not_rerun(client_as, settings):
    enterprise = Enterprise.objects.order_by("pk").first()
    client = client_as("kjj")
    job = upload(client, xlsx([[enterprise.credit_code, 2025, 1000000, 91000, 40, 6]]))
    # as a worker left it that died while validating
    ImportJob.objects.filter(pk=job.pk).update(status="validating", total_rows=0)
    run = DBTaskResult.objects.create(
        task_path=VALIDATE_TASK, args_kwargs={"args": [job.pk], "kwargs": {}}, backend_name="default"
    )
    run.claim("w-gone")
    job.refresh_from_db()
    _lease(run, job, heartbeat_age=90, task_path=VALIDATE_TASK)

    page = client.get(f"/tables/jobs/{job.pk}/").content.decode()
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.file_error.endswith("文件校验未完成，没有写入任何数据；请重新上传文件或放弃此文件。")
    assert 'id="retry"' not in page and "放弃此文件" in page
    response = client.post(f"/tables/jobs/{job.pk}/retry/", follow=True)
    assert "只有确认导入后失败的文件可以重新导入；校验未完成的文件请重新上传。" in response.content.decode()
    job.refresh_from_db()
    assert job.status == "failed"


def test_a_failed_commit_is_rerun_by_its_owner_only_and_the_step_is_audited(client_as, settings, dept):
    job, run = _committing(client_as, settings)
    _lease(run, job, heartbeat_age=61)
    client = client_as("kjj")
    client.get(f"/tables/jobs/{job.pk}/status/")
    job.refresh_from_db()
    assert job.status == "failed"

    other = _account("kjj2", "bureau_admin", "all", dept())
    response = client_as(other).post(f"/tables/jobs/{job.pk}/retry/", follow=True)
    assert "须先“接手”该导入任务" in response.content.decode()

    response = client.post(f"/tables/jobs/{job.pk}/retry/", follow=True)
    assert "已恢复为“已校验”" in response.content.decode()
    job.refresh_from_db()
    assert job.status == "validated" and job.file_error == "" and job.finished_at is None
    entry = ChangeEntry.objects.filter(content_type__model="importjob", object_id=str(job.pk)).latest("pk")
    assert entry.reason == "重新导入" and entry.actor.username == "kjj"
    assert entry.before["status"] == "failed" and entry.after["status"] == "validated"
    assert "file_error" in entry.changed_fields
    # confirmed again, its run (inline here) stores the row
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    client.post(f"/tables/jobs/{job.pk}/commit/", {"mode": "all", "reason": "2025年报（重新导入）"})
    job.refresh_from_db()
    assert job.status == "done" and job.result["created"] + job.result["updated"] == 1


def test_a_done_job_is_left_as_it_is_by_a_late_sweep(client_as, settings):
    """Killed between its COMMIT and the end of its step: the job already says done."""
    job, run = _committing(client_as, settings)
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    engine.commit(job.pk)
    job.refresh_from_db()
    assert job.status == "done"
    result = job.result
    _lease(run, job, heartbeat_age=61)
    assert leases.sweep() == [str(run.id)]
    job.refresh_from_db()
    assert job.status == "done" and job.result == result and job.file_error == ""
    assert leases.find(engine.subject(job.pk)) is None
