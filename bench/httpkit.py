"""What the benchmarks of the production server share: a throwaway site (its own database — a SQLite file in a
temporary folder, or a database of its own on the PostgreSQL server DATABASE_URL names —, migrated, the
demo loaded, the static files collected, gunicorn with `kechuang.settings_production` and
`kechuang/gunicorn_conf.py` on a free port of 127.0.0.1), a client with cookies over http.client, the
login as a browser does it, and percentiles."""

import base64
import gzip
import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Kechuang@2021"  # kechuang.site.demo.DEMO_PASSWORD, without importing Django here
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


# --- the database -------------------------------------------------------------------------------------


def postgres_database(url: str, name: str):
    """Create the database `name` on the server `url` points to; return its URL and a dropper. Only
    `name` is ever dropped (first, should a run killed half-way have left it behind)."""
    import psycopg

    if not name.startswith("kechuang_bench"):
        raise SystemExit("这里只创建或删除名为 kechuang_bench… 的数据库")
    parts = urlsplit(url)
    bench_url = urlunsplit(parts._replace(path=f"/{name}"))
    # Administer from another database of the same server: one cannot drop the database one is connected to.
    candidates = [urlunsplit(parts._replace(path="/postgres"))]
    if parts.path.strip("/") not in ("", name, "postgres"):
        candidates.append(url)

    def admin():
        error = None
        for candidate in candidates:
            try:
                return psycopg.connect(candidate, autocommit=True, connect_timeout=5)
            except psycopg.Error as exc:
                error = exc
        raise SystemExit(f"无法连接 PostgreSQL：{error}")

    def drop():
        with admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    drop()
    with admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return bench_url, drop


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def manage(env, *args, log):
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "kechuang.cli", *args], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if done.returncode:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"kechuang {' '.join(args)} 失败（退出码 {done.returncode}）")
    log.write(done.stdout + done.stderr)
    return time.perf_counter() - started


# --- HTTP ---------------------------------------------------------------------------------------------


class Client:
    """One connection (kept alive when the server allows; sync workers close it after each answer) with
    its own cookies, like one browser tab."""

    def __init__(self, port: int, cookies: dict | None = None):
        self.port = port
        self.cookies = dict(cookies or {})
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def request(self, method, path, body=None, headers=None):
        sent = {"Host": f"127.0.0.1:{self.port}", "Accept-Encoding": "gzip", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            self.conn.request(method, path, body=body, headers=sent)
            response = self.conn.getresponse()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            # A kept-alive connection the server had already closed: once more on a fresh one.
            self.conn.close()
            self.conn.request(method, path, body=body, headers=sent)
            response = self.conn.getresponse()
        data = response.read()
        for header in response.headers.get_all("Set-Cookie") or ():
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if value in ("", '""'):  # deleted (logout, messages read)
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value
        if response.will_close:
            self.conn.close()
        return response.status, data, response.headers

    def post_form(self, path, fields, headers=None):
        """POST `fields` (a dict or a list of pairs) urlencoded, as a browser submits a form."""
        return self.request("POST", path, urlencode(fields).encode(), {**FORM, **(headers or {})})

    def close(self):
        self.conn.close()


def csrf_token(body: bytes) -> str | None:
    match = CSRF.search(body)
    return match.group(1).decode() if match else None


def decoded(body: bytes, headers) -> str:
    """An answer's text, unzipped when the server compressed it."""
    if headers.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    return body.decode("utf-8", "replace")


def login(port: int, username: str, password: str = PASSWORD) -> dict:
    """Sign in as a browser does (the login page for its CSRF token, then the form); the session's cookies."""
    client = Client(port)
    status, body, _ = client.request("GET", "/accounts/login/")
    token = csrf_token(body)
    if status != 200 or not token:
        raise SystemExit(f"登录页异常：HTTP {status}")
    status, _, _ = client.post_form(
        "/accounts/login/", {"csrfmiddlewaretoken": token, "username": username, "password": password}
    )
    client.close()
    if status != 302 or "sessionid" not in client.cookies:
        raise SystemExit(f"以 {username} 登录失败：HTTP {status}")
    return client.cookies


def wait_ready(port: int, server: subprocess.Popen, log_path: Path, timeout: float = 90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn 已退出（{server.returncode}）：\n{log_path.read_text()[-3000:]}")
        try:
            client = Client(port)
            status, _, _ = client.request("GET", "/accounts/login/")
            client.close()
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"gunicorn 在 {timeout:.0f} 秒内未就绪：\n{log_path.read_text()[-3000:]}")


def percentile(sorted_values, fraction):
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(fraction * len(sorted_values)))]


# --- the site -----------------------------------------------------------------------------------------


@dataclass
class Site:
    port: int
    workdir: Path
    vendor: str  # sqlite | postgresql
    workers: int
    migrate_s: float
    demo_s: float
    env: dict = field(repr=False)

    @property
    def error_log(self) -> Path:
        """gunicorn's own messages (worker timeouts, crashes)."""
        return self.workdir / "gunicorn.log"

    @property
    def stderr_log(self) -> Path:
        """The workers' standard error: Django's log (every 500's traceback)."""
        return self.workdir / "stderr.log"


@contextmanager
def serve(prefix: str, database: str, workers: int, keep: bool = False, extra_env: dict | None = None):
    """A throwaway production site, running: yields a `Site`; stops gunicorn, drops the PostgreSQL
    database `database` (when DATABASE_URL is postgres://…) and removes the folder (unless `keep`) after."""
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kechuang.settings_production",
        "KECHUANG_SECRET_KEY": secrets.token_urlsafe(64),
        # the key personal data is encrypted with (a Fernet key: 32 random bytes, URL-safe base64)
        "KECHUANG_DATA_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "KECHUANG_DATA_DIR": str(workdir),
        "KECHUANG_SQLITE_PATH": str(workdir / "bench.sqlite3"),
        "KECHUANG_ALLOWED_HOSTS": "127.0.0.1",
        # Plain HTTP on loopback: no redirect to https and no HSTS (cookies stay marked Secure; this
        # client sends them anyway).
        "KECHUANG_SSL_REDIRECT": "0",
        "KECHUANG_TASK_BACKEND": "database",
        "KECHUANG_WORKERS": str(workers),
        "KECHUANG_ACCESS_LOG": str(workdir / "access.log"),
        "KECHUANG_ERROR_LOG": str(workdir / "gunicorn.log"),
        "KECHUANG_LOG_LEVEL": "WARNING",
        **(extra_env or {}),
    }
    drop_database = None
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        env["DATABASE_URL"], drop_database = postgres_database(url, database)
        vendor = "postgresql"
    else:
        env.pop("DATABASE_URL", None)
        vendor = "sqlite"

    server = None
    # Terminated (by a timeout or a service manager): still stop gunicorn and drop the database below —
    # gunicorn runs in a session of its own and would outlive this process.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    try:
        with open(workdir / "setup.log", "w") as log:
            migrate_s = manage(env, "migrate", "--noinput", log=log)
            demo_s = manage(env, "demo", log=log)
            manage(env, "collectstatic", "--noinput", log=log)
        port = free_port()
        env["KECHUANG_BIND"] = f"127.0.0.1:{port}"
        with open(workdir / "stderr.log", "wb") as stderr:
            server = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "python:kechuang.gunicorn_conf"],
                env=env,
                cwd=workdir,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                start_new_session=True,
            )
        wait_ready(port, server, workdir / "gunicorn.log")
        yield Site(port, workdir, vendor, workers, migrate_s, demo_s, env)
    finally:
        if server is not None and server.poll() is None:
            server.send_signal(signal.SIGTERM)  # graceful: the master stops its workers
            try:
                server.wait(40)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
        if drop_database is not None:
            drop_database()
        if keep:
            print(f"# kept {workdir}", flush=True)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
