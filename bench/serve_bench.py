"""P3 serving benchmark: the production server under load, the cockpit against a do-nothing view.

    make bench                      # or: .venv/bin/python bench/serve_bench.py [--duration 20 --requests 5000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kechuang_bench_serve .venv/bin/python bench/serve_bench.py

Builds its own database — a SQLite file in a temporary folder, or, when DATABASE_URL is postgres://…, the
database `kechuang_bench_serve` on that server (created here and dropped at the end; no other name is ever
dropped) —, migrates, loads the demo (`kechuang demo`), collects the static files and starts gunicorn with
`kechuang.settings_production` and `kechuang/gunicorn_conf.py` (plain HTTP, several workers, a free port on
127.0.0.1). Then, each bounded both in time (--duration) and in requests (--requests), with --concurrency
connections, each signed in as its own session of the demo leader:

  cockpit  GET /api/v1/cockpit — the leaders' cockpit as JSON (every target: actual, path, status, forecast);
  bare     GET /bench/ok — a JSON view doing nothing, behind the same middleware, session and login check
           (routed only with KECHUANG_BENCH_VIEWS=1): the baseline, what any signed-in request costs;
  static   a hashed static file as the manifest names it (WhiteNoise, answered before sessions and views).

Prints `P3 serve_ratio=<cockpit rps ÷ bare rps> cockpit_rps=… bare_rps=… cockpit_p50_ms=… cockpit_p99_ms=…
bare_p99_ms=… static_rps=… workers=… requests=…` (higher is better; goal ≥ 0.5). The load generator runs on
the same machine (threads with http.client), so it takes some of the CPU the workers would otherwise have.
"""

import argparse
import http.client
import itertools
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = "kechuang_bench_serve"
USERNAME = "leader"  # the cockpit's audience: 领导, the whole district in scope
PASSWORD = "Kechuang@2021"  # kechuang.site.demo.DEMO_PASSWORD, without importing Django here


# --- the database -------------------------------------------------------------------------------------


def postgres_database(url: str):
    """Create `kechuang_bench_serve` on the server DATABASE_URL points to; return its URL and a dropper."""
    import psycopg

    parts = urlsplit(url)
    bench_url = urlunsplit(parts._replace(path=f"/{BENCH_DB}"))
    # Administer from another database of the same server: one cannot drop the database one is connected to.
    candidates = [urlunsplit(parts._replace(path="/postgres"))]
    if parts.path.strip("/") not in ("", BENCH_DB, "postgres"):
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
            conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')

    drop()  # a run that was killed half-way leaves it behind
    with admin() as conn:
        conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
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
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        if response.will_close:
            self.conn.close()
        return response.status, data, response.headers

    def close(self):
        self.conn.close()


def login(port: int) -> dict:
    client = Client(port)
    status, body, _ = client.request("GET", "/accounts/login/")
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if status != 200 or not match:
        raise SystemExit(f"登录页异常：HTTP {status}")
    form = urlencode(
        {"csrfmiddlewaretoken": match.group(1).decode(), "username": USERNAME, "password": PASSWORD}
    )
    status, _, _ = client.request(
        "POST",
        "/accounts/login/",
        form.encode(),
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    client.close()
    if status != 302 or "sessionid" not in client.cookies:
        raise SystemExit(f"以 {USERNAME} 登录失败：HTTP {status}")
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


def load(port, path, sessions, duration, max_requests):
    """GET `path` from one thread per session until `duration` seconds or `max_requests` requests, whichever
    comes first. Returns (successful requests, elapsed s, sorted latencies in s, errors by status)."""
    issued = itertools.count()
    deadline = time.perf_counter() + duration
    latencies: list[float] = []
    errors: Counter = Counter()

    def run(cookies):
        client = Client(port, cookies)
        mine = []
        while time.perf_counter() < deadline and next(issued) < max_requests:
            started = time.perf_counter()
            try:
                status, _, _ = client.request("GET", path)
            except (OSError, http.client.HTTPException) as exc:
                errors[type(exc).__name__] += 1
                client.close()
                continue
            if status == 200:
                mine.append(time.perf_counter() - started)
            else:
                errors[status] += 1
        client.close()
        latencies.extend(mine)  # list.extend is atomic under the GIL

    threads = [threading.Thread(target=run, args=(cookies,)) for cookies in sessions]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return len(latencies), elapsed, sorted(latencies), errors


def percentile(sorted_values, fraction):
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(fraction * len(sorted_values)))]


# --- the run ------------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=20, help="seconds per endpoint (default 20)")
    parser.add_argument("--requests", type=int, default=5000, help="at most this many per endpoint")
    parser.add_argument("--concurrency", type=int, default=8, help="connections at once (default 8)")
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) * 2 + 1)
    parser.add_argument("--as-of", help="cockpit date YYYY-MM-DD (default: today, as the page opens)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, SQLite file)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="kechuang-serve-bench-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kechuang.settings_production",
        "KECHUANG_SECRET_KEY": secrets.token_urlsafe(64),
        "KECHUANG_DATA_DIR": str(workdir),
        "KECHUANG_SQLITE_PATH": str(workdir / "bench.sqlite3"),
        "KECHUANG_ALLOWED_HOSTS": "127.0.0.1",
        # Plain HTTP on loopback: no redirect to https and no HSTS (cookies stay marked Secure; this
        # client sends them anyway).
        "KECHUANG_SSL_REDIRECT": "0",
        "KECHUANG_TASK_BACKEND": "database",
        "KECHUANG_BENCH_VIEWS": "1",
        "KECHUANG_WORKERS": str(args.workers),
        "KECHUANG_ACCESS_LOG": str(workdir / "access.log"),
        "KECHUANG_ERROR_LOG": str(workdir / "gunicorn.log"),
        "KECHUANG_LOG_LEVEL": "WARNING",
    }
    drop_database = None
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        env["DATABASE_URL"], drop_database = postgres_database(url)
        vendor = "postgresql"
    else:
        env.pop("DATABASE_URL", None)
        vendor = "sqlite"

    server = None
    try:
        with open(workdir / "setup.log", "w") as log:
            migrate_s = manage(env, "migrate", "--noinput", log=log)
            demo_s = manage(env, "demo", log=log)
            manage(env, "collectstatic", "--noinput", log=log)
        manifest = json.loads((workdir / "staticfiles" / "staticfiles.json").read_text())["paths"]
        static_path = "/static/" + manifest["core/kechuang.css"]

        port = free_port()
        env["KECHUANG_BIND"] = f"127.0.0.1:{port}"
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "python:kechuang.gunicorn_conf"],
            env=env,
            cwd=workdir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_ready(port, server, workdir / "gunicorn.log")
        print(
            f"# database {vendor} (migrate {migrate_s:.0f} s, demo {demo_s:.0f} s), gunicorn {args.workers} "
            f"workers on {os.cpu_count()} CPU cores, {args.concurrency} connections, "
            f"≤ {args.duration:g} s or ≤ {args.requests} requests per endpoint",
            flush=True,
        )

        sessions = [login(port) for _ in range(args.concurrency)]
        cockpit_path = "/api/v1/cockpit" + (f"?as_of={args.as_of}" if args.as_of else "")
        results = {}
        for name, path, cookies in (
            ("bare", "/bench/ok", sessions),
            ("cockpit", cockpit_path, sessions),
            ("static", static_path, [{}] * args.concurrency),
        ):
            # Warm-up, not counted: every worker answers a few first (lazy imports, first connections).
            load(port, path, cookies, duration=5, max_requests=args.workers * 3)
            n, elapsed, latencies, errors = load(port, path, cookies, args.duration, args.requests)
            if errors:
                print(f"# {name}: errors {dict(errors)}", flush=True)
            if not n:
                raise SystemExit(f"{name}（{path}）没有一个成功的请求：{dict(errors)}")
            results[name] = {
                "rps": n / elapsed,
                "n": n,
                "p50": percentile(latencies, 0.50) * 1000,
                "p99": percentile(latencies, 0.99) * 1000,
            }
            print(
                f"# {name} {path}: {n} requests in {elapsed:.1f} s, p50 {results[name]['p50']:.1f} ms, "
                f"p99 {results[name]['p99']:.1f} ms",
                flush=True,
            )

        cockpit, bare, static = results["cockpit"], results["bare"], results["static"]
        print(
            f"P3 serve_ratio={cockpit['rps'] / bare['rps']:.3f} cockpit_rps={cockpit['rps']:.1f} "
            f"bare_rps={bare['rps']:.1f} cockpit_p50_ms={cockpit['p50']:.1f} cockpit_p99_ms={cockpit['p99']:.1f} "
            f"bare_p99_ms={bare['p99']:.1f} static_rps={static['rps']:.1f} workers={args.workers} "
            f"requests={cockpit['n'] + bare['n'] + static['n']} concurrency={args.concurrency} db={vendor}",
            flush=True,
        )
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
        if args.keep:
            print(f"# kept {workdir}", flush=True)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
