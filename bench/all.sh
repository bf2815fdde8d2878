#!/bin/sh
# Every benchmark (P1–P5 with P1c, L1, A1 and their companions) on SQLite, then on PostgreSQL when it answers — there each
# benchmark gets an empty database of its own (kechuang_bench, dropped at the end). Run by `make bench`.
set -e
PY=${PY:-.venv/bin/python}
ROWS=${BENCH_ROWS:-100000}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432/test}
BENCH_URL=${PG_URL%/*}/kechuang_bench

each() {  # run every benchmark through "$@" (a wrapper choosing the database)
    "$@" bench/import_bench.py --rows "$ROWS"
    "$@" bench/chain_bench.py --rows $((ROWS / 2))
    "$@" bench/cockpit_bench.py
    "$@" bench/exempt_bench.py
    "$@" bench/serve_bench.py
    "$@" bench/load_bench.py --duration "${LOAD_SECONDS:-120}"
    "$@" bench/memory_bench.py --rows $((ROWS * 8))
    "$@" bench/queries_bench.py
    "$@" bench/backup_bench.py
}

on_sqlite() { env -u DATABASE_URL "$PY" "$@"; }

on_postgres() {
    PG_URL=$PG_URL "$PY" bench/pgdb.py create kechuang_bench
    DATABASE_URL=$BENCH_URL "$PY" "$@"
}

echo "== SQLite =="
each on_sqlite
"$PY" bench/assign_bench.py  # no database: once
if "$PY" -c "import psycopg; psycopg.connect('$PG_URL', connect_timeout=3).close()" 2>/dev/null; then
    echo "== PostgreSQL =="
    each on_postgres
    PG_URL=$PG_URL "$PY" bench/pgdb.py drop kechuang_bench
else
    echo "PostgreSQL 未在 127.0.0.1:5432 应答，跳过 PostgreSQL 轮次。"
fi
