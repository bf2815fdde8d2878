"""What stays of an uploaded file: nothing once its job is refused, failed or discarded; an imported file
for IMPORT_KEEP_DAYS, until `kechuang imports purge` (audited) removes it."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import timezone

from kechuang.audit.models import ChangeEntry
from kechuang.enterprises.models import Enterprise
from kechuang.tabular.models import ImportJob
from kechuang.tabular.tests.test_import import xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def files(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def upload(client, data, name="data.xlsx"):
    client.post("/tables/enterprise-years/upload/", {"file": SimpleUploadedFile(name, data)})
    return ImportJob.objects.latest("pk")


def good_rows():
    enterprise = Enterprise.objects.filter(town__name="汉丰街道").order_by("pk").first()
    return xlsx([[enterprise.credit_code, 2025, 1000000, 91000, 40, 6]])


def test_a_refused_file_is_deleted_with_the_refusal(client_as, media, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = upload(client_as("kjj"), b"credit_code,year\n123,2024\n")
    assert job.status == "refused" and not job.file and files(media) == []
    page = client_as("kjj").get(f"/tables/jobs/{job.pk}/").content.decode()
    assert "不是 Excel 工作簿" in page and "原文件已删除" in page


def test_a_discarded_file_and_its_preview_are_deleted(client_as, media, django_capture_on_commit_callbacks):
    client = client_as("kjj")
    with django_capture_on_commit_callbacks(execute=True):
        job = upload(client, good_rows())
    assert job.status == "validated"
    kept = files(media)
    assert any(name.startswith("imports/parsed/") for name in kept) and len(kept) == 2
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/tables/jobs/{job.pk}/discard/")
    job.refresh_from_db()
    assert job.status == "discarded" and not job.file and files(media) == []


def test_a_failed_commit_keeps_its_file_to_be_rerun_until_discarded(
    client_as, media, django_capture_on_commit_callbacks
):
    client = client_as("kjj")
    enterprise = Enterprise.objects.filter(town__name="汉丰街道").order_by("pk").first()
    with django_capture_on_commit_callbacks(execute=True):
        job = upload(client, xlsx([[enterprise.credit_code, 2025, 1000000, 91000, 40, 6]]))
    # the enterprise leaves before the commit: the all-or-nothing commit finds an error and fails
    Enterprise.objects.filter(pk=enterprise.pk).update(credit_code="91500000000000000X")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/tables/jobs/{job.pk}/commit/", {"mode": "all", "reason": "年报数据导入"})
    job.refresh_from_db()
    assert job.status == "failed", job.file_error
    assert job.file and job.file.name in files(media)  # 重新导入 reads it again
    assert job.errors  # the errors are still shown on the job's page
    page = client.get(f"/tables/jobs/{job.pk}/").content.decode()
    assert "错误明细" in page and 'id="retry"' in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/tables/jobs/{job.pk}/discard/")
    job.refresh_from_db()
    assert job.status == "discarded" and not job.file and files(media) == []


def test_a_file_is_kept_while_its_transaction_may_still_roll_back(client_as, media):
    # without a commit the refusal's deletion never runs: the file is still there
    job = upload(client_as("kjj"), b"credit_code,year\n123,2024\n")
    assert job.status == "refused" and len(files(media)) == 1


def _done_job(client, media, django_capture_on_commit_callbacks, days_ago):
    with django_capture_on_commit_callbacks(execute=True):
        job = upload(client, good_rows(), name=f"年报-{days_ago}.xlsx")
        client.post(f"/tables/jobs/{job.pk}/commit/", {"mode": "all", "reason": "年报数据导入"})
    job.refresh_from_db()
    assert job.status == "done" and job.file
    ImportJob.objects.filter(pk=job.pk).update(finished_at=timezone.now() - timedelta(days=days_ago))
    return job


def test_purge_removes_only_imported_files_past_the_retention(
    client_as, user, media, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_KEEP_DAYS = 90
    client = client_as("kjj")
    old = _done_job(client, media, django_capture_on_commit_callbacks, days_ago=200)
    recent = _done_job(client, media, django_capture_on_commit_callbacks, days_ago=10)
    waiting = upload(client, good_rows(), name="待确认.xlsx")
    assert waiting.status == "validated"
    old_name, before = old.file.name, files(media)
    assert old_name in before

    out = StringIO()
    call_command("imports", "purge", "--dry-run", stdout=out)
    assert f"将删除：导入任务 {old.pk}" in out.getvalue() and files(media) == before

    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("imports", "--actor", "kjj", "purge", stdout=out)
    assert "已删除导入完成超过 90 天的原文件 1 个（已记入审计日志）" in out.getvalue()
    old.refresh_from_db()
    recent.refresh_from_db()
    assert not old.file and old_name not in files(media)
    assert recent.file and recent.file.name in files(media)
    assert ImportJob.objects.get(pk=waiting.pk).file
    entry = ChangeEntry.objects.filter(content_type__model="importjob", object_id=str(old.pk)).latest("pk")
    assert (entry.source, entry.actor, entry.changed_fields) == ("cli", user("kjj"), ["file"])
    assert entry.before == {"file": old_name} and entry.after == {"file": None}
    assert entry.reason == "导入文件保留期满（90 天），删除原文件"

    # --days overrides the setting; a repeated run finds nothing more to remove
    with django_capture_on_commit_callbacks(execute=True):
        call_command("imports", "--reason", "清理", "purge", "--days", "5", stdout=StringIO())
    recent.refresh_from_db()
    assert not recent.file
    assert ChangeEntry.objects.filter(content_type__model="importjob", reason="清理").count() == 1
    with pytest.raises(CommandError, match="不能为负数"):
        call_command("imports", "purge", "--days", "-1")
