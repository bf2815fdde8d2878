"""P4 memory: peak RSS of importing and of exporting 800,000 enterprise-year rows.

    .venv/bin/python bench/memory_bench.py [--rows 800000]      # DATABASE_URL=… for PostgreSQL

Each step runs in a fresh process (so its peak is its own): the import (preview, then commit, through
the real engine) and the export (the enterprise-year sheet, every row, as the download does it). The named
baseline is the same process right after loading Django and the project. Prints
`P4 import_peak_mb=… export_peak_mb=… baseline_mb=… rows=…` and the seconds each step took. Goal: ≤ 400 MB.
"""

import argparse
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchkit import confirm_import, django_in, migrate

YEARS = list(range(2018, 2026))


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def prepare(workdir: Path, rows: int) -> None:
    """Database with the enterprises the file names, and the .xlsx file itself (written streaming)."""
    django_in(workdir)
    import xlsxwriter
    from django.db import transaction

    from kechuang.core.bulkwrite import insert
    from kechuang.enterprises import creditcode
    from kechuang.enterprises.models import Enterprise
    from kechuang.org.models import Department
    from kechuang.site.demo import load_demo_users
    from kechuang.tabular import writer
    from kechuang.tabular.registry import get_sheet

    migrate()
    load_demo_users()
    rng = random.Random(11)
    towns = list(Department.objects.filter(kind="town").values_list("pk", flat=True))
    count = rows // len(YEARS)
    codes = [creditcode.build("500154", f"M{i:07d}") for i in range(count)]
    with transaction.atomic():
        insert(
            Enterprise,
            [
                {
                    "credit_code": code,
                    "name": f"内存基准企业{i}",
                    "town_id": rng.choice(towns),
                    "registered_on": "2010-01-01",
                }
                for i, code in enumerate(codes)
            ],
        )
    sheet = get_sheet("enterprise-years")
    keys = [c.key for c in sheet.columns if not c.readonly]
    book = xlsxwriter.Workbook(str(workdir / "years.xlsx"), {"constant_memory": True})
    ws = book.add_worksheet(writer.DATA_SHEET)
    for c, column in enumerate(c for c in sheet.columns if not c.readonly):
        ws.write_string(0, c, column.header)
    row = 1
    for code in codes:
        for year in YEARS:
            employees = rng.randint(10, 500)
            values = {
                "credit_code": code,
                "year": year,
                "employees": employees,
                "st_staff": employees // 5,
                "rd_staff": employees // 8,
                "sales_revenue": rng.randint(1_000_000, 500_000_000),
            }
            for c, key in enumerate(keys):
                value = values.get(key)
                if isinstance(value, str):
                    ws.write_string(row, c, value)
                elif value is not None:
                    ws.write_number(row, c, value)
            row += 1
    book.close()


def run_import(workdir: Path) -> None:
    django_in(workdir)
    from django.core.files.base import ContentFile

    from kechuang.org.models import User
    from kechuang.tabular import engine
    from kechuang.tabular.models import ImportJob

    baseline = peak_mb()
    started = time.perf_counter()
    job = ImportJob(
        sheet="enterprise-years", user=User.objects.get(username="kjj"), original_name="years.xlsx"
    )
    with open(workdir / "years.xlsx", "rb") as handle:
        job.file.save("years.xlsx", ContentFile(handle.read()), save=False)
    job.save()
    job = engine.validate(job.pk)
    job = confirm_import(job, "内存基准")
    assert job.status == "done", (job.status, job.file_error, job.errors[:3])
    print(f"{baseline:.1f} {peak_mb():.1f} {time.perf_counter() - started:.1f} {job.total_rows}")


def run_export(workdir: Path) -> None:
    django_in(workdir)
    from kechuang.org.models import User
    from kechuang.tabular import writer
    from kechuang.tabular.registry import get_sheet

    baseline = peak_mb()
    started = time.perf_counter()
    sheet = get_sheet("enterprise-years")
    user = User.objects.get(username="kjj")
    objects = sheet.queryset(user).iterator(chunk_size=2000)  # the export page with no filter
    with tempfile.TemporaryFile() as out:  # the download spools to a temporary file the same way
        writer.export(sheet, objects, out)
        size = out.tell()
    print(f"{baseline:.1f} {peak_mb():.1f} {time.perf_counter() - started:.1f} {size}")


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=800_000)
    parser.add_argument("--step", choices=["prepare", "import", "export"], help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step == "prepare":
        return prepare(Path(args.workdir), args.rows)
    if args.step == "import":
        return run_import(Path(args.workdir))
    if args.step == "export":
        return run_export(Path(args.workdir))
    workdir = Path(tempfile.mkdtemp(prefix="kechuang-memory-"))
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, __file__, "--rows", str(args.rows), "--step", "prepare", "--workdir", str(workdir)],
        check=True,
    )
    print(f"# prepared {args.rows} rows in {time.perf_counter() - started:.0f} s ({workdir})", flush=True)
    results = {}
    for step in ("import", "export"):
        out = subprocess.run(
            [sys.executable, __file__, "--step", step, "--workdir", str(workdir)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
        results[step] = [float(x) for x in out[:3]]
    baseline = max(results["import"][0], results["export"][0])
    print(
        f"P4 import_peak_mb={results['import'][1]:.0f} export_peak_mb={results['export'][1]:.0f} "
        f"baseline_mb={baseline:.0f} rows={args.rows} import_s={results['import'][2]:.0f} "
        f"export_s={results['export'][2]:.0f} goal_mb=400",
        flush=True,
    )


if __name__ == "__main__":
    main()
