"""Import benchmarks for the enterprise-year sheet, each against a named baseline in the same run.

    make bench                      # or: .venv/bin/python bench/import_bench.py --rows 100000

R1 read:   reading the workbook with python-calamine (our reader) vs openpyxl read-only (baseline);
R1s:       the same with our streaming reader (used for sheets above 32 MB of XML) vs openpyxl.
P1 import: the project's import (the commit step) on a fresh database — read, validate every row,
           upsert with versioning and audit — vs the baseline: the fastest raw read of the same file plus a
           raw `executemany` INSERT of the same rows into the same table.
P1v:       the preview before it (read and validate every row, store nothing); P1t: both together.
R2 round:  committing an unchanged export again (validate every row, nothing to write) vs the same baseline.

Prints one line per figure: `NAME ratio=… project_s=… baseline_s=… rows=…` (ratio = project ÷ baseline;
lower is better). Runs on a throwaway SQLite file unless DATABASE_URL is set.
"""

import argparse
import random
import zipfile

from benchkit import confirm_import, django_in, migrate, timed


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    workdir = django_in()
    migrate()

    from decimal import Decimal

    import openpyxl
    import xlsxwriter
    from django.core.files.base import ContentFile
    from django.db import connection
    from django.utils import timezone
    from python_calamine import CalamineWorkbook

    from kechuang.enterprises import creditcode
    from kechuang.enterprises.models import Enterprise, EnterpriseYear
    from kechuang.org.models import Department, User
    from kechuang.site.demo import load_demo_users
    from kechuang.tabular import engine, writer
    from kechuang.tabular.models import ImportJob
    from kechuang.tabular.reader import _sheets, _streamed_rows
    from kechuang.tabular.registry import get_sheet

    load_demo_users()
    user = User.objects.get(username="kjj")
    towns = list(Department.objects.filter(kind="town"))
    rng = random.Random(7)
    years = list(range(2018, 2026))
    n_enterprises = max(1, args.rows // len(years))
    Enterprise.objects.bulk_create(
        Enterprise(
            credit_code=creditcode.build("500154", f"B{i:07d}"),
            name=f"基准企业{i}",
            town=rng.choice(towns),
            registered_on="2015-01-01",
        )
        for i in range(n_enterprises)
    )
    codes = list(Enterprise.objects.values_list("credit_code", flat=True))
    sheet = get_sheet("enterprise-years")
    headers = [c.header for c in sheet.columns if not c.readonly]
    keys = [c.key for c in sheet.columns if not c.readonly]
    path = workdir / "years.xlsx"
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = book.add_worksheet(writer.DATA_SHEET)
    for c, h in enumerate(headers):
        ws.write_string(0, c, h)
    row = 1
    for code in codes:
        for year in years:
            employees = rng.randint(10, 500)
            values = {
                "credit_code": code,
                "year": year,
                "employees": employees,
                "st_staff": employees // 5,
                "rd_staff": employees // 8,
                "conversions": rng.randint(0, 5),
                "ip_class1": rng.randint(0, 3),
                "ip_class2": rng.randint(0, 9),
            }
            sales = rng.randint(1_000_000, 500_000_000)
            values.update(
                sales_revenue=sales,
                total_income=sales * 1.03,
                total_cost=sales * 0.9,
                rd_expense=sales * 0.04,
                rd_domestic=sales * 0.035,
                net_assets=sales * 0.5,
                total_assets=sales * 1.1,
                hightech_income=sales * 0.7,
            )
            for c, key in enumerate(keys):
                value = values.get(key)
                if isinstance(value, str):
                    ws.write_string(row, c, value)
                elif value is not None:
                    ws.write_number(row, c, round(value, 2))
            row += 1
    book.close()
    rows = row - 1
    print(
        f"# {rows} rows, {n_enterprises} enterprises, file {path.stat().st_size / 1e6:.1f} MB, "
        f"database {connection.vendor}",
        flush=True,
    )

    def calamine_read():
        wb = CalamineWorkbook.from_path(str(path))
        count = sum(1 for _ in wb.get_sheet_by_name(writer.DATA_SHEET).iter_rows())
        wb.close()
        return count

    def openpyxl_read():
        wb = openpyxl.load_workbook(path, read_only=True)
        count = sum(1 for _ in wb[writer.DATA_SHEET].iter_rows(values_only=True))
        wb.close()
        return count

    project, _ = timed(calamine_read, args.repeat)
    baseline, _ = timed(openpyxl_read, 1)
    print(
        f"R1 read_ratio={project / baseline:.3f} project_s={project:.2f} baseline_s={baseline:.2f} rows={rows}",
        flush=True,
    )

    def streamed_read():
        with zipfile.ZipFile(path) as archive:
            member = dict(_sheets(archive, archive.read))[writer.DATA_SHEET]
        return sum(1 for _ in _streamed_rows(path, member))

    streamed, _ = timed(streamed_read, 1)
    print(
        f"R1s stream_read_ratio={streamed / baseline:.3f} project_s={streamed:.2f} baseline_s={baseline:.2f} "
        f"rows={rows}",
        flush=True,
    )

    ids = dict(Enterprise.objects.values_list("credit_code", "pk"))
    table = EnterpriseYear._meta.db_table
    columns = ["enterprise_id", "year", *EnterpriseYear.FIGURES, "version", "recorded_at"]

    def raw_baseline():
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table}")
        wb = CalamineWorkbook.from_path(str(path))
        data = []
        now = timezone.now()
        for cells in list(wb.get_sheet_by_name(writer.DATA_SHEET).iter_rows())[1:]:
            record = dict(zip(keys, cells, strict=False))
            data.append(
                [
                    ids[record["credit_code"]],
                    int(record["year"]),
                    *[
                        None
                        if record.get(f) in (None, "")
                        else Decimal(str(record[f]))
                        if EnterpriseYear._meta.get_field(f).get_internal_type() == "DecimalField"
                        else int(record[f])
                        for f in EnterpriseYear.FIGURES
                    ],
                    1,
                    now,
                ]
            )
        wb.close()
        placeholders = ", ".join(["%s"] * len(columns))
        with connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})", data)
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table}")
        return len(data)

    baseline, inserted = timed(raw_baseline, 1)

    def project_import():
        """The preview (validate every row, store nothing) and the commit (read, validate every row
        again against the data as it is now, upsert with versions, audit), timed apart."""
        job = ImportJob(sheet="enterprise-years", user=user, original_name="years.xlsx")
        job.file.save("years.xlsx", ContentFile(path.read_bytes()), save=False)
        job.save()
        preview, job = timed(lambda: engine.validate(job.pk))
        commit, job = timed(lambda: confirm_import(job, "基准测试"))
        assert job.status == "done", (job.status, job.file_error, job.errors[:3])
        return preview, commit, job

    preview, commit, job = project_import()
    print(
        f"P1 import_ratio={commit / baseline:.3f} project_s={commit:.2f} baseline_s={baseline:.2f} "
        f"rows={rows} created={job.result['created']}",
        flush=True,
    )
    print(
        f"P1v preview_ratio={preview / baseline:.3f} project_s={preview:.2f} baseline_s={baseline:.2f} "
        f"rows={rows} (the read-only check a clerk sees before committing)",
        flush=True,
    )
    print(
        f"P1t preview_and_import_ratio={(preview + commit) / baseline:.3f} project_s={preview + commit:.2f} "
        f"baseline_s={baseline:.2f} rows={rows}",
        flush=True,
    )

    preview, commit, job = project_import()
    print(
        f"R2 roundtrip_ratio={commit / baseline:.3f} project_s={commit:.2f} baseline_s={baseline:.2f} "
        f"rows={rows} unchanged={job.result['unchanged']}",
        flush=True,
    )


if __name__ == "__main__":
    main()
