"""Settings for the test suite: tasks run inline so tests see their effects deterministically."""

from .settings import *  # noqa: F403

TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
