"""Settings for the test suite: tasks run inline so tests see their effects deterministically."""

from .settings import *  # noqa: F403

TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# Tests change data inside transactions that never commit, so nothing would retire a cached cockpit;
# the cache's own tests switch a real one on and commit (progress/tests/test_cockpit_cache.py).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
