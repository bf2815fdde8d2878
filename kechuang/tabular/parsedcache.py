"""The preview's parsed cells, kept for the commit of the same file.

Parsing the cells of a workbook depends on the file alone, so the commit need not parse them again: the
preview writes each row's parsed values and cell errors as a line of JSON, headed by the file's SHA-256
and the sheet's column signature; the commit reads them back when both still match (else it parses the
file again). Checks that depend on the data as it is now (scope, duplicates, model rules) still run on
every row at commit. JSON, not pickle: a file under the media directory must never be able to run code.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.conf import settings

from .registry import ID_HEADER, Sheet


def _path(job) -> Path:
    return _path_of(job.pk)


def _path_of(pk: int) -> Path:
    return Path(settings.MEDIA_ROOT) / "imports" / "parsed" / f"{pk}.jsonl"


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _signature(sheet: Sheet) -> str:
    return "|".join(f"{c.key}:{c.kind}" for c in sheet.columns)


def _encode(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _decoders(sheet: Sheet) -> dict:
    decoders = {ID_HEADER: None}
    for column in sheet.columns:
        decoders[column.key] = {"decimal": Decimal, "date": date.fromisoformat}.get(column.kind)
    return decoders


def write(job, sheet: Sheet, rows: Iterable[tuple[int, dict, dict]]) -> Iterator[tuple[int, dict, dict]]:
    """Pass `rows` (number, values, cell errors) through, writing them to the job's cache on the way."""
    path = _path(job)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    with open(partial, "w", encoding="utf-8") as out:
        out.write(json.dumps({"sha256": _digest(Path(job.file.path)), "columns": _signature(sheet)}) + "\n")
        for number, values, errors in rows:
            line = [
                number,
                {k: _encode(v) for k, v in values.items()},
                {k or "": [str(r) if r is not None else None, m] for k, (r, m) in errors.items()},
            ]
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
            yield number, values, errors
    partial.replace(path)  # only a complete pass becomes the cache


def read(job, sheet: Sheet) -> Iterator[tuple[int, dict, dict]] | None:
    """The cached rows of this job's file, or None when there is no cache that matches the file."""
    path = _path(job)
    if not path.exists():
        return None
    with open(path, encoding="utf-8") as handle:
        try:
            header = json.loads(handle.readline())
        except ValueError:
            return None
    if header.get("sha256") != _digest(Path(job.file.path)) or header.get("columns") != _signature(sheet):
        return None
    return _rows(path, _decoders(sheet))


def _rows(path: Path, decoders: dict) -> Iterator[tuple[int, dict, dict]]:
    with open(path, encoding="utf-8") as handle:
        handle.readline()
        for line in handle:
            number, values, errors = json.loads(line)
            for key, value in values.items():
                decode = decoders.get(key)
                if decode is not None and value is not None:
                    values[key] = decode(value)
            yield number, values, {(k or None): tuple(v) for k, v in errors.items()}


def discard(job) -> None:
    discard_pk(job.pk)


def discard_pk(pk: int) -> None:
    path = _path_of(pk)
    path.unlink(missing_ok=True)
    path.with_suffix(".part").unlink(missing_ok=True)
