"""Who is changing things, from where, and why — carried through a request, a CLI run or an import.

Web requests get their context from `AuditContextMiddleware`; management commands and imports open
one with `audit_context(...)`. Signal receivers read it when they write change entries.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace


class Source:
    WEB = "web"
    API = "api"
    CLI = "cli"
    IMPORT = "import"
    SYSTEM = "system"

    CHOICES = [(WEB, "网页"), (API, "接口"), (CLI, "命令行"), (IMPORT, "导入"), (SYSTEM, "系统")]


@dataclass(frozen=True)
class AuditContext:
    source: str = Source.SYSTEM
    request_id: str = ""
    actor: object | None = None  # a User, or None for the system itself
    actor_label: str = ""
    reason: str = ""
    ip: str | None = None

    def resolved_actor(self):
        actor = self.actor
        # Web requests hand over request.user lazily; anonymous visitors are not actors.
        if actor is not None and not getattr(actor, "is_authenticated", False):
            return None
        return actor


_current: ContextVar[AuditContext | None] = ContextVar("kechuang_audit_context", default=None)


def new_request_id() -> str:
    return uuid.uuid4().hex


def current() -> AuditContext:
    ctx = _current.get()
    if ctx is None:
        ctx = AuditContext(request_id=new_request_id())
    return ctx


@contextmanager
def audit_context(**changes) -> Iterator[AuditContext]:
    """Layer `changes` (source, actor, reason, …) on the current context for the enclosed block."""
    base = _current.get() or AuditContext(request_id=new_request_id())
    if not changes.get("reason", True):
        del changes["reason"]  # an action without a reason of its own keeps the caller's (e.g. an import's)
    if "actor" in changes and "actor_label" not in changes:
        actor = changes["actor"]
        changes["actor_label"] = str(actor) if actor is not None else ""
    ctx = replace(base, **changes)
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


def act_as(actor) -> None:
    """Make `actor` the actor for the rest of the current request — for callers identified inside the
    view (an API token), after the middleware opened the request's context; the middleware's reset at
    the end of the request drops it again."""
    _current.set(replace(current(), actor=actor, actor_label=str(actor) if actor is not None else ""))
