"""Settings for the test suite: tasks run inline so tests see their effects deterministically."""

import os
import tempfile
from pathlib import Path

from .settings import *  # noqa: F403
from .settings import DATABASES

TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# Tests change data inside transactions that never commit, so nothing would retire a cached cockpit;
# the cache's own tests switch a real one on and commit (progress/tests/test_cockpit_cache.py).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}

_RUN = Path(tempfile.gettempdir()) / f"kechuang-test-{os.getpid()}"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory: the crash tests start real `kechuang db_worker` processes on the test database
    # (tabular/tests/test_worker_crash.py), and two processes share only a file.
    DATABASES["default"]["TEST"] = {"NAME": f"{_RUN}.sqlite3"}
# Leases of tasks run on the thread backend in tests (core/leases.py), apart from any real site's.
KECHUANG_LEASE_DIR = _RUN / "leases"
# Files the tests and the demo store (an application's attachments) go beside this run's database and
# are removed with it (conftest.pytest_sessionfinish), never into the site's own media — unless a data
# folder is named (the backup tests' restore targets run `kechuang` in one of their own).
if "KECHUANG_DATA_DIR" not in os.environ:
    MEDIA_ROOT = _RUN / "media"
