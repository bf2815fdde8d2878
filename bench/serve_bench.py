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
import threading
import time
from collections import Counter

from httpkit import Client, login, percentile, serve

BENCH_DB = "kechuang_bench_serve"
USERNAME = "leader"  # the cockpit's audience: 领导, the whole district in scope


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

    with serve(
        "kechuang-serve-bench-", BENCH_DB, args.workers, args.keep, {"KECHUANG_BENCH_VIEWS": "1"}
    ) as site:
        port = site.port
        manifest = json.loads((site.workdir / "staticfiles" / "staticfiles.json").read_text())["paths"]
        static_path = "/static/" + manifest["core/kechuang.css"]
        print(
            f"# database {site.vendor} (migrate {site.migrate_s:.0f} s, demo {site.demo_s:.0f} s), gunicorn "
            f"{args.workers} workers on {os.cpu_count()} CPU cores, {args.concurrency} connections, "
            f"≤ {args.duration:g} s or ≤ {args.requests} requests per endpoint",
            flush=True,
        )

        sessions = [login(port, USERNAME) for _ in range(args.concurrency)]
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
            f"requests={cockpit['n'] + bare['n'] + static['n']} concurrency={args.concurrency} db={site.vendor}",
            flush=True,
        )


if __name__ == "__main__":
    main()
