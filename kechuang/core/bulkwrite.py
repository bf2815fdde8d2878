"""Fast inserts for bulk paths (imports, audit entries of imports, generated data).

Django's `bulk_create` spends most of its time building SQL and preparing each value through the field
(measured: ~5,000 rows/s on SQLite). Here values are adapted once per column kind and written with
`executemany` (SQLite) or `COPY … FROM STDIN` (PostgreSQL). Ids are assigned before the insert — from
the table's sequence (PostgreSQL) or after its current maximum inside the transaction that holds SQLite's
write lock — so callers can name the new rows (e.g. in audit entries). Model `save()` and signals are not
run: callers validate and audit themselves.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from django.db import connection, models
from django.utils import timezone

from .personal import PersonalField, seal

CHUNK = 5_000


class JSONText(str):
    """A JSON field's value already encoded by the caller (the audit chain encodes each snapshot once, for
    its hash and for the insert): written as it is."""

    __slots__ = ()


def _adapter(field: models.Field):
    """A function turning the Python value of `field` into what the database driver takes."""
    if isinstance(field, PersonalField):
        return seal  # personal data is written encrypted on this path too
    kind = field.get_internal_type()
    ops = connection.ops
    if kind == "DateTimeField":
        if connection.vendor == "postgresql":
            return None  # psycopg adapts aware datetimes itself
        adapted = {}

        def moment(value):  # bulk rows share a few timestamps (the time of the import): adapt each once
            if value not in adapted:
                adapted[value] = ops.adapt_datetimefield_value(value)
            return adapted[value]

        return moment
    if kind == "DateField":
        return ops.adapt_datefield_value if connection.vendor != "postgresql" else None
    if kind == "JSONField":
        encoder = field.encoder

        def dump(value):
            if value.__class__ is JSONText:
                return str.__str__(value)
            return json.dumps(value, cls=encoder, ensure_ascii=False)

        return dump
    return None  # ints, strings, booleans, Decimals (both drivers take them as they are)


def _reserve_ids(model, count: int) -> list[int]:
    table = model._meta.db_table
    pk = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, pk, count],
            )
            return [row[0] for row in cursor.fetchall()]
        if not connection.in_atomic_block:
            raise RuntimeError("bulkwrite.insert on SQLite must run inside a transaction")
        cursor.execute(f'SELECT max("{pk}") FROM "{table}"')
        highest = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        start = max(highest, row[0] if row else 0) + 1
        return list(range(start, start + count))


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` new ids of `model`'s table (for callers that must know them before the insert)."""
    return _reserve_ids(model, count) if count else []


def insert(model: type[models.Model], rows: Iterable[dict], ids: list[int] | None = None) -> list[int]:
    """Insert `rows` (attname → Python value; missing ones take the field's default, auto_now fields the
    current time) into `model`'s table and return their new ids, in order (`ids`: reserved already)."""
    rows = list(rows)
    if not rows:
        return []
    columns = [f for f in model._meta.concrete_fields if not f.primary_key]
    now = timezone.now()
    defaults = {}
    for field in columns:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            defaults[field.attname] = now
        else:
            defaults[field.attname] = field.get_default()  # "" for text columns that are not nullable
    adapters = [(field.attname, _adapter(field)) for field in columns]
    ids = _reserve_ids(model, len(rows)) if ids is None else ids
    values = []
    for pk, row in zip(ids, rows, strict=True):
        record = [pk]
        for attname, adapt in adapters:
            value = row[attname] if attname in row else defaults[attname]
            record.append(adapt(value) if adapt is not None and value is not None else value)
        values.append(record)
    names = [model._meta.pk.column] + [field.column for field in columns]
    table = model._meta.db_table
    quoted = ", ".join(connection.ops.quote_name(n) for n in names)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN") as copy:
                for record in values:
                    copy.write_row(record)
        else:
            sql = f"INSERT INTO {connection.ops.quote_name(table)} ({quoted}) VALUES ({', '.join(['%s'] * len(names))})"
            for start in range(0, len(values), CHUNK):
                cursor.executemany(sql, values[start : start + CHUNK])
    return ids
