"""The data version: a number that grows after every committed change, for keying caches of computed
pages across app processes (each process keeps its own cache; the number lives in the database).

Bumped after COMMIT (`transaction.on_commit`), never before: a reader that read the old number before the
commit may cache the new data under it — harmless, the bump retires that key — but no reader can see the
new number without the change. One bump per transaction however many rows it changed. A process that dies
between COMMIT and the bump leaves a cache stale until the next change, so cached entries also expire.
"""

from django.db import connection, transaction
from django.db.models import F

from .models import DataVersion


def _bump() -> None:
    if not DataVersion.objects.filter(pk=1).update(number=F("number") + 1):
        DataVersion.objects.get_or_create(pk=1, defaults={"number": 1})


def changed() -> None:
    """Note a change in the current transaction (or now, outside one)."""
    if not connection.in_atomic_block:
        _bump()
        return
    if any(func is _bump for _, func, _ in connection.run_on_commit):
        return
    transaction.on_commit(_bump)


def current() -> int:
    return DataVersion.objects.filter(pk=1).values_list("number", flat=True).first() or 0
