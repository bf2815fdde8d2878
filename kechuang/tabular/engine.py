"""The one import engine: validate every row of a file, report all errors, then commit all-or-nothing
or only the valid rows — the same path for every registry."""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from kechuang.core import derived, leases
from kechuang.core.context import Source, audit_context
from kechuang.core.personal import mask
from kechuang.org.actions import ActionRefused
from kechuang.workflow import engine as workflow

from . import parsedcache
from .columns import CellError
from .models import MAX_STORED_ERRORS, ImportJob
from .reader import FileRefused, Workbook, open_workbook
from .registry import ID_HEADER, Counts, Sheet, get_sheet
from .writer import DATA_SHEET, error_workbook

PROGRESS_EVERY = 500
logger = logging.getLogger(__name__)


class HeaderError(FileRefused):
    pass


def map_header(sheet: Sheet, header: list) -> dict[int, object]:
    """Column position → Column (or ID_HEADER); refuse missing required and unknown headers."""
    by_header = {c.header: c for c in sheet.columns}
    positions: dict[int, object] = {}
    unknown, seen = [], set()
    for index, title in enumerate(header):
        if title is None or str(title).strip() == "":
            continue
        title = str(title).strip().rstrip("*").strip()
        if title == ID_HEADER:
            positions[index] = ID_HEADER
        elif title in by_header:
            if title in seen:
                raise HeaderError(f"表头“{title}”出现了两次。")
            seen.add(title)
            positions[index] = by_header[title]
        else:
            unknown.append(title)
    problems = []
    missing = [c.header for c in sheet.columns if c.required and c.header not in seen]
    if missing:
        problems.append(f"缺少必填列：{'、'.join(missing)}")
    if unknown:
        problems.append(f"无法识别的列：{'、'.join(unknown)}（请使用下载的模板，不要增改表头）")
    if problems:
        raise HeaderError("；".join(problems) + "。")
    return positions


def parse_row(sheet: Sheet, positions: dict, cells: list) -> tuple[dict, dict[str | None, tuple]]:
    """Cells → values; errors as {column key: (raw value, message)}."""
    values: dict = {}
    errors: dict = {}
    for index, column in positions.items():
        raw = cells[index] if index < len(cells) else None
        if column == ID_HEADER:
            values[ID_HEADER] = int(raw) if isinstance(raw, int | float) and float(raw).is_integer() else None
            continue
        if column.readonly:
            continue
        try:
            values[column.key] = column.parse(raw)
        except CellError as exc:
            errors[column.key] = (raw, str(exc))
    return values, errors


def parsed_rows(sheet: Sheet, workbook: Workbook, positions):
    """(row number, values, cell errors) for every row of the workbook."""
    for number, cells in workbook.rows():
        values, errors = parse_row(sheet, positions, cells)
        yield number, values, errors


def _scan(sheet: Sheet, rows, context, report, on_valid=None):
    """Validate every row (parsed cells, then the sheet's checks against the data as it is now); collect
    errors; hand valid rows (in batches) to `on_valid`; `report(processed)` every PROGRESS_EVERY rows."""
    # natural keys seen so far, nested by their first part (credit code → year → row): ~3× less memory
    # than a dict of tuples at 800,000 rows
    seen_keys: dict = {}
    stored: list[dict] = []
    error_rows = error_count = processed = 0
    batch: list[tuple[int, dict]] = []
    personal = sheet.personal_keys()  # a refused personal value is kept masked with the errors
    for number, values, errors in rows:
        if not errors:
            for key, message in sheet.check_row(values, context).items():
                column = key if key is not None else None
                errors[column] = (values.get(key) if key else None, message)
        if not any(k in errors for k in sheet.natural_key):
            natural = sheet.key_of(values)
            if len(natural) == 1:
                earlier, rest = seen_keys, natural[0]
            else:
                earlier = seen_keys.setdefault(natural[0], {})
                rest = natural[1] if len(natural) == 2 else natural[1:]
            if rest in earlier:
                errors[sheet.natural_key[0]] = (
                    natural[0],
                    f"与第 {earlier[rest]} 行重复（{sheet.key_label()}相同）",
                )
            else:
                earlier[rest] = number
        processed += 1
        if errors:
            error_rows += 1
            for key, (raw, message) in errors.items():
                error_count += 1
                if len(stored) < MAX_STORED_ERRORS:
                    stored.append(
                        {
                            "row": number,
                            "column": sheet.header_of(key),
                            "value": ""
                            if raw is None
                            else str(mask(personal[key], str(raw)) if key in personal else raw)[:100],
                            "message": message,
                        }
                    )
        elif on_valid is not None:
            batch.append((number, values))
            if len(batch) >= sheet.batch_size:
                on_valid(batch)
                batch = []
        if processed % PROGRESS_EVERY == 0:
            report(processed)
    if batch and on_valid is not None:
        on_valid(batch)
    return processed, error_rows, error_count, stored


INTERNAL_ERROR = "处理文件时发生内部错误，已回滚，没有保存任何数据。请联系系统管理员。"
COMMIT_ABANDONED = "后台进程意外中止（{reason}），导入未完成，没有写入任何数据；可重新导入或放弃此文件。"
VALIDATION_ABANDONED = (
    "后台进程意外中止（{reason}），文件校验未完成，没有写入任何数据；请重新上传文件或放弃此文件。"
)
BUSY = (ImportJob.Status.UPLOADED, ImportJob.Status.VALIDATING, ImportJob.Status.COMMITTING)


def subject(job_id: int) -> str:
    """What a job's background steps work on, as their leases name it (`kechuang.core.leases`)."""
    return f"tabular.importjob:{job_id}"


def _fail(job: ImportJob, message: str, states=BUSY, **fields) -> ImportJob:
    """End a job that is still in one of `states` as failed, with `message`, in one compare-and-set; a job
    that moved on meanwhile (done, or failed by someone else) is left as it is."""
    if job.status not in states:
        return job
    changes = {"file_error": message, "finished_at": timezone.now(), **fields}
    try:
        return workflow.perform(job, "fail", None, comment=message, changes=changes)
    except ActionRefused:
        return ImportJob.objects.get(pk=job.pk)


def _guarded(step):
    """Any unexpected failure ends the job with a message instead of leaving it running forever."""

    def run(job_id: int) -> ImportJob:
        try:
            return step(job_id)
        except Exception:
            logger.exception("import job %s failed", job_id)
            return _fail(ImportJob.objects.get(pk=job_id), INTERNAL_ERROR)

    run.__name__, run.__doc__ = step.__name__, step.__doc__
    return run


def validation_abandoned(job_id: int, *, reason: str) -> None:
    """The validation's process died (its lease ran out): the job fails, saying why."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is not None:
        _fail(
            job,
            VALIDATION_ABANDONED.format(reason=reason),
            (ImportJob.Status.UPLOADED, ImportJob.Status.VALIDATING),
        )


def commit_abandoned(job_id: int, *, reason: str) -> None:
    """The commit's process died before its COMMIT (after it, the job already says done): nothing of the
    file was written; the job fails, saying so, and may be re-run or discarded."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is not None:
        _fail(job, COMMIT_ABANDONED.format(reason=reason), (ImportJob.Status.COMMITTING,))


def _pause(point: str) -> None:
    seconds = settings.KECHUANG_IMPORT_PAUSES.get(point)
    if seconds:
        time.sleep(seconds)


@_guarded
def validate(job_id: int) -> ImportJob:
    """Check the whole file; store the row count and every error (nothing else is written)."""
    job = ImportJob.objects.get(pk=job_id)
    sheet = get_sheet(job.sheet)
    ImportJob.objects.filter(pk=job.pk).update(processed_rows=0)
    workflow.perform(job, "validate", None)

    def report(processed):
        leases.report(processed)
        ImportJob.objects.filter(pk=job.pk).update(processed_rows=processed)  # no transaction is open

    try:
        workbook = open_workbook(Path(job.file.path), DATA_SHEET)
        positions = map_header(sheet, workbook.header)
        context = sheet.prepare(job.user)
        rows = parsedcache.write(job, sheet, parsed_rows(sheet, workbook, positions))
        processed, error_rows, error_count, stored = _scan(sheet, rows, context, report)
        if processed == 0:
            raise FileRefused(f"工作表“{workbook.sheet_name}”只有表头，没有数据行。")
    except FileRefused as exc:
        return workflow.perform(
            job, "refuse", None, changes={"file_error": str(exc), "finished_at": timezone.now()}
        )
    results = {
        "total_rows": processed,
        "processed_rows": processed,
        "error_rows": error_rows,
        "error_count": error_count,
        "errors": stored,
    }
    return workflow.perform(job, "validated", None, changes=results)


@_guarded
def commit(job_id: int) -> ImportJob:
    """Store the file's rows in one transaction: all of them (only if there is no error) or the valid
    ones. The file is re-validated against the data as it is now; the reason goes to the audit log.

    The job's done state and counts are written in that same transaction: a process killed before the
    COMMIT leaves nothing of the file and a job still 导入中, which fails once its lease runs out
    (`commit_abandoned`); killed after it, the job already says done. Progress goes to the step's lease,
    outside the transaction, so that the job's page shows it while the rows are still uncommitted."""
    job = ImportJob.objects.get(pk=job_id)
    if job.status != ImportJob.Status.COMMITTING:
        return job  # only a commit transition queues this step; anything else has nothing to run
    sheet = get_sheet(job.sheet)
    ImportJob.objects.filter(pk=job.pk).update(processed_rows=0)
    # who confirmed the import, from where and why: the commit transition of the job's thread
    confirmed = workflow.last_event(job, "commit")
    actor = confirmed.actor if confirmed is not None and confirmed.actor is not None else job.user
    ip = confirmed.ip if confirmed is not None else None
    counts = Counts()
    try:
        rows = parsedcache.read(job, sheet)
        if rows is None:  # no preview of this very file: read and parse it now
            workbook = open_workbook(Path(job.file.path), DATA_SHEET)
            rows = parsed_rows(sheet, workbook, map_header(sheet, workbook.header))
        with transaction.atomic():
            with (
                audit_context(source=Source.IMPORT, actor=actor, reason=job.reason, ip=ip),
                derived.batched(),  # summaries of what the rows touched are refreshed once, before COMMIT
            ):
                context = sheet.prepare(job.user)

                def store(batch):
                    counts.add(sheet.apply(batch, job.user, context))
                    _pause("batch")

                processed, error_rows, error_count, stored = _scan(sheet, rows, context, leases.report, store)
                if error_rows and job.mode == ImportJob.Mode.ALL_OR_NOTHING:
                    raise _Rollback(error_rows, error_count, stored, processed)
            # the job says done in the transaction that holds its rows (a compare-and-set: if a sweep
            # took this job for abandoned meanwhile, nothing is written)
            job = workflow.perform(
                job,
                "done",
                None,
                changes={
                    "total_rows": processed,
                    "processed_rows": processed,
                    "error_rows": error_rows,
                    "error_count": error_count,
                    "errors": stored,
                    "file_error": "",
                    "finished_at": timezone.now(),
                    "result": {
                        "created": counts.created,
                        "updated": counts.updated,
                        "unchanged": counts.unchanged,
                        "skipped": error_rows,
                    },
                },
            )
    except _Rollback as rollback:
        return _fail(
            job,
            f"文件中有 {rollback.error_rows} 行存在错误，按“全部正确才导入”的要求，没有导入任何数据。",
            error_rows=rollback.error_rows,
            error_count=rollback.error_count,
            errors=rollback.stored,
            total_rows=rollback.processed,
            processed_rows=rollback.processed,
        )
    except FileRefused as exc:
        return _fail(job, str(exc))
    _pause("committed")
    parsedcache.discard(job)
    return job


class _Rollback(Exception):
    def __init__(self, error_rows, error_count, stored, processed):
        super().__init__("rollback")
        self.error_rows, self.error_count, self.stored, self.processed = (
            error_rows,
            error_count,
            stored,
            processed,
        )


def write_errors(job: ImportJob, stream) -> None:
    """The annotated workbook for a validated job (every row, wrong cells highlighted)."""
    sheet = get_sheet(job.sheet)
    workbook = open_workbook(Path(job.file.path), DATA_SHEET)
    by_row: dict[int, list[dict]] = defaultdict(list)
    for error in job.errors:
        by_row[error["row"]].append(error)
    rows = ((number, cells) for number, cells in workbook.rows())
    error_workbook(sheet, workbook.header, rows, by_row, stream)
