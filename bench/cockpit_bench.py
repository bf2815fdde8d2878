"""P2 cockpit benchmark on the province dataset, against hand-written SQL over the base tables.

    make bench                      # or: .venv/bin/python bench/cockpit_bench.py [--enterprises 100000]

Generates the province (`kechuang.site.province.generate`: 40 districts, 100,000 enterprises, 800,000
yearly rows, ~285,000 recognitions, 50,000 projects) in a throwaway database, then for one district's plan
and for the province roll-up (the same plan's targets over the whole province):

P2 district / province: every computed target's actual as the cockpit gets it (metrics reading the
    qualification summaries) vs the baseline: hand-written SQL computing the same figures by scanning the
    base tables (`COUNT(DISTINCT …)` over recognitions valid on the day; first recognition per enterprise
    by `GROUP BY`). Both must agree exactly — the benchmark stops if they do not — also after an edit.
P2c: the whole cockpit (status, trajectories, forecasts with their months of history) vs the same baseline.

Prints `P2 scope=… ratio=… project_s=… baseline_s=… targets=… queries=…` (ratio = project ÷ baseline).
Runs on a throwaway SQLite file unless DATABASE_URL is set (give it a database of its own).
"""

import argparse
import shutil
import sys
import time
from datetime import date
from decimal import Decimal

from benchkit import django_in, migrate, timed

AS_OF = date(2026, 11, 28)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--districts", type=int, default=40)
    parser.add_argument("--projects", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    workdir = django_in()
    migrate()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kechuang.enterprises import summaries
    from kechuang.enterprises.models import Qualification
    from kechuang.metrics.registry import metrics
    from kechuang.org.models import Department
    from kechuang.plans.export import plan_queryset
    from kechuang.progress.actuals import actual_for, period_for
    from kechuang.progress.status import plan_progress
    from kechuang.site import province

    started = time.perf_counter()
    figures = province.generate(
        districts=args.districts,
        enterprises=args.enterprises,
        projects=args.projects,
        # applications and reviews in proportion (the defaults at 100,000 enterprises)
        applications=args.enterprises // 4,
        reviewed=args.enterprises // 5,
        log=lambda _: None,
    )
    print(
        f"# province generated in {time.perf_counter() - started:.0f} s: {figures.get('enterprises')} enterprises, "
        f"{figures.get('qualifications')} recognitions, database {connection.vendor}",
        flush=True,
    )
    root = Department.objects.get(name=province.PROVINCE, depth=1)
    district = Department.objects.filter(path__startswith=root.path, kind="district").order_by("path").first()
    plan = plan_queryset().get(department=district)
    targets = [
        t
        for p in plan.programmes.all()
        for i in p.indicators.all()
        for t in i.targets.all()
        if i.measurement == "computed" and i.metric_key in metrics
    ]

    def scan(metric_key, params, scope, period):
        """The baseline: the figure straight from the base tables."""
        kind = params.get("kind", "cq_tech")
        if metric_key == "enterprises.first_qualified":
            return summaries.scan_first_between(scope, kind, period.start, period.end)
        if metric_key == "enterprises.qualified_at_end":
            return summaries.scan_holding_on(scope, kind, period.end)
        return metrics.evaluate(metric_key, scope, period, **params).value  # small tables: the same query

    def scanned(scope):
        values = {}
        for t in targets:
            i = t.indicator
            value = scan(i.metric_key, i.metric_params, scope, period_for(t.year, AS_OF))
            if t.is_relative:
                base = scan(
                    i.metric_key, i.metric_params, scope, period_for(t.base_year, date(t.base_year + 1, 1, 1))
                )
                value = (Decimal(value) / Decimal(base)).quantize(Decimal("0.01")) if base else None
            values[t.pk] = value
        return values

    def computed(scope):
        with metrics.reading():  # as the cockpit reads them: each scope's series once
            return {t.pk: actual_for(t, AS_OF, scope).value for t in targets}

    def cockpit(scope):
        return plan_progress(plan, AS_OF, scope, with_trajectory=True)

    def check(scope, label):
        ours, theirs = computed(scope), scanned(scope)
        if ours != theirs:
            print(f"!! {label}: summaries and scan disagree: {ours} vs {theirs}", flush=True)
            sys.exit(1)
        return ours

    for label, scope in (("district", district), ("province", root)):
        values = check(scope, label)
        baseline_s, _ = timed(lambda scope=scope: scanned(scope), args.repeat)
        project_s, _ = timed(lambda scope=scope: computed(scope), args.repeat)
        with CaptureQueriesContext(connection) as captured:
            computed(scope)
        print(
            f"P2 scope={label} ratio={project_s / baseline_s:.3f} project_s={project_s:.4f} "
            f"baseline_s={baseline_s:.3f} targets={len(targets)} queries={len(captured.captured_queries)} "
            f"nonzero={sum(1 for v in values.values() if v)}",
            flush=True,
        )
        cockpit_s, rows = timed(lambda scope=scope: cockpit(scope), args.repeat)
        with CaptureQueriesContext(connection) as captured:
            cockpit(scope)
        print(
            f"P2c scope={label} ratio={cockpit_s / baseline_s:.3f} cockpit_s={cockpit_s:.3f} "
            f"baseline_s={baseline_s:.3f} rows={len(rows)} queries={len(captured.captured_queries)}",
            flush=True,
        )

    # an edit (a recognition revoked, another moved a year) keeps the two equal
    from django.db import transaction

    with transaction.atomic():
        for recognition in Qualification.objects.filter(enterprise__town__path__startswith=district.path)[:3]:
            recognition.status, recognition.revoked_on = "revoked", date(2025, 6, 30)
            recognition.save()
        moved = Qualification.objects.filter(enterprise__town__path__startswith=district.path).last()
        moved.issued_on = date(moved.issued_on.year - 1, 12, 30)
        moved.save()
    for label, scope in (("district", district), ("province", root)):
        check(scope, f"{label} after an edit")
    print("P2 agree=yes (district and province, before and after an edit)", flush=True)
    connection.close()
    shutil.rmtree(workdir, ignore_errors=True)  # the province database takes about 1 GB


if __name__ == "__main__":
    main()
