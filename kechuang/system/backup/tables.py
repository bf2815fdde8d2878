"""The database as rows, the same on SQLite and PostgreSQL.

Every table of the installed models is read in primary-key order, each value turned into a neutral JSON
value by its column's kind (a datetime as ISO 8601 in UTC, a decimal as its digits, a JSON column as the
text stored, a UUID as 32 hex digits …), and written back with raw inserts (`executemany` on SQLite,
`COPY` on PostgreSQL) in the form Django itself stores — so a backup of one database restores into the
other, and into the same kind of database exactly as it was: primary keys, every column, and where the
next id of each table starts (the sequence), so that no id of a deleted record is handed out again.
No model code runs: no `save()`, no signals, no `auto_now`.
"""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

from django.apps import apps
from django.db import transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils.dateparse import parse_date, parse_datetime, parse_time

from .errors import BackupError

FETCH = 2_000
INSERT_CHUNK = 5_000

# Tables `migrate` fills by itself (post_migrate): a database holding only these is empty.
MIGRATE_FILLS = {"django_content_type", "auth_permission"}

_KINDS = {
    "AutoField": "int",
    "BigAutoField": "int",
    "SmallAutoField": "int",
    "IntegerField": "int",
    "BigIntegerField": "int",
    "SmallIntegerField": "int",
    "PositiveIntegerField": "int",
    "PositiveBigIntegerField": "int",
    "PositiveSmallIntegerField": "int",
    "BooleanField": "bool",
    "CharField": "text",
    "TextField": "text",
    "SlugField": "text",
    "EmailField": "text",
    "URLField": "text",
    "FileField": "text",
    "ImageField": "text",
    "FilePathField": "text",
    "GenericIPAddressField": "text",
    "IPAddressField": "text",
    "DateTimeField": "datetime",
    "DateField": "date",
    "TimeField": "time",
    "DecimalField": "decimal",
    "FloatField": "float",
    "JSONField": "json",
    "UUIDField": "uuid",
    "BinaryField": "bytes",
    "DurationField": "duration",
}


@dataclass(frozen=True)
class Table:
    name: str
    model: str  # app_label.ModelName
    pk: str
    columns: tuple[tuple[str, str], ...]  # (column, kind)
    sequence: bool  # the primary key comes from a sequence (AutoField)
    references: frozenset[str]  # the tables its foreign keys point to

    @property
    def member(self) -> str:
        return f"db/{self.name}.jsonl.gz"

    def describe(self) -> dict:
        return {
            "table": self.name,
            "model": self.model,
            "pk": self.pk,
            "columns": [list(c) for c in self.columns],
        }


def _kind(field) -> str:
    while field.is_relation:
        field = field.target_field
    kind = _KINDS.get(field.get_internal_type())
    if kind is None:
        raise BackupError(
            f"无法备份 {field.model._meta.label} 的字段 {field.name}：不认识的类型 {field.get_internal_type()}。"
        )
    return kind


def model_tables() -> list[Table]:
    """Every table of the installed models (many-to-many tables included), parents before the tables
    that reference them."""
    found: dict[str, Table] = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if not meta.managed or meta.proxy or meta.db_table in found:
            continue
        fields = meta.concrete_fields
        references = frozenset(
            f.related_model._meta.db_table
            for f in fields
            if f.is_relation and f.related_model._meta.db_table != meta.db_table
        )
        found[meta.db_table] = Table(
            name=meta.db_table,
            model=meta.label,
            pk=meta.pk.column,
            columns=tuple((f.column, _kind(f)) for f in fields),
            sequence=meta.pk.get_internal_type() in {"AutoField", "BigAutoField", "SmallAutoField"},
            references=references,
        )
    return _parents_first(found)


def _parents_first(tables: dict[str, Table]) -> list[Table]:
    ordered: list[Table] = []
    waiting = dict(sorted(tables.items()))
    while waiting:
        ready = [t for t in waiting.values() if not t.references & waiting.keys()]
        if not ready:  # a circle of references (none today): their constraints are deferred anyway
            ready = list(waiting.values())[:1]
        for table in ready:
            ordered.append(table)
            del waiting[table.name]
    return ordered


def _q(connection, name: str) -> str:
    return connection.ops.quote_name(name)


# --- reading -------------------------------------------------------------------------------------------


def _utc(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:  # SQLite keeps datetimes as naive UTC text
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def _as_datetime(value):
    return _utc(parse_datetime(value) if isinstance(value, str) else value).isoformat()


def _as_date(value):
    return (parse_date(value) if isinstance(value, str) else value).isoformat()


def _as_time(value):
    return (parse_time(value) if isinstance(value, str) else value).isoformat()


def _as_decimal(value):
    return str(value)  # Decimal (PostgreSQL) or the int/float SQLite's NUMERIC affinity keeps


def _as_uuid(value):
    return value.hex if isinstance(value, uuid.UUID) else uuid.UUID(str(value)).hex


def _as_bytes(value):
    return base64.b64encode(bytes(value)).decode("ascii")


def _as_duration(value):
    if isinstance(value, dt.timedelta):
        return (value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds
    return int(value)  # SQLite: microseconds


_ENCODE = {
    "int": None,
    "text": None,
    "float": None,
    "json": None,  # the JSON text as stored (Django reads jsonb as text on PostgreSQL)
    "bool": bool,
    "datetime": _as_datetime,
    "date": _as_date,
    "time": _as_time,
    "decimal": _as_decimal,
    "uuid": _as_uuid,
    "bytes": _as_bytes,
    "duration": _as_duration,
}


def read_rows(connection, table: Table) -> Iterator[list]:
    """The table's rows in primary-key order as lists of neutral JSON values, fetched in chunks (a
    server-side cursor on PostgreSQL) so that a large table never sits in memory."""
    encoders = [_ENCODE[kind] for _, kind in table.columns]
    plain = all(e is None for e in encoders)
    columns = ", ".join(_q(connection, c) for c, _ in table.columns)
    sql = f"SELECT {columns} FROM {_q(connection, table.name)} ORDER BY {_q(connection, table.pk)}"
    cursor = connection.chunked_cursor()
    try:
        cursor.execute(sql)
        while rows := cursor.fetchmany(FETCH):
            for row in rows:
                if plain:
                    yield list(row)
                else:
                    yield [v if v is None or e is None else e(v) for v, e in zip(row, encoders, strict=True)]
    finally:
        cursor.close()


@contextmanager
def consistent_read(connection):
    """Read every table as of one moment while the application keeps writing: a repeatable-read,
    read-only transaction on PostgreSQL, a read transaction on SQLite (in WAL mode writers go on).
    Inside a transaction already (tests), that transaction is the snapshot."""
    if connection.in_atomic_block:
        yield
        return
    if connection.vendor == "postgresql":
        with transaction.atomic(using=connection.alias):
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
        return
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("BEGIN DEFERRED")  # not Django's BEGIN IMMEDIATE: a reader takes no write lock
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ROLLBACK")


def next_id(connection, table: Table) -> int | None:
    """The id the table's sequence would give the next row (None without a sequence)."""
    if not table.sequence:
        return None
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [_q(connection, table.name), table.pk])
            sequence = cursor.fetchone()[0]
            if sequence is None:
                return None
            cursor.execute(f"SELECT last_value, is_called FROM {sequence}")
            last, called = cursor.fetchone()
            return last + 1 if called else last
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table.name])
        row = cursor.fetchone()
        return None if row is None else row[0] + 1


def applied_migrations(connection) -> dict[str, list[str]]:
    """The migrations recorded as applied, by app."""
    applied: dict[str, list[str]] = {}
    if not MigrationRecorder(connection).has_table():
        return applied
    for app, name in sorted(MigrationRecorder(connection).applied_migrations()):
        applied.setdefault(app, []).append(name)
    return applied


def existing_tables(connection) -> set[str]:
    return set(connection.introspection.table_names())


def row_counts(connection, tables: Iterable[Table]) -> dict[str, int]:
    present = existing_tables(connection)
    counts = {}
    with connection.cursor() as cursor:
        for table in tables:
            if table.name in present:
                cursor.execute(f"SELECT count(*) FROM {_q(connection, table.name)}")
                counts[table.name] = cursor.fetchone()[0]
    return counts


# --- writing -------------------------------------------------------------------------------------------


def _from_iso_datetime(value):
    return _utc(dt.datetime.fromisoformat(value))


def _sqlite_datetime(adapt):
    """Django's SQLite form of a datetime (naive UTC, `str()` of it) from the archive's ISO text: the
    archive writes UTC as `…+00:00`, so the text is the same but for the `T` and the offset."""

    def moment(value: str) -> str:
        if value.endswith("+00:00") and value[10] == "T":
            return value[:10] + " " + value[11:-6]
        return adapt(_from_iso_datetime(value))

    return moment


def _decoders(connection, table: Table) -> list:
    sqlite = connection.vendor == "sqlite"
    by_kind = {
        "int": None,
        "text": None,
        "float": None,
        "json": None,
        "bool": bool,
        "datetime": _sqlite_datetime(connection.ops.adapt_datetimefield_value)
        if sqlite
        else _from_iso_datetime,
        # SQLite keeps dates and times as their ISO text, which is what the archive holds
        "date": None if sqlite else dt.date.fromisoformat,
        "time": None if sqlite else dt.time.fromisoformat,
        # SQLite's NUMERIC affinity stores the number the digits spell, as Django's own str() of a Decimal
        "decimal": None if sqlite else Decimal,
        "uuid": None,  # 32 hex digits: Django's form on SQLite, accepted as is by PostgreSQL's uuid
        "bytes": base64.b64decode,
        "duration": None if sqlite else (lambda v: dt.timedelta(microseconds=v)),
    }
    return [by_kind[kind] for _, kind in table.columns]


def write_rows(connection, table: Table, rows: Iterable[list]) -> int:
    """Insert `rows` (as `read_rows` gives them) into the empty table; returns how many."""
    decoders = _decoders(connection, table)
    plain = all(d is None for d in decoders)

    def decoded():
        for row in rows:
            if plain:
                yield row
            else:
                yield [v if v is None or d is None else d(v) for v, d in zip(row, decoders, strict=True)]

    names = ", ".join(_q(connection, c) for c, _ in table.columns)
    target = _q(connection, table.name)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {target} ({names}) FROM STDIN") as copy:
                for row in decoded():
                    copy.write_row(row)
                    count += 1
            return count
        sql = f"INSERT INTO {target} ({names}) VALUES ({', '.join(['%s'] * len(table.columns))})"
        chunk = []
        for row in decoded():
            chunk.append(row)
            if len(chunk) == INSERT_CHUNK:
                cursor.executemany(sql, chunk)
                count += len(chunk)
                chunk = []
        if chunk:
            cursor.executemany(sql, chunk)
            count += len(chunk)
    return count


def empty_tables(connection, tables: list[Table]) -> None:
    """Remove every row of `tables` (inside the caller's transaction)."""
    present = existing_tables(connection)
    names = [t.name for t in reversed(tables) if t.name in present]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            if names:
                # TRUNCATE refuses tables with deferred checks still pending in the transaction: run them
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("TRUNCATE " + ", ".join(_q(connection, n) for n in names))
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            return
        for name in names:
            cursor.execute(f"DELETE FROM {_q(connection, name)}")


def set_next_id(connection, table: Table, value: int | None) -> None:
    """Make the table's sequence give `value` next — or, without one recorded, the id after the
    highest — never an id already used."""
    if not table.sequence:
        return
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT max({_q(connection, table.pk)}) FROM {_q(connection, table.name)}")
        after_highest = (cursor.fetchone()[0] or 0) + 1
        wanted = max(value or 1, after_highest)
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, %s), %s, false)",
                [_q(connection, table.name), table.pk, wanted],
            )
            return
        cursor.execute("DELETE FROM sqlite_sequence WHERE name = %s", [table.name])
        if value is not None or after_highest > 1:
            cursor.execute(
                "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table.name, wanted - 1]
            )
