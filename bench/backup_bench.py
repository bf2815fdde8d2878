"""Backup and restore times (B1), each against the database's own tools in the same run.

    .venv/bin/python bench/backup_bench.py [--enterprises 12500] [--files 200] [--file-kb 256]

The data: the demo (`kechuang demo`), then the province generator with --enterprises enterprises (12,500
give 100,000 enterprise-year rows, their recognitions, half as many projects and the audit entry of every
generated record), then --files uploaded files of --file-kb random bytes each under MEDIA_ROOT. Then, each
step as its own process as an operator would run it:

B1b backup:  `kechuang backup` (every table as neutral rows, every file, checksums) vs the native copy of the
             database — sqlite3's online backup API, or `pg_dump --format=custom` — plus a copy of the files
B1r restore: `kechuang restore` into an empty database (migrate, load in one transaction, verify counts and
             checksums, audit) vs the native way back — copying the backed-up SQLite file into place, or
             `pg_restore` into an empty database — plus a copy of the files

Prints `NAME ratio=… project_s=… baseline_s=… rows=… archive_mb=… native_mb=… peak_mb=…`. Runs on a
throwaway SQLite file unless DATABASE_URL is set (the PostgreSQL target databases are made and dropped here).
"""

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from benchkit import ROOT, django_in, migrate

# Runs a `kechuang` command and reports the peak memory of its process (VmHWM: unlike ru_maxrss it does
# not carry over the parent's peak across exec).
WRAPPED = (
    "import sys\n"
    "from kechuang.cli import main\n"
    "try:\n"
    "    main(sys.argv[1:])\n"
    "finally:\n"
    "    peak = [l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM:')]\n"
    "    print('peak_kb', peak[0], file=sys.stderr)\n"
)


def run(command: list[str], env: dict) -> tuple[float, float]:
    """(seconds, peak MB of the process, 0 when not a kechuang command) of `command`."""
    started = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(command[:4])} failed:\n{done.stdout}\n{done.stderr}")
    peak = [line.split()[1] for line in done.stderr.splitlines() if line.startswith("peak_kb ")]
    return elapsed, int(peak[0]) / 1024 if peak else 0.0


def kechuang(*args: str) -> list[str]:
    return [sys.executable, "-c", WRAPPED, *args]


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--enterprises", type=int, default=12_500)
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--file-kb", type=int, default=256)
    args = parser.parse_args()

    workdir = django_in()
    source_dir = workdir
    migrate(reference_data=False)

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from kechuang.enterprises.models import EnterpriseYear
    from kechuang.site.province import generate

    call_command("demo", stdout=open(os.devnull, "w"))
    started = time.perf_counter()
    generate(
        enterprises=args.enterprises,
        projects=args.enterprises // 2,
        applications=args.enterprises // 4,
        reviewed=args.enterprises // 5,
        log=lambda *_: None,
    )
    print(f"# data built in {time.perf_counter() - started:.0f} s", flush=True)
    media = Path(settings.MEDIA_ROOT) / "evidence" / "bench"
    media.mkdir(parents=True, exist_ok=True)
    for i in range(args.files):
        (media / f"佐证材料-{i:05d}.pdf").write_bytes(b"%PDF-1.4\n" + os.urandom(args.file_kb * 1024))
    years = EnterpriseYear.objects.count()
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        rows = 0
        for table in tables:
            cursor.execute(f'SELECT count(*) FROM "{table}"')
            rows += cursor.fetchone()[0]
    vendor = connection.vendor
    connection.close()

    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    archive = workdir / "kechuang.tar"
    backup_s, backup_peak = run(kechuang("backup", str(archive)), env)

    native = workdir / "native"
    started = time.perf_counter()
    if vendor == "sqlite":
        with sqlite3.connect(settings.DATABASES["default"]["NAME"]) as db, sqlite3.connect(native) as copy:
            db.backup(copy)
    else:
        subprocess.run(
            ["pg_dump", "--format=custom", f"--file={native}", f"--dbname={os.environ['DATABASE_URL']}"],
            check=True,
        )
    shutil.copytree(settings.MEDIA_ROOT, workdir / "native-media")
    native_backup_s = time.perf_counter() - started

    target_dir = workdir / "target"
    target_dir.mkdir()
    target_env = {**env, "KECHUANG_DATA_DIR": str(target_dir)}
    admin = None
    if vendor == "sqlite":
        target_env["KECHUANG_SQLITE_PATH"] = str(target_dir / "restored.sqlite3")
    else:
        import psycopg

        base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
        admin = psycopg.connect(base + "/postgres", autocommit=True)
        for name in ("kechuang_bench_restore", "kechuang_bench_native"):
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')
        target_env["DATABASE_URL"] = base + "/kechuang_bench_restore"
    restore_s, restore_peak = run(kechuang("restore", str(archive), "-v0"), target_env)

    started = time.perf_counter()
    if vendor == "sqlite":
        shutil.copy(native, workdir / "native-restored.sqlite3")
    else:
        subprocess.run(
            ["pg_restore", "--no-owner", f"--dbname={base}/kechuang_bench_native", str(native)], check=True
        )
    shutil.copytree(workdir / "native-media", workdir / "native-media-restored")
    native_restore_s = time.perf_counter() - started

    # the restored database holds what the source held
    if vendor == "sqlite":
        with sqlite3.connect(target_dir / "restored.sqlite3") as db:
            restored_years = db.execute("SELECT count(*) FROM enterprises_enterpriseyear").fetchone()[0]
    else:
        with psycopg.connect(target_env["DATABASE_URL"]) as db:
            restored_years = db.execute("SELECT count(*) FROM enterprises_enterpriseyear").fetchone()[0]
        for name in ("kechuang_bench_restore", "kechuang_bench_native"):
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
    assert restored_years == years, (restored_years, years)

    import json
    import tarfile

    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    tables_mb = sum(t["bytes"] for t in manifest["tables"]) / 1e6  # the archive without the files
    archive_mb = archive.stat().st_size / 1e6
    native_mb = native.stat().st_size / 1e6  # the database alone
    common = (
        f"rows={rows} enterprise_years={years} files={args.files} archive_mb={archive_mb:.1f} "
        f"archive_tables_mb={tables_mb:.1f} native_db_mb={native_mb:.1f}"
    )
    print(
        f"B1b backup_ratio={backup_s / native_backup_s:.2f} project_s={backup_s:.1f} "
        f"baseline_s={native_backup_s:.1f} peak_mb={backup_peak:.0f} {common}"
    )
    print(
        f"B1r restore_ratio={restore_s / native_restore_s:.2f} project_s={restore_s:.1f} "
        f"baseline_s={native_restore_s:.1f} peak_mb={restore_peak:.0f} {common}"
    )
    shutil.rmtree(source_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
