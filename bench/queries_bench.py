"""P5: queries per request at 1× and 100× data, measured in one run.

    .venv/bin/python bench/queries_bench.py [--factor 100] [--export-filter town=12]

On a fresh database (a throwaway SQLite file unless DATABASE_URL is set): migrate, load the demo data
(`site/demo.py`), count the queries of each page with django.test.Client (signed in as the page's user),
grow the Kaizhou district's enterprises, recognitions and current yearly rows to `factor` × the demo's
(`testing/scaling.py`, the same growth as `site/tests/test_query_counts_scale.py`) and count again.

Pages: the cockpit page and `GET /api/v1/cockpit` as of 2026-11-28 (as the leader), the drill-down
records of the 1-3/2025 科技型企业数 stock target and the enterprise list, and the enterprise-years export
(as the bureau admin; the whole district unless --export-filter narrows it, its body read to the end). The cockpit is
cached per data version (`progress/cockpit.py`): it is measured computed (cache cleared first) and, as
`cockpit_cached` / `cockpit_api_cached`, answered from the cache right after.

Prints one line per page: `P5 queries page=… at_1x=… at_100x=… equal=yes|no rows_1x=… rows_100x=…`
where rows is what the page covers: for the cockpit pages the district's enterprise, recognition and
yearly rows; for the records page the target's records; for the list the enterprises it pages through;
for the export the data rows of the downloaded sheet. Exits 1 if any page's count differs.
"""

import argparse
import io
import sys
import time

from benchkit import django_in, migrate


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--factor", type=int, default=100)
    parser.add_argument("--export-filter", default="", help="query string for the export, e.g. town=12")
    args = parser.parse_args()

    django_in()
    from django.conf import settings

    if "testserver" not in settings.ALLOWED_HOSTS and "*" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]  # django.test.Client's host
    migrate(reference_data=False)

    from datetime import date

    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.utils import timezone
    from python_calamine import CalamineWorkbook

    from kechuang.enterprises.models import Enterprise
    from kechuang.org.loading import find_department
    from kechuang.org.models import User
    from kechuang.plans.models import Target
    from kechuang.progress.actuals import actual_for
    from kechuang.progress.cockpit import active_plan, cockpit
    from kechuang.site.demo import load_demo_data
    from kechuang.tabular.writer import DATA_SHEET
    from kechuang.testing import scaling

    started = time.perf_counter()
    load_demo_data()
    print(
        f"# demo data loaded in {time.perf_counter() - started:.0f} s, database {connection.vendor}",
        flush=True,
    )

    pages = scaling.pages(export_filter=args.export_filter)
    clients = {}
    for _, username, _ in pages:
        if username not in clients:
            clients[username] = Client()
            clients[username].force_login(
                User.objects.get(username=username), backend="django.contrib.auth.backends.ModelBackend"
            )
    district = find_department(scaling.DISTRICT)

    def rows(name: str, body: bytes) -> int:
        if name in ("cockpit", "cockpit_api"):
            return sum(scaling.counts(district).values())
        if name == "target_records":
            target = Target.objects.get(indicator__code="1-3", year=2025, base_year__isnull=True)
            return actual_for(target, timezone.localdate()).record_count
        if name == "enterprise_list":
            return Enterprise.objects.filter(town__path__startswith=district.path).count()
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(body)).get_sheet_by_name(DATA_SHEET)
        return sum(1 for _ in sheet.iter_rows()) - 1  # less the header

    def new_tech(response) -> int:
        if response.get("Content-Type", "").startswith("application/json"):
            found = response.json()
        else:
            found = cockpit(active_plan(), date(2026, 11, 28))["indicators"]
        return next(r for r in found if r["indicator"] == "新增科技型企业数")["actual"]

    def measure(label: str) -> dict:
        figures = {}
        for name, username, url in pages:
            cache.clear()  # the cockpit is cached per data version: measure it computed
            started = time.perf_counter()
            count, response, body = scaling.count_queries(clients[username], url)
            seconds = time.perf_counter() - started
            figures[name] = (count, rows(name, body))
            note = ""
            if name.startswith("cockpit"):
                cached, _, _ = scaling.count_queries(clients[username], url)
                figures[f"{name}_cached"] = (cached, figures[name][1])
                note = f", {cached} when cached; 新增科技型企业数 actual {new_tech(response)}"
            print(f"# {label} {name}: {count} queries, {seconds:.2f} s{note}", flush=True)
        return figures

    for _, username, url in pages:  # warm caches (session, content types), as the tests do
        scaling.count_queries(clients[username], url)
    before = measure("1x")
    started = time.perf_counter()
    added = scaling.grow(args.factor, district)
    print(f"# grown to {args.factor}x in {time.perf_counter() - started:.0f} s: added {added}", flush=True)
    after = measure(f"{args.factor}x")

    differs = False
    for name in before:
        (q1, r1), (q100, r100) = before[name], after[name]
        differs |= q1 != q100
        print(
            f"P5 queries page={name} at_1x={q1} at_{args.factor}x={q100} equal={'yes' if q1 == q100 else 'no'} "
            f"rows_1x={r1} rows_{args.factor}x={r100}",
            flush=True,
        )
    sys.exit(1 if differs else 0)


if __name__ == "__main__":
    main()
