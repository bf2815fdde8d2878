"""Derived data (summary tables) kept in step with the records they summarise.

A change marks the keys it touched (e.g. the towns whose qualification summaries are now stale) with the
function that recomputes them. Outside a batch the refresh runs at once, inside the same transaction as the
change; inside `batched()` (an import, a generator) the keys are collected and refreshed once when the batch
ends — still inside the caller's transaction, so readers never see records and summaries disagree.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from contextlib import contextmanager

_state = threading.local()


def _pending() -> dict | None:
    return getattr(_state, "pending", None)


def mark(refresh: Callable[[set], None], keys: Iterable) -> None:
    keys = set(keys)
    if not keys:
        return
    pending = _pending()
    if pending is None:
        refresh(keys)
    else:
        pending.setdefault(refresh, set()).update(keys)


@contextmanager
def batched():
    """Collect refreshes until the outermost batch ends without an error, then run each once."""
    if _pending() is not None:  # nested: the outer batch refreshes
        yield
        return
    _state.pending = {}
    try:
        yield
        while _state.pending:  # a refresh may mark more (e.g. a roll-up of what it refreshed)
            refresh, keys = _state.pending.popitem()
            refresh(keys)
    finally:
        _state.pending = None
