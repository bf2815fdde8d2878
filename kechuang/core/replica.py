"""Optional read replica for the dashboards (DATABASE_REPLICA_URL; docs/DEPLOY.md).

When a PostgreSQL streaming replica is configured, the views named in `KECHUANG_REPLICA_VIEWS` (the
cockpit page and `GET /api/v1/cockpit`) read the dashboard data — the apps in `KECHUANG_REPLICA_APPS`:
plans, progress, the registries, and audit (the data version a cache is keyed by) — from it. Everything else stays on the primary: every write, every other
view, and within those views the session, the user, departments and role grants, so a revoked grant takes
effect at once even when the replica lags. The price is that the cockpit may be a few seconds behind
the primary, which a dashboard can afford.

Without DATABASE_REPLICA_URL none of this is installed.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings

REPLICA = "replica"
PRIMARY = "default"

_reading_replica: ContextVar[bool] = ContextVar("kechuang_replica_reads", default=False)


@contextmanager
def replica_reads() -> Iterator[None]:
    """Within this block, reads of the dashboard apps go to the replica."""
    token = _reading_replica.set(True)
    try:
        yield
    finally:
        _reading_replica.reset(token)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if _reading_replica.get() and model._meta.app_label in settings.KECHUANG_REPLICA_APPS:
            return REPLICA
        # Explicit, not None: Django would otherwise follow an instance read from the replica (a related
        # department of a plan, say) back to the replica.
        return PRIMARY

    def db_for_write(self, model, **hints):
        # Never the replica, even for an object that was read from it (Django's fallback).
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        # The replica is a copy of the primary: objects read from either may refer to each other.
        if {obj1._state.db, obj2._state.db} <= {PRIMARY, REPLICA}:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The replica receives its schema from the primary by replication.
        return False if db == REPLICA else None


class ReplicaReadsMiddleware:
    """Reads of the dashboard views (GET/HEAD only) go to the replica. Last in MIDDLEWARE, so that the
    session, the user and the lockout checks before it have already read from the primary."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            return self.get_response(request)
        finally:
            token = getattr(request, "_replica_token", None)
            if token is not None:
                _reading_replica.reset(token)
                del request._replica_token

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if request.method in ("GET", "HEAD") and match and match.view_name in settings.KECHUANG_REPLICA_VIEWS:
            request._replica_token = _reading_replica.set(True)
        return None
