"""How long an uploaded import file is kept.

- A file that ends refused, failed or discarded is deleted with that step (the `then` hook of the three
  transitions of `ImportJob.workflow`): the job keeps its name, size, counts and errors, the file and the
  parsed preview go once the transaction commits.
- A file that was imported (已导入) is kept as the record of what came in — and for its error workbook when
  only the valid rows were taken — for `IMPORT_KEEP_DAYS` days (180 by default); `kechuang imports purge`
  removes older ones, each removal an audit entry under the command's actor and reason.
- Files still waiting (已上传 … 已校验) stay until their job moves on.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from kechuang.audit.recording import record_change

from . import parsedcache


def _forget(job) -> str:
    """Clear the job's file inside the current transaction; delete it (and its preview) after COMMIT."""
    from .models import ImportJob

    name = job.file.name if job.file else ""
    ImportJob.objects.filter(pk=job.pk).update(file="")
    job.file = ""
    pk = job.pk

    def delete():
        if name:
            default_storage.delete(name)
        parsedcache.discard_pk(pk)

    transaction.on_commit(delete)
    return name


def remove_stored_file(job, event) -> None:
    """The hook of the refuse, fail and discard transitions: nothing of such a file stays on disk — but
    a commit that failed keeps its file until it is re-run or discarded (重新导入 reads it again), and
    `imports purge` removes it once it is older than the keeping time."""
    if event is not None and event.transition == "fail" and event.from_state == "committing":
        return
    _forget(job)


def expired_imports(days: int, now=None):
    """Imported jobs (and commits that failed and were never re-run) finished more than `days` days ago
    whose file is still stored."""
    from .models import ImportJob

    cutoff = (now or timezone.now()) - timedelta(days=days)
    return (
        ImportJob.objects.filter(status__in=[ImportJob.Status.DONE, ImportJob.Status.FAILED])
        .exclude(file="")
        .filter(Q(finished_at__lt=cutoff) | Q(finished_at=None, created_at__lt=cutoff))
        .order_by("pk")
    )


def purge_imported(days: int, now=None) -> list[tuple[int, str]]:
    """Delete the stored files of imports accepted more than `days` days ago; one audit entry each (under
    the caller's audit context). Returns (job id, file name) of each file removed."""
    if days < 0:
        raise ValueError("保留天数不能为负数。")
    removed = []
    with transaction.atomic():
        for job in expired_imports(days, now).select_for_update():
            name = _forget(job)
            record_change(job, "update", {"file": name}, {"file": None}, ["file"])
            removed.append((job.pk, name))
    return removed
