"""E1: 免申即享 over a whole province — our rule evaluation vs one hand-written SQL query, in one run.

    .venv/bin/python bench/exempt_bench.py [--enterprises 100000] [--districts 40] [--year 2024]

Generates the province's enterprises with their yearly figures and recognitions
(`kechuang.site.province.generate`, without projects or applications: 100,000 enterprises, 800,000 yearly
rows; its districts' policies, grants and payments come with it) in a throwaway database, then computes an
R&D subsidy for every enterprise of the province for the data year:

    conditions  [{"fact": "qualified", "kind": "hte"}]                       年末为有效的高新技术企业
    amount      {"type": "share", "terms": [{"fact": "rd_expense", "rate": "0.01"},
                                            {"fact": "rd_increment", "rate": "0.05"}],
                 "combine": "min", "cap": 100000}

ours: `policies.rules.evaluate` over the population (the evaluation core of `policies.exempt.compute`:
the facts read in bulk, every amount with its reasons and records) vs the baseline: one SELECT joining the
year's and the year before's figures and the valid recognitions, computing min(1 % × R&D, 5 % × increment)
capped, in whole hundredths of a fen (exact on both databases), rounded half up to the fen. The benchmark
stops unless both give the same enterprises with the same amounts.

Prints `E1 exempt ratio=… project_s=… baseline_s=… enterprises=… eligible=… total=…` (ratio = ours ÷ SQL;
best of --repeat). Runs on a throwaway SQLite file unless DATABASE_URL is set (give it a database of its
own).
"""

import argparse
import shutil
import sys
import time
from decimal import Decimal

from benchkit import django_in, migrate, timed

CAP = 100_000
CONDITIONS = [{"fact": "qualified", "kind": "hte"}]
AMOUNT = {
    "type": "share",
    "terms": [{"fact": "rd_expense", "rate": "0.01"}, {"fact": "rd_increment", "rate": "0.05"}],
    "combine": "min",
    "cap": CAP,
}

# amounts in hundredths of a fen (0.0001 元): 1 % of R&D in fen is R&D × 100 × 0.01 × 100 = R&D in fen
SQL = """
SELECT e.id, (({least}(cur.fen, 5 * (cur.fen - prev.fen), {cap}) + 50) / 100) AS fen
FROM enterprises_enterprise e
JOIN departments_town t ON t.id = e.town_id
JOIN (SELECT enterprise_id, CAST(ROUND(rd_expense * 100) AS BIGINT) AS fen FROM enterprises_enterpriseyear
      WHERE year = %s AND superseded_at IS NULL) cur ON cur.enterprise_id = e.id
JOIN (SELECT enterprise_id, CAST(ROUND(rd_expense * 100) AS BIGINT) AS fen FROM enterprises_enterpriseyear
      WHERE year = %s AND superseded_at IS NULL) prev ON prev.enterprise_id = e.id
WHERE e.is_active AND t.path LIKE %s
  AND EXISTS (SELECT 1 FROM enterprises_qualification q JOIN enterprises_qualificationkind k ON k.id = q.kind_id
              WHERE q.enterprise_id = e.id AND k.code = 'hte' AND q.issued_on <= %s
                AND (q.expires_on IS NULL OR q.expires_on >= %s)
                AND (q.revoked_on IS NULL OR q.revoked_on > %s))
  AND cur.fen > prev.fen
"""


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--districts", type=int, default=40)
    parser.add_argument("--year", type=int, default=2024)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()

    workdir = django_in()
    migrate()
    from datetime import date

    from django.db import connection

    from kechuang.enterprises.models import Department, Enterprise
    from kechuang.policies import rules
    from kechuang.site import province

    started = time.perf_counter()
    figures = province.generate(
        districts=args.districts,
        enterprises=args.enterprises,
        projects=0,
        applications=0,
        reviewed=0,
        log=lambda *_: None,
    )
    print(
        f"# province generated in {time.perf_counter() - started:.0f} s ({figures.get('enterprises')} "
        f"enterprises, {figures.get('enterprise_years')} yearly rows, {figures.get('grants')} grants, "
        f"{figures.get('disbursements')} payments), database {connection.vendor}",
        flush=True,
    )
    root = Department.objects.get(name=province.PROVINCE, depth=1)
    year = args.year

    def ours():
        reached = Enterprise.objects.filter(is_active=True, town__path__startswith=root.path).order_by("pk")
        ids = list(reached.values_list("pk", flat=True))
        outcomes = rules.evaluate(CONDITIONS, AMOUNT, year, ids, among=reached)
        return len(ids), {o.enterprise_id: o.amount for o in outcomes if o.eligible}

    least = "LEAST" if connection.vendor == "postgresql" else "MIN"
    sql = SQL.format(least=least, cap=CAP * 10_000).replace("departments_town", Department._meta.db_table)
    day = date(year, 12, 31)

    def baseline():
        with connection.cursor() as cursor:
            cursor.execute(sql, [year, year - 1, root.path + "%", day, day, day])
            return {pk: Decimal(fen) / 100 for pk, fen in cursor.fetchall() if fen > 0}

    project_s, (population, got) = timed(ours, args.repeat)
    baseline_s, expected = timed(baseline, args.repeat)
    if got != expected:
        missing = set(expected) - set(got)
        extra = set(got) - set(expected)
        differ = [k for k in set(got) & set(expected) if got[k] != expected[k]][:5]
        sys.exit(
            f"E1 results differ: {len(missing)} missing, {len(extra)} extra, amounts differ e.g. "
            f"{[(k, got[k], expected[k]) for k in differ]}"
        )
    print(
        f"E1 exempt ratio={project_s / baseline_s:.2f} project_s={project_s:.3f} baseline_s={baseline_s:.3f} "
        f"enterprises={population} eligible={len(got)} total={sum(got.values()):.2f}",
        flush=True,
    )
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
