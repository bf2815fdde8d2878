"""The production path end to end, as docs/DEPLOY.md runs it: `kechuang.settings_production`, a migrated
database, `collectstatic`, gunicorn with two workers on a free port, and a separate `db_worker` process
running what was queued.

The site runs on a temporary SQLite file whatever database the suite itself uses, over plain HTTP
(KECHUANG_SSL_REDIRECT=0). The tests skip only when gunicorn is not installed; a server that starts and
dies (bad settings, a broken import) fails them, with its log.
"""

import http.client
import importlib
import importlib.util
import json
import os
import re
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import time

import pytest
from cryptography.fernet import Fernet
from django.urls import Resolver404, resolve

STARTUP_SECONDS = 45


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(env, *args, timeout=120):
    done = subprocess.run(
        [sys.executable, "-m", "kechuang.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, f"kechuang {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


class Site:
    def __init__(self, port, data_dir, env):
        self.port, self.data_dir, self.env = port, data_dir, env

    def get(self, path, headers=None, method="GET", body=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers={"Host": "127.0.0.1", **(headers or {})})
            response = conn.getresponse()
            return response.status, response.headers, response.read()
        finally:
            conn.close()

    def query(self, sql, *params):
        with sqlite3.connect(self.env["KECHUANG_SQLITE_PATH"], timeout=10) as db:
            return db.execute(sql, params).fetchall()


def _start(env, log_path):
    """gunicorn on a free port; a port taken between choosing and binding is retried on another one."""
    for _ in range(3):
        port = _free_port()
        env = {**env, "KECHUANG_BIND": f"127.0.0.1:{port}"}
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "python:kechuang.gunicorn_conf"],
            env=env,
            cwd=env["KECHUANG_DATA_DIR"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its workers go with it if the test run is interrupted
        )
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return server, port, env
            except OSError:
                time.sleep(0.2)
        log = log_path.read_text() if log_path.exists() else ""
        _stop(server)
        if "in use" not in log:
            pytest.fail(f"gunicorn 未能启动：\n{log[-4000:]}")
    pytest.fail(f"gunicorn 三次都未能绑定端口：\n{log[-4000:]}")


def _stop(server):
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)  # graceful: the master stops its workers
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    if importlib.util.find_spec("gunicorn") is None:
        pytest.skip("未安装 gunicorn：生产路径测试跳过（make venv 会安装它）。")
    data_dir = tmp_path_factory.mktemp("production")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("KECHUANG_", "DATABASE_URL", "PYTEST_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="kechuang.settings_production",
        KECHUANG_SECRET_KEY=secrets.token_urlsafe(64),
        KECHUANG_DATA_KEY=Fernet.generate_key().decode(),
        KECHUANG_DATA_DIR=str(data_dir),
        KECHUANG_SQLITE_PATH=str(data_dir / "site.sqlite3"),
        KECHUANG_ALLOWED_HOSTS="127.0.0.1",
        KECHUANG_SSL_REDIRECT="0",
        KECHUANG_BEHIND_PROXY="1",
        KECHUANG_TASK_BACKEND="database",
        KECHUANG_WORKERS="2",
        KECHUANG_ACCESS_LOG=str(data_dir / "access.log"),
        KECHUANG_ERROR_LOG=str(data_dir / "gunicorn.log"),
    )
    _run(env, "migrate", "--noinput")
    _run(env, "collectstatic", "--noinput")
    server, port, env = _start(env, data_dir / "gunicorn.log")
    try:
        yield Site(port, data_dir, env)
    finally:
        _stop(server)


@pytest.mark.slow
def test_login_page_is_served_with_hashed_static_names(site):
    status, headers, body = site.get("/accounts/login/")
    assert status == 200, body[:500]
    assert headers["Server"].startswith("gunicorn")
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "登录" in body.decode()
    # The manifest storage of the production settings: templates name the hashed copy.
    assert re.search(r'/static/core/kechuang\.[0-9a-f]{12}\.css"', body.decode())


@pytest.mark.slow
def test_static_file_comes_from_the_manifest_with_far_future_caching_and_no_django(site):
    manifest = json.loads((site.data_dir / "staticfiles" / "staticfiles.json").read_text())["paths"]
    hashed = manifest["core/kechuang.css"]
    assert re.fullmatch(r"core/kechuang\.[0-9a-f]{12}\.css", hashed)

    status, headers, body = site.get(f"/static/{hashed}", {"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["Content-Type"].startswith("text/css")
    assert "max-age=315360000" in headers["Cache-Control"] and "immutable" in headers["Cache-Control"]
    assert headers["Content-Encoding"] == "gzip"  # the compressed copy collectstatic wrote
    # Answered by WhiteNoise before the session, authentication and audit middleware: no session cookie,
    # no request id (given to every request that reaches the audit middleware), no login redirect.
    assert headers.get("Set-Cookie") is None
    assert headers.get("X-Request-ID") is None
    assert "Cookie" not in headers.get("Vary", "")
    # …but after SecurityMiddleware, whose headers static files keep.
    assert headers["X-Content-Type-Options"] == "nosniff"

    # Unhashed names are served too, but only briefly cached (they change with each release).
    status, headers, _ = site.get("/static/core/kechuang.css")
    assert status == 200 and "immutable" not in headers["Cache-Control"]
    # Finders are off in production: only collected files exist.
    status, _, _ = site.get("/static/core/not-there.css")
    assert status == 404


@pytest.mark.slow
def test_api_answers_401_without_a_session(site):
    status, headers, body = site.get("/api/v1/cockpit")
    assert status == 401
    assert headers["Content-Type"].startswith("application/json")
    assert headers["X-Request-ID"]


@pytest.mark.slow
def test_behind_the_proxy_the_login_log_records_the_person_not_the_proxy(site):
    status, headers, body = site.get("/accounts/login/")
    cookie = re.search(r"csrftoken=([^;]+)", headers["Set-Cookie"]).group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body.decode()).group(1)
    form = f"csrfmiddlewaretoken={token}&username=nobody-{secrets.token_hex(4)}&password=wrong-Password-1"
    status, _, _ = site.get(
        "/accounts/login/",
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={cookie}",
            # What the client claims first is ignored; the proxy's own entry (last) is the address.
            "X-Forwarded-For": "1.1.1.1, 10.20.30.40",
        },
        method="POST",
        body=form,
    )
    assert status == 200  # the form again, with the error
    rows = site.query("SELECT username, ip, outcome FROM audit_loginevent ORDER BY id DESC LIMIT 1")
    assert rows[0][0].startswith("nobody-") and rows[0][1] == "10.20.30.40"


def test_forwarded_for_is_trusted_only_from_the_proxy(rf, settings):
    from kechuang.core.proxy import ForwardedForMiddleware

    settings.KECHUANG_TRUSTED_PROXIES = ["127.0.0.1"]
    middleware = ForwardedForMiddleware(lambda request: request.META["REMOTE_ADDR"])
    forwarded = {"HTTP_X_FORWARDED_FOR": "6.6.6.6, 10.0.0.7"}
    assert middleware(rf.get("/", REMOTE_ADDR="127.0.0.1", **forwarded)) == "10.0.0.7"
    # Straight from a client (not through the proxy): its own header is not believed.
    assert middleware(rf.get("/", REMOTE_ADDR="10.9.9.9", **forwarded)) == "10.9.9.9"
    assert middleware(rf.get("/", REMOTE_ADDR="127.0.0.1")) == "127.0.0.1"


@pytest.mark.slow
def test_a_queued_task_is_run_by_a_separate_db_worker(site):
    # The daily cron job queues the reminders (KECHUANG_TASK_BACKEND=database) and returns at once…
    out = _run(site.env, "reminders", "--as-of", "2025-06-30")
    task_id = re.search(r"（任务 ([0-9a-f-]{32,36})，", out).group(1)
    rows = site.query(
        "SELECT task_path, status FROM django_tasks_database_dbtaskresult WHERE replace(id, '-', '') = ?",
        task_id.replace("-", ""),
    )
    assert rows == [("kechuang.progress.tasks.send_reminders", "READY")]

    # …and a worker process picks it up. --batch exits once the queue is empty, so this returns.
    _run(site.env, "db_worker", "--batch", "--no-startup-delay", "--max-tasks", "10", timeout=60)
    rows = site.query(
        "SELECT status, return_value, worker_ids FROM django_tasks_database_dbtaskresult "
        "WHERE replace(id, '-', '') = ?",
        task_id.replace("-", ""),
    )
    assert len(rows) == 1
    status, return_value, worker_ids = rows[0]
    assert status == "SUCCESSFUL"
    assert json.loads(return_value) == {}  # an empty database: no plan, nothing to remind
    assert json.loads(worker_ids)  # recorded by the worker that ran it


def test_benchmark_view_is_not_routed_unless_asked_for():
    with pytest.raises(Resolver404):
        resolve("/bench/ok")


def test_gunicorn_settings_come_from_the_environment(monkeypatch):
    import multiprocessing

    from kechuang import gunicorn_conf

    for name in (
        "KECHUANG_WORKERS",
        "KECHUANG_THREADS",
        "KECHUANG_BIND",
        "KECHUANG_MAX_REQUESTS",
        "KECHUANG_CONTROL_SOCKET",
    ):
        monkeypatch.delenv(name, raising=False)
    conf = importlib.reload(gunicorn_conf)
    assert conf.workers == 2 * multiprocessing.cpu_count() + 1
    assert conf.bind == ["127.0.0.1:8000"] and conf.worker_class == "sync" and conf.preload_app
    assert conf.max_requests == 1000 and conf.max_requests_jitter == 100
    assert conf.control_socket_disable

    monkeypatch.setenv("KECHUANG_WORKERS", "3")
    monkeypatch.setenv("KECHUANG_THREADS", "4")
    monkeypatch.setenv("KECHUANG_BIND", "0.0.0.0:9000")
    monkeypatch.setenv("KECHUANG_MAX_REQUESTS", "0")
    conf = importlib.reload(gunicorn_conf)
    assert conf.workers == 3 and conf.threads == 4 and conf.worker_class == "gthread"
    assert conf.bind == ["0.0.0.0:9000"] and conf.max_requests == 0 and conf.max_requests_jitter == 0
