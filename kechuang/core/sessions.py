"""Session saving that never makes a page wait for SQLite's write lock.

Every request renews its session (`SESSION_SAVE_EVERY_REQUEST`: the idle timeout counts from the last
one), and renewing is a write. On SQLite a large import holds the database's one write lock until its
COMMIT — a minute for a few hundred thousand rows — so every page, the import's own progress poll among
them, would wait for it and then fail (“database is locked”, answered as 400). A request that only reads
(GET, HEAD) renews its session only if that takes no waiting: with the lock held elsewhere the page is
answered without renewing, and the next request renews it. On PostgreSQL, where writers of different rows
do not wait for each other, nothing changes.
"""

from contextlib import contextmanager

from django.contrib.sessions.exceptions import SessionInterrupted
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.db import OperationalError, connections, router
from django.utils.cache import patch_vary_headers

SAFE_METHODS = ("GET", "HEAD")


def _locked(exc: BaseException | None) -> bool:
    """Whether `exc` comes from SQLite's write lock held elsewhere (Django's session store turns the
    error into UpdateError, the middleware that into SessionInterrupted)."""
    while exc is not None:
        if isinstance(exc, OperationalError) and "locked" in str(exc):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


@contextmanager
def _no_wait(connection):
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        (waited,) = cursor.fetchone()
        cursor.execute("PRAGMA busy_timeout = 0")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA busy_timeout = {int(waited)}")


class SessionMiddleware(DjangoSessionMiddleware):
    def process_response(self, request, response):
        if request.method not in SAFE_METHODS:
            return super().process_response(request, response)
        from django.contrib.sessions.models import Session

        connection = connections[router.db_for_write(Session)]
        if connection.vendor != "sqlite" or connection.in_atomic_block:
            return super().process_response(request, response)
        try:
            with _no_wait(connection):
                return super().process_response(request, response)
        except (OperationalError, SessionInterrupted) as exc:
            if not _locked(exc):
                raise
            patch_vary_headers(response, ("Cookie",))
            return response
