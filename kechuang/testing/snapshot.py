"""The test database's demo data, copied once after it is loaded and put back in about a second — instead
of loading the demo again (~20 s on SQLite, more on PostgreSQL) after each transactional test (the browser
tests) has flushed it.

The copy is the database's own: a schema of its own on PostgreSQL, an attached file on SQLite, table by
table with `CREATE TABLE … AS SELECT`; putting it back empties every table and copies the rows back in one
transaction (foreign keys are checked at its end, the primary keys keep their values, the sequences are
moved past them). Content types come back with their ids, so Django's cache of them is cleared."""

from __future__ import annotations

from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.color import no_style
from django.db import connection, transaction

SCHEMA = "kechuang_demo_snapshot"
_taken: list[str] = []  # the tables copied (empty until `take`)


def _tables() -> list[str]:
    return sorted(t for t in connection.introspection.table_names() if t != "django_migrations")


def _sqlite_file() -> str:
    run = Path(settings.KECHUANG_LEASE_DIR).parent  # this run's directory, removed at its end
    run.mkdir(parents=True, exist_ok=True)
    return str(run / "demo-snapshot.sqlite3")


def _copy(cursor, source: str, target: str, tables: list[str]) -> None:
    qn = connection.ops.quote_name
    for table in tables:
        cursor.execute(f"DROP TABLE IF EXISTS {target}.{qn(table)}")
        cursor.execute(f"CREATE TABLE {target}.{qn(table)} AS SELECT * FROM {source}.{qn(table)}")


def take() -> None:
    """Copy every table of the test database as it is now (the demo just loaded)."""
    tables = _tables()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
            cursor.execute(f"CREATE SCHEMA {SCHEMA}")
            _copy(cursor, "public", SCHEMA, tables)
        else:
            cursor.execute("ATTACH DATABASE %s AS snapshot", [_sqlite_file()])
            try:
                _copy(cursor, "main", "snapshot", tables)
            finally:
                cursor.execute("DETACH DATABASE snapshot")
    _taken[:] = tables


def restore() -> None:
    """Put the copy back: every table as it was when `take` ran."""
    if not _taken:
        raise RuntimeError("no snapshot of the demo data was taken")
    qn = connection.ops.quote_name
    sqlite = connection.vendor == "sqlite"
    source = "snapshot" if sqlite else SCHEMA
    with connection.cursor() as cursor:
        if sqlite:
            cursor.execute("ATTACH DATABASE %s AS snapshot", [_sqlite_file()])
        try:
            with transaction.atomic():
                for sql in connection.ops.sql_flush(no_style(), _tables(), allow_cascade=True):
                    cursor.execute(sql)
                for table in _taken:
                    cursor.execute(f"INSERT INTO {qn(table)} SELECT * FROM {source}.{qn(table)}")
                for sql in connection.ops.sequence_reset_sql(
                    no_style(), apps.get_models(include_auto_created=True)
                ):
                    cursor.execute(sql)
        finally:
            if sqlite:
                cursor.execute("DETACH DATABASE snapshot")
    from django.contrib.contenttypes.models import ContentType

    from kechuang.core import workdays

    ContentType.objects.clear_cache()
    workdays.forget()
