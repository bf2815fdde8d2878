"""The one import engine: validate every row of a file, report all errors, then commit all-or-nothing
or only the valid rows — the same path for every registry."""

from __future__ import annotations

import logging
from collections import defaultdict
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from kechuang.core import derived
from kechuang.core.context import Source, audit_context
from kechuang.core.personal import mask
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


def _scan(job: ImportJob, sheet: Sheet, rows, context, on_valid=None):
    """Validate every row (parsed cells, then the sheet's checks against the data as it is now); collect
    errors; hand valid rows (in batches) to `on_valid`."""
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
            ImportJob.objects.filter(pk=job.pk).update(processed_rows=processed)
    if batch and on_valid is not None:
        on_valid(batch)
    return processed, error_rows, error_count, stored


def _guarded(step):
    """Any unexpected failure ends the job with a message instead of leaving it running forever."""

    def run(job_id: int) -> ImportJob:
        try:
            return step(job_id)
        except Exception:
            logger.exception("import job %s failed", job_id)
            job = ImportJob.objects.get(pk=job_id)
            ImportJob.objects.filter(pk=job_id).update(
                finished_at=timezone.now(),
                file_error="处理文件时发生内部错误，已回滚，没有保存任何数据。请联系系统管理员。",
            )
            if job.status in (
                ImportJob.Status.UPLOADED,
                ImportJob.Status.VALIDATING,
                ImportJob.Status.COMMITTING,
            ):
                workflow.perform(job, "fail", None)
            return ImportJob.objects.get(pk=job_id)

    run.__name__, run.__doc__ = step.__name__, step.__doc__
    return run


@_guarded
def validate(job_id: int) -> ImportJob:
    """Check the whole file; store the row count and every error (nothing else is written)."""
    job = ImportJob.objects.get(pk=job_id)
    sheet = get_sheet(job.sheet)
    ImportJob.objects.filter(pk=job.pk).update(processed_rows=0)
    workflow.perform(job, "validate", None)
    try:
        workbook = open_workbook(Path(job.file.path), DATA_SHEET)
        positions = map_header(sheet, workbook.header)
        context = sheet.prepare(job.user)
        rows = parsedcache.write(job, sheet, parsed_rows(sheet, workbook, positions))
        processed, error_rows, error_count, stored = _scan(job, sheet, rows, context)
        if processed == 0:
            raise FileRefused(f"工作表“{workbook.sheet_name}”只有表头，没有数据行。")
    except FileRefused as exc:
        job.file_error, job.finished_at = str(exc), timezone.now()
        job.save(update_fields=["file_error", "finished_at"])
        return workflow.perform(job, "refuse", None)
    job.total_rows = job.processed_rows = processed
    job.error_rows, job.error_count, job.errors = error_rows, error_count, stored
    job.save(update_fields=["total_rows", "processed_rows", "error_rows", "error_count", "errors"])
    return workflow.perform(job, "validated", None)


@_guarded
def commit(job_id: int) -> ImportJob:
    """Store the file's rows in one transaction: all of them (only if there is no error) or the valid
    ones. The file is re-validated against the data as it is now; the reason goes to the audit log."""
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
        with (
            transaction.atomic(),
            audit_context(source=Source.IMPORT, actor=actor, reason=job.reason, ip=ip),
            derived.batched(),  # summaries of what the rows touched are refreshed once, before COMMIT
        ):
            context = sheet.prepare(job.user)

            def store(batch):
                counts.add(sheet.apply(batch, job.user, context))

            processed, error_rows, error_count, stored = _scan(job, sheet, rows, context, store)
            if error_rows and job.mode == ImportJob.Mode.ALL_OR_NOTHING:
                raise _Rollback(error_rows, error_count, stored, processed)
    except _Rollback as rollback:
        job.file_error = (
            f"文件中有 {rollback.error_rows} 行存在错误，按“全部正确才导入”的要求，没有导入任何数据。"
        )
        job.error_rows, job.error_count, job.errors = (
            rollback.error_rows,
            rollback.error_count,
            rollback.stored,
        )
        job.total_rows = rollback.processed
        job.finished_at = timezone.now()
        job.save(update_fields=_RESULT_FIELDS)
        return workflow.perform(job, "fail", None)
    except FileRefused as exc:
        job.file_error, job.finished_at = str(exc), timezone.now()
        job.save(update_fields=["file_error", "finished_at"])
        return workflow.perform(job, "fail", None)
    parsedcache.discard(job)
    job.total_rows = job.processed_rows = processed
    job.error_rows, job.error_count, job.errors = error_rows, error_count, stored
    job.result = {
        "created": counts.created,
        "updated": counts.updated,
        "unchanged": counts.unchanged,
        "skipped": error_rows,
    }
    job.finished_at = timezone.now()
    job.save(update_fields=[*_RESULT_FIELDS, "result"])
    return workflow.perform(job, "done", None)


# what a step writes besides the state (the state itself only through the workflow)
_RESULT_FIELDS = [
    "file_error",
    "error_rows",
    "error_count",
    "errors",
    "total_rows",
    "processed_rows",
    "finished_at",
]


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
