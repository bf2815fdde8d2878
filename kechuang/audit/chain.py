"""The audit logs as keyed hash chains (等保 安全审计: 审计记录保护).

Every change entry and every login event carries `hash` = HMAC-SHA256(key, previous entry's hash + the
entry's own content, id included) and `prev_hash`, the hash it was chained to. Changing an entry, deleting
one, inserting one or renumbering breaks the chain at that entry, and without the key (from the
environment, never in the database) nobody with only database access can compute a chain that verifies.

Writers are serialised per log while they append: on PostgreSQL a transaction-scoped advisory lock taken
before the ids are drawn (held to the end of the writing transaction, so the chain follows the order ids
are given and committed); on SQLite the database's own write lock does the same. The previous hash is read
from the table itself, so a rolled-back savepoint or transaction leaves no hole.

Pruning entries older than the retention period keeps the chain verifiable: an `Anchor` row keeps the hash
of the last entry pruned, which the first remaining entry is chained to.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from kechuang.core.bulkwrite import JSONText, insert, reserve_ids

GENESIS = ""  # the previous hash of a log's first entry
LOCK_KEYS = {
    "audit_changeentry": 7_311_001,
    "audit_loginevent": 7_311_002,
    "audit_personaldataview": 7_311_003,
}


def key() -> bytes:
    return settings.AUDIT_CHAIN_KEY.encode()


# The columns an entry's hash covers, in this order — fixed here, not read from the model, so that a column
# added later does not change what the hashes of earlier entries mean.
CHAINED = {
    "audit_changeentry": [
        "id",
        "time",
        "actor_id",
        "actor_label",
        "source",
        "request_id",
        "ip",
        "action",
        "content_type_id",
        "object_id",
        "object_repr",
        "before",
        "after",
        "changed_fields",
        "reason",
        "scope_path",
    ],
    "audit_loginevent": ["id", "time", "username", "user_id", "ip", "user_agent", "outcome", "scope_path"],
    "audit_personaldataview": [
        "id",
        "time",
        "actor_id",
        "actor_label",
        "source",
        "request_id",
        "ip",
        "content_type_id",
        "object_id",
        "object_repr",
        "fields",
        "count",
        "where",
        "scope_path",
    ],
}


def chained_fields(model) -> list[str]:
    return CHAINED[model._meta.db_table]


# One encoder for every entry: json.dumps with these options builds a new one per call, which was most of
# the cost of chaining a 100,000-row import (the text is the same byte for byte).
_JSON = DjangoJSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _json(value) -> str:
    return _JSON.encode(value)


@functools.lru_cache(maxsize=256)
def _compressed(address: str) -> str:
    return ipaddress.ip_address(address).compressed


@functools.lru_cache(maxsize=256)
def _utc(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def _text(value) -> str:
    """One value as the hash reads it: the same for the value written and the value read back, on both
    databases (aware datetimes in UTC, IP addresses compressed, JSON with sorted keys)."""
    if value is None:
        return "\x00"
    if isinstance(value, datetime):
        return _utc(value)  # the entries of one import share their time: computed once
    if isinstance(value, dict | list):
        return _json(value)
    return str(value)


class _Encoder:
    """The canonical text of an entry, field by field (one instance per log)."""

    def __init__(self, model):
        self.names = chained_fields(model)
        kinds = {f.attname: f.get_internal_type() for f in model._meta.concrete_fields}
        self.ip = {name for name in self.names if kinds[name] == "GenericIPAddressField"}
        self.json = [name for name in self.names if kinds[name] == "JSONField"]

        # each field's conversion chosen once, not per entry (an import hashes 100,000 of them), and written
        # out as one expression per field: a text column's string is its own text without a call (JSON
        # columns never: a JSON string is quoted)
        parts = []
        for name in self.names:
            if name in self.ip:
                parts.append(f"_ip_text(get({name!r}))")
            elif name in self.json:
                parts.append(f"_json_text(get({name!r}))")
            else:
                parts.append(f"(x if (x := get({name!r})).__class__ is str else _text(x))")
        source = (
            f"def text(values):\n    get = values.get\n    return SEP.join(({', '.join(parts)},)).encode()\n"
        )
        scope = {"_ip_text": _ip_text, "_json_text": _json_text, "_text": _text, "SEP": "\x1f"}
        exec(compile(source, f"<canonical text of {model._meta.db_table}>", "exec"), scope)  # noqa: S102
        self.text = scope["text"]

    def encode_json(self, row: dict) -> None:
        """Replace the row's JSON values by their canonical text (once: the hash reads it, and the bulk
        writer stores it as it is — compact JSON with sorted keys, the same value read back)."""
        for name in self.json:
            value = row.get(name)
            if value is not None and value.__class__ is not JSONText:
                row[name] = JSONText(_json(value))


def _ip_text(value) -> str:
    return "\x00" if value is None else _compressed(str(value))


def _json_text(value) -> str:
    if value is None:
        return "\x00"
    return str.__str__(value) if value.__class__ is JSONText else _json(value)


_encoders: dict = {}


def encoder(model) -> _Encoder:
    table = model._meta.db_table  # historical models (migrations) share their table's encoder
    if table not in _encoders:
        _encoders[table] = _Encoder(model)
    return _encoders[table]


@functools.lru_cache(maxsize=8)
def _keyed(secret: bytes):
    """An HMAC already keyed with `secret`: each entry copies it instead of deriving the key pads again."""
    return hmac.new(secret, digestmod=hashlib.sha256)


def link(model, prev_hash: str, values: dict, secret: bytes | None = None) -> str:
    mac = _keyed(secret or key()).copy()
    mac.update(prev_hash.encode() + b"\n" + encoder(model).text(values))
    return mac.hexdigest()


def _lock(model) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEYS[model._meta.db_table]])


def head(model) -> str:
    """The hash the next entry chains to: the newest entry's, or the anchor of a pruned log."""
    last = model._base_manager.order_by("-pk").values_list("hash", flat=True).first()
    if last is not None:
        return last
    from .models import Anchor

    anchor = Anchor.objects.filter(log=model._meta.db_table).order_by("-pk").first()
    return anchor.last_hash if anchor is not None else GENESIS


def append(model, rows: list[dict]) -> list[int]:
    """Insert `rows` (attname → value) into the log `model`, chained; returns their ids in order."""
    if not rows:
        return []
    secret = key()
    with transaction.atomic(savepoint=False):  # the lock lasts to the end of the writing transaction
        _lock(model)
        previous = head(model)
        ids = reserve_ids(model, len(rows))
        now = timezone.now()
        defaults = {
            f.attname: now if getattr(f, "auto_now_add", False) else f.get_default()
            for f in model._meta.concrete_fields
            if not f.primary_key
        }
        encoding = encoder(model)
        for pk, row in zip(ids, rows, strict=True):
            for name, value in defaults.items():  # what the insert stores for a missing value, hashed
                if name not in row:
                    row[name] = value
            encoding.encode_json(row)
            row["id"] = pk
            row["prev_hash"] = previous
            row["hash"] = previous = link(model, previous, row, secret)
            del row["id"]
        insert(model, rows, ids=ids)
    return ids


# --- verification ---------------------------------------------------------------------------------


@dataclass
class Break:
    log: str  # the log's name (变更记录 / 登录日志)
    pk: int | None
    time: datetime | None
    message: str

    def __str__(self) -> str:
        where = f"第 {self.pk} 号记录" if self.pk is not None else "日志末尾"
        when = f"（{timezone.localtime(self.time):%Y-%m-%d %H:%M:%S}）" if self.time else ""
        return f"{self.log}{where}{when}：{self.message}"


@dataclass
class Report:
    log: str
    checked: int
    broken: Break | None


def verify(model, checkpoints: list[tuple[int, str]] | None = None, chunk: int = 2000) -> Report:
    """Walk `model`'s log in id order; the first entry whose chain does not hold, if any. `checkpoints`
    ((id, hash) recorded earlier outside the database) must all still be there unchanged — which is how
    entries cut off the end of the log are noticed."""
    from .models import Anchor

    label = str(model._meta.verbose_name)
    anchor = Anchor.objects.filter(log=model._meta.db_table).order_by("-pk").first()
    previous = anchor.last_hash if anchor is not None else GENESIS
    names = chained_fields(model)
    secret = key()
    wanted = dict(checkpoints or [])
    checked = 0
    rows = (
        model._base_manager.order_by("pk").values_list(*names, "prev_hash", "hash").iterator(chunk_size=chunk)
    )
    for row in rows:
        values = dict(zip(names, row[:-2], strict=True))
        prev_hash, stored = row[-2], row[-1]
        pk, moment = values["id"], values.get("time")
        checked += 1
        if prev_hash != previous:
            return Report(
                label,
                checked,
                Break(label, pk, moment, "与前一条记录的校验值不衔接：其前有记录被删除、插入或改动"),
            )
        if stored != link(model, previous, values, secret):
            return Report(label, checked, Break(label, pk, moment, "内容与校验值不符：记录被改动"))
        if pk in wanted and wanted.pop(pk) != stored:
            return Report(label, checked, Break(label, pk, moment, "与此前记下的检查点不符"))
        previous = stored
    if wanted:
        first = min(wanted)
        return Report(
            label,
            checked,
            Break(label, first, None, f"此前检查点记下的第 {first} 号记录已不存在：日志末尾的记录被删除"),
        )
    return Report(label, checked, None)


# --- checkpoints (outside the database) and pruning -------------------------------------------------


def read_checkpoints(path) -> dict[str, list[tuple[int, str]]]:
    """The heads recorded by earlier verifications: table → [(id, hash)]. Lines: time, table, id, hash."""
    found: dict[str, list[tuple[int, str]]] = {}
    try:
        lines = open(path, encoding="utf-8").read().splitlines()
    except FileNotFoundError:
        return found
    for line in lines:
        parts = line.split()
        if len(parts) == 4 and parts[2].isdigit():
            found.setdefault(parts[1], []).append((int(parts[2]), parts[3]))
    return found


def write_checkpoint(path, model) -> tuple[int, str] | None:
    """Append the log's current head to the checkpoint file (after a verification that held)."""
    last = model._base_manager.order_by("-pk").values_list("pk", "hash").first()
    if last is None:
        return None
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(f"{timezone.now().isoformat()} {model._meta.db_table} {last[0]} {last[1]}\n")
    return last


def checkpoints_for(model, path) -> list[tuple[int, str]]:
    """The checkpoints of `model`'s log that pruning has not passed."""
    from .models import Anchor

    anchor = Anchor.objects.filter(log=model._meta.db_table).order_by("-pk").first()
    floor = anchor.last_id if anchor is not None else 0
    return [(pk, digest) for pk, digest in read_checkpoints(path).get(model._meta.db_table, []) if pk > floor]


class PruneRefused(Exception):
    """Pruning would break the rules (retention, a log that does not verify)."""


def prune(model, before, *, actor_label: str = "", reason: str = "") -> int:
    """Delete the log's entries older than `before` (a date at least the retention period ago), keeping
    the chain verifiable through an anchor. Returns how many were removed."""
    from datetime import timedelta

    from .models import Anchor

    latest = timezone.localdate() - timedelta(days=settings.AUDIT_RETENTION_DAYS)
    if before > latest:
        raise PruneRefused(
            f"审计记录至少保留 {settings.AUDIT_RETENTION_DAYS} 天：只能清理 {latest:%Y-%m-%d} 之前的记录。"
        )
    if not reason.strip():
        raise PruneRefused("请说明清理原因（--reason），写入清理锚点与审计日志。")
    report = verify(model)
    if report.broken is not None:
        raise PruneRefused(f"日志校验未通过，不能清理：{report.broken}")
    cutoff = timezone.make_aware(datetime.combine(before, datetime.min.time()))
    with transaction.atomic():
        _lock(model)
        last = model._base_manager.filter(time__lt=cutoff).order_by("-pk").values_list("pk", "hash").first()
        if last is None:
            return 0
        table = connection.ops.quote_name(model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE id <= %s", [last[0]])
            removed = cursor.rowcount
        Anchor.objects.create(
            log=model._meta.db_table,
            last_id=last[0],
            last_hash=last[1],
            removed=removed,
            before=before,
            actor_label=actor_label[:200],
            reason=reason[:500],
        )
    return removed
