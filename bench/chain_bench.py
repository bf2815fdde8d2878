"""P1c: what the audit logs' hash chain costs an import, against the same import with its entries written
unchained (hash and previous hash left empty) — alternating, in one process, on one database.

    .venv/bin/python bench/chain_bench.py --rows 50000 --pairs 3

Each run imports a new workbook of `rows` enterprise-year rows for enterprises of its own (every row
created, as in P1: one change entry per row, the stage records' entries besides); a warm-up run goes
first. Prints `P1c chain_ratio=… project_s=… baseline_s=…`: the median over the pairs of chained ÷
unchained of the two runs side by side (1.00 = free), which a busy moment on a shared machine moves less
than a ratio of bests; the seconds are the medians of each mode.
"""

import argparse
import random
import statistics
import time

from benchkit import confirm_import, django_in, migrate


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--pairs", type=int, default=3)
    args = parser.parse_args()

    workdir = django_in()
    migrate()

    import xlsxwriter
    from django.core.files.base import ContentFile
    from django.db import connection

    from kechuang.audit import chain
    from kechuang.core.bulkwrite import insert, reserve_ids
    from kechuang.enterprises import creditcode
    from kechuang.enterprises.models import Enterprise
    from kechuang.org.models import Department, User
    from kechuang.site.demo import load_demo_users
    from kechuang.tabular import engine, writer
    from kechuang.tabular.models import ImportJob
    from kechuang.tabular.registry import get_sheet

    load_demo_users()
    user = User.objects.get(username="kjj")
    towns = list(Department.objects.filter(kind="town"))
    rng = random.Random(7)
    years = list(range(2018, 2026))
    per_run = max(1, args.rows // len(years))
    columns = [c for c in get_sheet("enterprise-years").columns if not c.readonly]
    chained_append = chain.append

    def unchained_append(model, rows):
        ids = reserve_ids(model, len(rows))
        for row in rows:
            row["hash"] = row["prev_hash"] = ""
        insert(model, rows, ids=ids)
        return ids

    def one_import(run: int) -> float:
        codes = [creditcode.build("500154", f"C{run:03d}{i:04d}") for i in range(per_run)]
        Enterprise.objects.bulk_create(
            Enterprise(
                credit_code=c, name=f"基准企业{run}-{i}", town=rng.choice(towns), registered_on="2015-01-01"
            )
            for i, c in enumerate(codes)
        )
        path = workdir / f"years-{run}.xlsx"
        book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
        sheet = book.add_worksheet(writer.DATA_SHEET)
        for c, column in enumerate(columns):
            sheet.write_string(0, c, column.header)
        r = 1
        for code in codes:
            for year in years:
                employees = 10 + (r * 7) % 490
                values = {
                    "credit_code": code,
                    "year": year,
                    "employees": employees,
                    "st_staff": employees // 5,
                    "rd_staff": employees // 8,
                    "sales_revenue": 1_000_000 + r,
                    "rd_expense": 40_000 + r,
                }
                for c, column in enumerate(columns):
                    value = values.get(column.key)
                    if isinstance(value, str):
                        sheet.write_string(r, c, value)
                    elif value is not None:
                        sheet.write_number(r, c, value)
                r += 1
        book.close()
        job = ImportJob(sheet="enterprise-years", user=user, original_name=path.name)
        job.file.save(path.name, ContentFile(path.read_bytes()), save=False)
        job.save()
        job = engine.validate(job.pk)
        start = time.perf_counter()
        job = confirm_import(job, "基准测试")
        took = time.perf_counter() - start
        assert job.status == "done", (job.status, job.errors[:3])
        return took

    def timed(mode: str, run: int) -> float:
        chain.append = chained_append if mode == "chained" else unchained_append
        try:
            return one_import(run)
        finally:
            chain.append = chained_append

    print(
        f"# {per_run * len(years)} rows a run, {args.pairs} pairs, database {connection.vendor}", flush=True
    )
    timed("chained", 0)  # warm-up
    seconds = {"chained": [], "unchained": []}
    ratios = []
    run = 1
    for pair in range(args.pairs):
        took = {}
        for mode in ("unchained", "chained") if pair % 2 == 0 else ("chained", "unchained"):
            took[mode] = timed(mode, run)
            run += 1
            seconds[mode].append(took[mode])
            print(f"# {mode} {took[mode]:.2f} s", flush=True)
        ratios.append(took["chained"] / took["unchained"])
    print(
        f"P1c chain_ratio={statistics.median(ratios):.3f} project_s={statistics.median(seconds['chained']):.2f} "
        f"baseline_s={statistics.median(seconds['unchained']):.2f} rows={per_run * len(years)} "
        f"pairs={' '.join(f'{r:.3f}' for r in ratios)}",
        flush=True,
    )


if __name__ == "__main__":
    main()
