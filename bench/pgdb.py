"""Create (or drop) a benchmark database on the PostgreSQL server of PG_URL, so each PostgreSQL benchmark
starts from an empty database of its own.   python bench/pgdb.py create|drop NAME"""

import os
import sys

import psycopg

ADMIN_URL = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432/test")


def main():
    action, name = sys.argv[1], sys.argv[2]
    if not name.startswith("kechuang_bench"):
        sys.exit("only databases named kechuang_bench… are created or dropped here")
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if action == "create":
            conn.execute(f'CREATE DATABASE "{name}"')


if __name__ == "__main__":
    main()
