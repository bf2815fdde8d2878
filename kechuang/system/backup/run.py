"""Backing up and restoring the whole system: the database and every file under MEDIA_ROOT.

A backup reads every table inside one snapshot, then the files, into an archive (`archive.py`) and is
recorded (`BackupRecord` and its audit entry) once the archive is complete. A restore

1. reads the whole archive and checks every SHA-256 — before anything is touched;
2. refuses a backup of another schema (the migrations applied per app must be this code's, the tables
   and columns this code's models), and a target that holds data or files unless `force` is given;
3. migrates an empty database first;
4. copies the files into a work folder inside MEDIA_ROOT and checks them on disk;
5. in one transaction empties every table, loads every table, checks each table's row count and every
   foreign key, restores where each table's ids continue, moves the data version past any number used
   before (caches keyed by it are never served stale), and records the restore (`BackupRecord` and its
   audit entry — the `actor` looked up in the restored accounts);
6. after the commit swaps the files in (the replaced ones are kept aside in MEDIA_ROOT/.kechuang-replaced-…)
   and checks that each is in place.
A refusal or failure up to the commit leaves the database and the files as they were.
"""

from __future__ import annotations

import getpass
import gzip
import hashlib
import json
import os
import shutil
import socket
import sqlite3
import tempfile
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from importlib import metadata
from pathlib import Path

import django
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from kechuang.audit.models import DataVersion
from kechuang.audit.recording import record_change
from kechuang.audit.snapshots import diff, snapshot
from kechuang.core.context import audit_context

from ..models import BackupRecord
from . import archive
from .errors import BackupError
from .tables import (
    MIGRATE_FILLS,
    Table,
    applied_migrations,
    consistent_read,
    empty_tables,
    model_tables,
    next_id,
    read_rows,
    row_counts,
    set_next_id,
    write_rows,
)

# Work folders inside MEDIA_ROOT (a restore's staged files, the files a restore replaced): never backed up.
WORK_PREFIX = ".kechuang-"
GZIP_LEVEL = 6
Log = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


@dataclass
class Outcome:
    path: Path
    sha256: str
    size: int
    taken_at: datetime
    vendor: str
    tables: int
    rows: int
    files: int
    file_bytes: int
    record: BackupRecord | None = None
    replaced: dict = field(default_factory=dict)


def _media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def media_files(root: Path) -> list[tuple[str, Path]]:
    """(path relative to MEDIA_ROOT with `/`, full path) of every regular file under it, sorted; the work
    folders of restores are left out, and so are symbolic links."""
    found: list[tuple[str, Path]] = []
    if not root.is_dir():
        return found
    for directory, subdirectories, names in os.walk(root):
        here = Path(directory)
        relative = here.relative_to(root)
        if here == root:
            subdirectories[:] = [d for d in subdirectories if not d.startswith(WORK_PREFIX)]
            names = [n for n in names if not n.startswith(WORK_PREFIX)]
        subdirectories.sort()
        for name in sorted(names):
            full = here / name
            if full.is_symlink() or not full.is_file():
                continue
            path = (relative / name).as_posix()
            try:
                path.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise BackupError(
                    f"文件名不是有效的 UTF-8，无法写入备份：{full!r}。请改名后再备份。"
                ) from exc
            found.append((path, full))
    return found


def _operator() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid())
    return f"{user}@{socket.gethostname()}"[:200]


def _record(**fields) -> BackupRecord:
    """The row of this backup or restore and its audit entry, in the current audit context."""
    record = BackupRecord.objects.create(operator=_operator(), **fields)
    after = snapshot(record)
    record_change(record, "create", None, after, diff({}, after))
    return record


def _version_of(connection) -> str:
    if connection.vendor == "postgresql":
        return str(connection.pg_version)
    return sqlite3.sqlite_version


def _kechuang_version() -> str:
    try:
        return metadata.version("kechuang")
    except metadata.PackageNotFoundError:
        return ""


# --- backup --------------------------------------------------------------------------------------------


def _destination(path: Path, now: datetime) -> Path:
    if path.is_dir():
        return path / f"kechuang-{timezone.localtime(now):%Y%m%d-%H%M%S}.tar"
    if path.exists():
        raise BackupError(f"“{path}”已存在：备份不会覆盖已有文件，请换一个文件名或给出目录。")
    if not path.parent.is_dir():
        raise BackupError(f"目录“{path.parent}”不存在。")
    return path


def _spool_table(connection, table: Table, spool) -> int:
    """Write the table's rows, gzip-compressed JSON lines, into `spool`; returns the row count."""
    count = 0
    with gzip.GzipFile(fileobj=spool, mode="wb", compresslevel=GZIP_LEVEL, mtime=0) as out:
        lines = []
        for row in read_rows(connection, table):
            lines.append(json.dumps(row, ensure_ascii=False, separators=(",", ":")))
            count += 1
            if len(lines) == 1000:
                out.write(("\n".join(lines) + "\n").encode("utf-8"))
                lines = []
        if lines:
            out.write(("\n".join(lines) + "\n").encode("utf-8"))
    return count


def backup(destination: str | os.PathLike, *, log: Log = _quiet, detail: Log = _quiet) -> Outcome:
    """Write an archive of the database and MEDIA_ROOT to `destination` (a file name, or a directory
    to put `kechuang-<time>.tar` in) and record it. `log` hears the steps, `detail` every table."""
    connection = connections[DEFAULT_DB_ALIAS]
    tables = model_tables()
    applied = _migration_set(applied_migrations(connection))
    code = set(MigrationLoader(connection, ignore_no_migrations=True).graph.nodes)
    if applied != code:
        raise BackupError(
            "数据库的结构版本（迁移）与本系统不一致，无法备份："
            + _describe_difference(applied, code, "数据库", "本系统")
            + "。请用与数据库一致的系统版本备份（升级前先备份），或先运行 kechuang migrate。"
        )
    now = timezone.now()
    path = _destination(Path(destination), now)
    writer = archive.Writer(path, mtime=now.timestamp())
    entries, files = [], []
    log(f"备份到 {path} …")
    try:
        with consistent_read(connection):
            migrations = applied_migrations(connection)
            for table in tables:
                with tempfile.TemporaryFile(dir=path.parent, prefix=".kechuang-backup-") as spool:
                    rows = _spool_table(connection, table, spool)
                    size = spool.tell()
                    spool.seek(0)
                    digest = writer.add(table.member, spool, size)
                entries.append(
                    {
                        **table.describe(),
                        "rows": rows,
                        "next_id": next_id(connection, table),
                        "member": table.member,
                        "bytes": size,
                        "sha256": digest,
                    }
                )
                detail(f"  {table.name}：{rows} 行")
        media = media_files(_media_root())
        log(f"数据库 {len(entries)} 张表已写入；写入 {len(media)} 个文件 …")
        for relative, full in media:
            try:
                handle = open(full, "rb")  # noqa: SIM115 — closed below
            except OSError as exc:
                raise BackupError(f"无法读取文件“{full}”：{exc.strerror}") from exc
            with handle:
                stat = os.fstat(handle.fileno())
                member = "media/" + relative
                digest = writer.add(member, handle, stat.st_size, stat.st_mtime)
            files.append(
                {
                    "path": relative,
                    "member": member,
                    "bytes": stat.st_size,
                    "mtime": stat.st_mtime,
                    "sha256": digest,
                }
            )
        manifest = {
            "format": archive.FORMAT,
            "format_version": archive.FORMAT_VERSION,
            "created_at": now.isoformat(),
            "kechuang_version": _kechuang_version(),
            "django_version": django.get_version(),
            "database": {"vendor": connection.vendor, "version": _version_of(connection)},
            "migrations": migrations,
            "tables": entries,
            "media": files,
            "totals": {
                "tables": len(entries),
                "rows": sum(e["rows"] for e in entries),
                "files": len(files),
                "file_bytes": sum(f["bytes"] for f in files),
            },
        }
        sha256, size = writer.finish(manifest)
    except OSError as exc:  # the disk is full, a folder vanished …
        writer.abort()
        raise BackupError(f"写入备份文件“{path}”失败：{exc}；未留下不完整的文件。") from exc
    except BaseException:
        writer.abort()
        raise
    totals = manifest["totals"]
    outcome = Outcome(
        path=path,
        sha256=sha256,
        size=size,
        taken_at=now,
        vendor=connection.vendor,
        tables=totals["tables"],
        rows=totals["rows"],
        files=totals["files"],
        file_bytes=totals["file_bytes"],
    )
    with transaction.atomic():
        outcome.record = _record(
            kind=BackupRecord.Kind.BACKUP,
            archive=str(path.resolve()),
            archive_bytes=size,
            archive_sha256=sha256,
            taken_at=now,
            database=connection.vendor,
            tables=outcome.tables,
            rows=outcome.rows,
            files=outcome.files,
            file_bytes=outcome.file_bytes,
        )
    return outcome


# --- checks before a restore ---------------------------------------------------------------------------


def _migration_set(migrations: dict) -> set[tuple[str, str]]:
    return {(app, name) for app, names in migrations.items() for name in names}


def _describe_difference(theirs: set, ours: set, their_label: str, our_label: str) -> str:
    apps = sorted({app for app, _ in theirs ^ ours})
    parts = []
    for app in apps[:6]:
        only_theirs = sorted(n for a, n in theirs - ours if a == app)
        only_ours = sorted(n for a, n in ours - theirs if a == app)
        bits = []
        if only_theirs:
            bits.append(
                f"{their_label}多出 {'、'.join(only_theirs[:3])}{'等' if len(only_theirs) > 3 else ''}"
            )
        if only_ours:
            bits.append(f"{our_label}多出 {'、'.join(only_ours[:3])}{'等' if len(only_ours) > 3 else ''}")
        parts.append(f"{app}：{'，'.join(bits)}")
    return "；".join(parts) + ("；……" if len(apps) > 6 else "")


def check_schema(verified: archive.Verified, tables: list[Table], connection) -> None:
    """The backup's schema is this code's: the same migrations, the same tables and columns."""
    shown = f"“{verified.path}”"
    theirs = _migration_set(verified.manifest.get("migrations") or {})
    ours = set(MigrationLoader(connection, ignore_no_migrations=True).graph.nodes)
    if theirs != ours:
        raise BackupError(
            f"备份文件{shown}的数据库结构版本（迁移）与本系统不同，拒绝恢复："
            + _describe_difference(theirs, ours, "备份", "本系统")
            + "。请用做备份时的系统版本恢复，再升级。"
        )
    described = {t.name: t.describe() for t in tables}
    if set(verified.tables) != set(described):
        extra = sorted(set(verified.tables) ^ set(described))
        raise BackupError(f"备份文件{shown}的数据表与本系统不同（{'、'.join(extra[:5])}），拒绝恢复。")
    for name, entry in verified.tables.items():
        if [list(c) for c in entry.get("columns", [])] != described[name]["columns"]:
            raise BackupError(f"备份文件{shown}中数据表 {name} 的列与本系统不同，拒绝恢复。")
        if not isinstance(entry.get("rows"), int) or entry["rows"] < 0:
            raise BackupError(f"备份文件{shown}的清单中数据表 {name} 的行数无效，拒绝恢复。")


def check(path: str | os.PathLike, *, expect_sha256: str = "") -> archive.Verified:
    """Verify an archive and that this system can restore it; touches nothing."""
    verified = archive.verify(Path(path))
    if expect_sha256 and verified.sha256 != expect_sha256.strip().lower():
        raise BackupError(
            f"备份文件“{verified.path}”的 SHA-256 为 {verified.sha256}，与给出的 {expect_sha256} 不符，拒绝恢复。"
        )
    check_schema(verified, model_tables(), connections[DEFAULT_DB_ALIAS])
    return verified


def _rows_text(counts: dict[str, int]) -> str:
    biggest = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    shown = "、".join(f"{name} {n:,} 行" for name, n in biggest[:4])
    more = f" 等 {len(counts)} 张表" if len(counts) > 4 else ""
    return f"{shown}{more}，共 {sum(counts.values()):,} 行"


# --- restore -------------------------------------------------------------------------------------------


def _stage_media(reader: archive.Reader, entries: list[dict], work: Path) -> None:
    """Copy the archive's files into `work`, then read them back from disk and check each."""
    try:
        _copy_media(reader, entries, work)
    except OSError as exc:
        raise BackupError(f"写入文件失败（{exc}），已撤销恢复，数据库和文件目录保持原样。") from exc


def _copy_media(reader: archive.Reader, entries: list[dict], work: Path) -> None:
    for entry in entries:
        target = work / entry["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        reader.copy_to(entry["member"], target)
        if isinstance(entry.get("mtime"), (int, float)):
            os.utime(target, (entry["mtime"], entry["mtime"]))
    for entry in entries:
        digest = hashlib.sha256()
        with open(work / entry["path"], "rb") as handle:
            while chunk := handle.read(archive.CHUNK):
                digest.update(chunk)
        if digest.hexdigest() != entry["sha256"]:
            raise BackupError(f"文件“{entry['path']}”写入磁盘后校验和不符（磁盘故障？），已撤销恢复。")


def _swap_media(root: Path, work: Path, kept: Path) -> None:
    """Put the staged files in place of MEDIA_ROOT's contents; what was there goes to `kept`, a folder
    inside MEDIA_ROOT (the same filesystem even when MEDIA_ROOT is a mount: every move is a rename)."""
    old = [p for p in root.iterdir() if not p.name.startswith(WORK_PREFIX)]
    if old:
        kept.mkdir()
        for entry in old:
            entry.rename(kept / entry.name)
    for entry in work.iterdir():
        entry.rename(root / entry.name)
    work.rmdir()


def _load_table(connection, reader: archive.Reader, table: Table, expected: int) -> None:
    source = reader.open(table.member)
    with gzip.GzipFile(fileobj=source, mode="rb") as lines:
        try:
            count = write_rows(connection, table, (json.loads(line) for line in lines))
        except (ValueError, OSError, EOFError) as exc:  # a bad line (or bad gzip) despite the checksum
            raise BackupError(
                f"备份文件“{reader.verified.path}”的成员“{table.member}”无法读取：{exc}"
            ) from exc
    reader.check(table.member, source)
    if count != expected:
        raise BackupError(f"数据表 {table.name} 载入 {count} 行，清单记录 {expected} 行，已撤销恢复。")


def _load_all(connection, reader, verified, tables, actor: str, replaced: dict, detail: Log) -> BackupRecord:
    """Everything that happens to the database, in one transaction: empty every table, load every
    table, check the counts, continue the ids, move the data version on, record the restore."""
    manifest = verified.manifest
    with transaction.atomic():
        version_before = DataVersion.objects.filter(pk=1).values_list("number", flat=True).first() or 0
        empty_tables(connection, tables)
        for table in tables:
            expected = verified.tables[table.name]["rows"]
            _load_table(connection, reader, table, expected)
            detail(f"  {table.name}：{expected} 行")
        loaded = row_counts(connection, tables)
        for table in tables:
            if loaded[table.name] != verified.tables[table.name]["rows"]:
                raise BackupError(
                    f"数据表 {table.name} 恢复后有 {loaded[table.name]} 行，清单记录 "
                    f"{verified.tables[table.name]['rows']} 行，已撤销恢复。"
                )
            set_next_id(connection, table, verified.tables[table.name].get("next_id"))
        # every foreign key now, not at COMMIT: a refusal names the row and undoes all of the above
        connection.check_constraints(table_names=[t.name for t in tables])
        # the content types just loaded replace those migrate made: forget the cached ids
        ContentType.objects.clear_cache()
        # past every number used before, on either side: a cache keyed by an old number is never hit
        restored_version = DataVersion.objects.filter(pk=1).values_list("number", flat=True).first() or 0
        DataVersion.objects.update_or_create(pk=1, defaults={"number": max(version_before, restored_version)})
        user = None
        if actor:
            user = get_user_model()._default_manager.filter(username=actor).first()
            if user is None:
                raise BackupError(f"备份中没有用户“{actor}”（--actor），已撤销恢复。")
        totals = manifest["totals"]
        with audit_context(actor=user) if user is not None else nullcontext():
            return _record(
                kind=BackupRecord.Kind.RESTORE,
                archive=str(verified.path.resolve()),
                archive_bytes=verified.size,
                archive_sha256=verified.sha256,
                taken_at=datetime.fromisoformat(manifest["created_at"]),
                database=manifest["database"]["vendor"],
                tables=totals["tables"],
                rows=totals["rows"],
                files=totals["files"],
                file_bytes=totals["file_bytes"],
                replaced=replaced,
            )


def restore(
    path: str | os.PathLike,
    *,
    force: bool = False,
    actor: str = "",
    expect_sha256: str = "",
    log: Log = _quiet,
    detail: Log = _quiet,
) -> Outcome:
    """Restore the archive at `path` into the database and MEDIA_ROOT (see the module's docstring).
    `actor` is a username looked up in the restored data, for the audit entry."""
    connection = connections[DEFAULT_DB_ALIAS]
    log(f"校验备份文件 {path} …")
    verified = check(path, expect_sha256=expect_sha256)
    manifest = verified.manifest
    tables = model_tables()
    shown = f"“{verified.path}”"

    counts = row_counts(connection, tables)
    occupied = {name: n for name, n in counts.items() if n and name not in MIGRATE_FILLS}
    root = _media_root()
    present_files = media_files(root)
    replaced: dict = {}
    if occupied or present_files:
        what = []
        if occupied:
            what.append(f"数据库中有数据（{_rows_text(occupied)}）")
        if present_files:
            what.append(f"文件目录 {root} 中有 {len(present_files)} 个文件")
        if not force:
            raise BackupError(
                "目标不是空的："
                + "；".join(what)
                + "。恢复会替换它们；确需替换请加 --force（建议先备份当前数据）。"
            )
        replaced = {"tables": occupied, "rows": sum(occupied.values()), "files": len(present_files)}
        log("将被替换：" + "；".join(what) + "。")

    if occupied:
        if applied_migrations(connection) != manifest["migrations"]:
            raise BackupError(
                f"目标数据库已执行的迁移与备份文件{shown}不同，拒绝恢复：先把目标数据库迁移到同一版本"
                "（kechuang migrate），或恢复到一个空数据库。"
            )
    elif applied_migrations(connection) != manifest["migrations"]:
        log("目标数据库为空：先建立数据表（migrate）…")
        call_command("migrate", interactive=False, verbosity=0)
        if applied_migrations(connection) != manifest["migrations"]:
            raise BackupError(f"目标数据库迁移后与备份文件{shown}的结构版本仍不同，拒绝恢复。")

    reader = archive.Reader(verified)
    stamp = f"{timezone.localtime():%Y%m%d-%H%M%S}-{os.getpid()}"
    root.mkdir(parents=True, exist_ok=True)
    work = root / f"{WORK_PREFIX}restore-{stamp}"
    work.mkdir()
    kept = root / f"{WORK_PREFIX}replaced-{stamp}"
    if any(not p.name.startswith(WORK_PREFIX) for p in root.iterdir()):
        replaced["files_kept_in"] = str(kept)
    try:
        log(f"写入 {len(manifest['media'])} 个文件并校验 …")
        _stage_media(reader, manifest["media"], work)
        log(f"载入 {len(tables)} 张数据表 …")
        try:
            record = _load_all(connection, reader, verified, tables, actor, replaced, detail)
        except DatabaseError as exc:  # a constraint the rows break (checked at the latest on commit)
            raise BackupError(
                f"数据库拒绝了备份文件{shown}中的数据（{exc}），已撤销恢复，数据库保持原样。"
            ) from exc
    except BaseException:
        reader.close()
        shutil.rmtree(work, ignore_errors=True)
        raise
    reader.close()

    _swap_media(root, work, kept)
    for entry in manifest["media"]:
        final = root / entry["path"]
        if not final.is_file() or final.stat().st_size != entry["bytes"]:
            raise BackupError(f"数据库已恢复，但文件“{final}”未能放回原处：请检查文件目录 {root}。")
    if "files_kept_in" in replaced:
        log(f"原文件目录中的内容已移到 {kept}（确认恢复无误后可删除）。")
    totals = manifest["totals"]
    return Outcome(
        path=verified.path,
        sha256=verified.sha256,
        size=verified.size,
        taken_at=record.taken_at,
        vendor=manifest["database"]["vendor"],
        tables=totals["tables"],
        rows=totals["rows"],
        files=totals["files"],
        file_bytes=totals["file_bytes"],
        record=record,
        replaced=replaced,
    )
