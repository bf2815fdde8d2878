"""The optional read replica (DATABASE_REPLICA_URL): which reads go there, and that they really do."""

import os
import sqlite3
import subprocess
import sys

import pytest
from django.contrib.sessions.models import Session
from django.http import HttpResponse
from django.urls import resolve

from kechuang.audit.models import ChangeEntry
from kechuang.core.replica import ReplicaReadsMiddleware, ReplicaRouter, _reading_replica, replica_reads
from kechuang.enterprises.models import Enterprise
from kechuang.org.models import RoleGrant, User
from kechuang.plans.models import Plan


def test_only_dashboard_data_is_read_from_the_replica_and_only_inside_the_block():
    router = ReplicaRouter()
    assert router.db_for_read(Plan) == "default"
    with replica_reads():
        assert router.db_for_read(Plan) == "replica"
        assert router.db_for_read(Enterprise) == "replica"
        # The data version keying the cockpit's cache lives in audit: read where the data is read.
        assert router.db_for_read(ChangeEntry) == "replica"
        # Who may see what is never stale: users, grants and sessions stay on the primary.
        assert router.db_for_read(User) == "default"
        assert router.db_for_read(RoleGrant) == "default"
        assert router.db_for_read(Session) == "default"
        assert router.db_for_write(Plan) == "default"
    assert router.db_for_read(Plan) == "default"
    assert router.allow_migrate("replica", "plans") is False
    assert router.allow_migrate("default", "plans") is None


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("get", "/api/v1/cockpit", True),
        ("head", "/api/v1/cockpit", True),
        ("get", "/progress/cockpit/", True),
        ("post", "/api/v1/cockpit", False),
        ("get", "/api/v1/plans", False),
        ("get", "/", False),
    ],
)
def test_middleware_marks_only_the_dashboard_views(rf, method, path, expected):
    seen = []

    def handler(request):
        # What Django's handler does between the middleware and the view.
        match = request.resolver_match = resolve(request.path_info)
        middleware.process_view(request, match.func, match.args, match.kwargs)
        seen.append(_reading_replica.get())
        return HttpResponse()

    middleware = ReplicaReadsMiddleware(handler)
    middleware(getattr(rf, method)(path))
    assert seen == [expected]
    assert _reading_replica.get() is False


def test_middleware_resets_after_a_failing_view(rf):
    def handler(request):
        match = request.resolver_match = resolve(request.path_info)
        middleware.process_view(request, match.func, match.args, match.kwargs)
        raise RuntimeError("视图出错")

    middleware = ReplicaReadsMiddleware(handler)
    with pytest.raises(RuntimeError):
        middleware(rf.get("/api/v1/cockpit"))
    assert _reading_replica.get() is False


SHELL = """
from django.conf import settings
from kechuang.audit.models import ChangeEntry
from kechuang.core.replica import replica_reads
from kechuang.org.models import User
from kechuang.plans.models import Plan

assert settings.MIDDLEWARE[-1] == "kechuang.core.replica.ReplicaReadsMiddleware"
print(list(Plan.objects.values_list("title", flat=True)))
with replica_reads():
    print(list(Plan.objects.values_list("title", flat=True)))
    print(User.objects.db)
"""


@pytest.mark.slow
def test_reads_really_come_from_the_replica_database(tmp_path):
    """Two SQLite files stand in for primary and standby: a row only the 'replica' has is seen only
    inside the block."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KECHUANG_", "DATABASE_", "PYTEST_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="kechuang.settings",
        KECHUANG_DATA_DIR=str(tmp_path),
        KECHUANG_SQLITE_PATH=str(tmp_path / "primary.sqlite3"),
    )

    def kechuang(*args, extra=None):
        done = subprocess.run(
            [sys.executable, "-m", "kechuang.cli", *args],
            env={**env, **(extra or {})},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    kechuang("migrate", "--noinput")
    # The standby starts as a copy of the primary (sqlite's backup also takes what is still in the WAL).
    with (
        sqlite3.connect(tmp_path / "primary.sqlite3") as primary,
        sqlite3.connect(tmp_path / "replica.sqlite3") as replica,
    ):
        primary.backup(replica)
    with sqlite3.connect(tmp_path / "replica.sqlite3") as db:
        db.execute(
            "INSERT INTO plans_plan (department_id, doc_number, title, issuer, issued_on, period_start, "
            "period_end, source_text, is_active) VALUES (1, '副本-1', '只在副本中的方案', '测试', "
            "'2021-01-01', 2021, 2025, '', 1)"
        )
    out = kechuang(
        "shell",
        "--no-imports",
        "-c",
        SHELL,
        extra={"DATABASE_REPLICA_URL": f"sqlite:///{tmp_path / 'replica.sqlite3'}"},
    )
    assert out.splitlines() == ["[]", "['只在副本中的方案']", "default"]
