"""Qualification summaries: what the cockpit's enterprise metrics read instead of every recognition.

Per town, kind and day (and added up by month and by year) the summary holds `first` (enterprises whose
first recognition of the kind falls on that day) and `valid_change` (+1 where an enterprise starts holding
the kind valid, −1 the day after it stops; an enterprise's overlapping or back-to-back recognitions are
merged, so it counts once). Then

    enterprises holding the kind valid on day D = Σ valid_change over days ≤ D
    enterprises first recognised in [a, b]    = Σ first over days in [a, b]

read as whole years before D, whole months of D's year, then the days of D's month. Besides each town's own
rows (`rollup` 0) the table holds every department's subtree total (`rollup` 1: a town, a district,
the province), kept by adding each change to the totals above it, so any scope's figure is one index range.

Correctness over cleverness: whatever changes (a recognition saved or deleted, an enterprise moved to
another town or deleted), the touched towns' rows are recomputed from the base tables — a town holds a few
hundred recognitions — and the difference is added to the totals above them. `scan_*` below compute the
same figures straight from the base tables with hand-written SQL; tests and `kechuang enterprise summaries
verify` hold the two equal.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, timedelta
from itertools import groupby

from django.db import connection, transaction
from django.db.models import Q

from kechuang.audit import version
from kechuang.core import derived
from kechuang.core.bulkwrite import insert
from kechuang.org.models import Department

from .models import Enterprise, Qualification, QualificationSummary

ONE_DAY = timedelta(days=1)
TOWNS_PER_PASS = 200  # keeps a full rebuild's memory flat at province scale


def _spans(recognitions) -> list[tuple[date, date | None]]:
    """Merged [first valid day, last valid day] spans (None = open-ended) of one enterprise and kind."""
    spans = []
    for issued, expires, revoked in recognitions:
        last = expires
        if revoked is not None and (last is None or revoked - ONE_DAY < last):
            last = revoked - ONE_DAY
        if last is not None and last < issued:
            continue  # revoked on the day it was issued: never valid
        spans.append((issued, last))
    spans.sort(key=lambda s: s[0])
    merged: list[list] = []
    for start, last in spans:
        if merged and (merged[-1][1] is None or start <= merged[-1][1] + ONE_DAY):
            if merged[-1][1] is not None and (last is None or last > merged[-1][1]):
                merged[-1][1] = last
            continue
        merged.append([start, last])
    return [(start, last) for start, last in merged]


def _summarise(rows: Iterable[tuple]) -> dict:
    """(town, kind, day) → [first, valid_change] from recognition rows ordered by enterprise and kind:
    (enterprise_id, town_id, kind_id, issued_on, expires_on, revoked_on)."""
    cells: dict = defaultdict(lambda: [0, 0])
    for (_, kind), group in groupby(rows, key=lambda r: (r[0], r[2])):
        group = list(group)
        town = group[0][1]
        cells[(town, kind, min(r[3] for r in group))][0] += 1
        for start, last in _spans([(r[3], r[4], r[5]) for r in group]):
            cells[(town, kind, start)][1] += 1
            if last is not None:
                cells[(town, kind, last + ONE_DAY)][1] -= 1
    return {key: value for key, value in cells.items() if value != [0, 0]}


def _rolled_up(cells: dict, bucket) -> dict:
    """The daily cells added up into buckets (`bucket(day)` = the bucket's first day)."""
    totals: dict = defaultdict(lambda: [0, 0])
    for (town, kind, day), (first, change) in cells.items():
        total = totals[(town, kind, bucket(day))]
        total[0] += first
        total[1] += change
    return {key: value for key, value in totals.items() if value != [0, 0]}


def _month(day: date) -> date:
    return day.replace(day=1)


def _year(day: date) -> date:
    return day.replace(month=1, day=1)


def _town_q(towns: set, lookup: str) -> Q:
    ids = {t for t in towns if t is not None}
    q = Q(**{f"{lookup}__in": ids})
    if None in towns:
        q |= Q(**{f"{lookup}__isnull": True})
    return q


def refresh_towns(towns: Iterable[int | None]) -> None:
    """Recompute the summaries of these towns (None = enterprises without a town) from the base tables."""
    towns = sorted(set(towns), key=lambda t: (t is None, t or 0))
    for start in range(0, len(towns), TOWNS_PER_PASS):
        _refresh(set(towns[start : start + TOWNS_PER_PASS]))


def _serialise_writers() -> None:
    """Summary writers take turns until their transaction ends. SQLite's writers already do (IMMEDIATE
    transactions); on PostgreSQL two refreshes of one town under READ COMMITTED could each read the other's
    old rows and count a change twice in the totals, and increments of the province's total rows taken in
    different orders could deadlock."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SUMMARY_LOCK])


SUMMARY_LOCK = 7_204_211  # advisory lock key of the summary writers


def _refresh(towns: set) -> None:
    with transaction.atomic():
        _serialise_writers()
        direct = QualificationSummary.objects.filter(_town_q(towns, "area"), rollup=0)
        change = defaultdict(lambda: [0, 0])
        for area, kind, day, first, valid in direct.filter(grain=QualificationSummary.Grain.DAY).values_list(
            "area_id", "kind_id", "day", "first", "valid_change"
        ):
            change[(area, kind, day)][0] -= first
            change[(area, kind, day)][1] -= valid
        direct._raw_delete(connection.alias)
        rows = (
            Qualification.objects.filter(_town_q(towns, "enterprise__town"))
            .order_by("enterprise_id", "kind_id")
            .values_list(
                "enterprise_id", "enterprise__town_id", "kind_id", "issued_on", "expires_on", "revoked_on"
            )
            .iterator(chunk_size=10_000)
        )
        cells = _summarise(rows)
        _write(cells, rollup=0)
        for key, (first, valid) in cells.items():
            change[key][0] += first
            change[key][1] += valid
        _add_to_totals({key: value for key, value in change.items() if value != [0, 0]})
        version.changed()  # what the cockpit shows changes with them (once per transaction)


def _with_buckets(days: dict):
    """(grain, (area, kind, bucket day), [first, valid_change]) for the days and their month and year sums."""
    Grain = QualificationSummary.Grain
    for grain, cells in (
        (Grain.DAY, days),
        (Grain.MONTH, _rolled_up(days, _month)),
        (Grain.YEAR, _rolled_up(days, _year)),
    ):
        for key, value in sorted(cells.items(), key=_row_order):
            yield grain, key, value


def _write(days: dict, rollup: int) -> None:
    insert(
        QualificationSummary,
        [
            {
                "area_id": area,
                "rollup": rollup,
                "kind_id": kind,
                "grain": grain,
                "day": day,
                "first": first,
                "valid_change": valid,
            }
            for grain, (area, kind, day), (first, valid) in _with_buckets(days)
        ],
    )


_ADD_TO_TOTAL = """
INSERT INTO enterprises_qualificationsummary (area_id, rollup, kind_id, grain, day, first, valid_change)
VALUES (%s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (kind_id, grain, rollup, area_id, day) DO UPDATE SET
  first = enterprises_qualificationsummary.first + excluded.first,
  valid_change = enterprises_qualificationsummary.valid_change + excluded.valid_change
"""


def _add_to_totals(change: dict) -> None:
    """Add the towns' daily changes to the subtree totals (rollup rows) of each town and of every department
    above it, by incrementing rows in place (concurrent writers add up; nobody recomputes a province)."""
    steplen = Department.steplen
    paths = dict(
        Department.objects.filter(pk__in={a for a, _, _ in change if a is not None}).values_list("pk", "path")
    )
    prefixes = {path[:end] for path in paths.values() for end in range(steplen, len(path) + 1, steplen)}
    ids = dict(Department.objects.filter(path__in=prefixes).values_list("path", "pk"))
    totals: dict = defaultdict(lambda: [0, 0])
    for (area, kind, day), (first, valid) in change.items():
        if area is None:
            continue  # enterprises without a town belong to no department's total
        path = paths[area]
        for end in range(steplen, len(path) + 1, steplen):
            total = totals[(ids[path[:end]], kind, day)]
            total[0] += first
            total[1] += valid
    rows = [
        (area, 1, kind, grain, day, first, valid)
        for grain, (area, kind, day), (first, valid) in _with_buckets(totals)
        if (first, valid) != (0, 0)
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 5_000):
            cursor.executemany(_ADD_TO_TOTAL, rows[start : start + 5_000])


def _row_order(item):
    (town, kind, day), _ = item
    return (kind, town is None, town or 0, day)


def rebuild() -> None:
    """Recompute every summary (after bulk writes that bypass model signals, or to repair)."""
    towns = set(Enterprise.objects.order_by().values_list("town_id", flat=True).distinct())
    with transaction.atomic():
        _serialise_writers()
        QualificationSummary.objects.all()._raw_delete(connection.alias)
        refresh_towns(towns)


def mark_towns(towns: Iterable[int | None]) -> None:
    """These towns' summaries are stale: refresh now, or when the surrounding batch ends."""
    derived.mark(refresh_towns, towns)


# ---- reading --------------------------------------------------------------------------------------------


_CELLS = (
    "((s.grain = 'y' AND s.day < %s) OR (s.grain = 'm' AND s.day >= %s AND s.day < %s)"
    " OR (s.grain = 'd' AND s.day >= %s AND s.day <= %s))"
)


def _upto(day: date) -> list:
    """Parameters of `_CELLS` for the cells that add up to the total on `day`: whole years before it, whole
    months of its year before its month, and the days of its month up to it."""
    year, month = _year(day), _month(day)
    return [year, year, month, month, day]


def cumulative(scope, kind_code: str, days: Sequence[date], field: str) -> list[int]:
    """For each day, Σ `field` ("first" or "valid_change") of the scope's summary up to that day. Inside
    `reading()` the scope's daily series is loaded once and every later date answered from it."""
    loaded = _series.get()
    if loaded is None:
        return _cumulative_sql(scope, kind_code, days, field)
    key = (scope.pk if scope is not None else None, kind_code)
    if key not in loaded:
        loaded[key] = _Series(scope, kind_code)
    series = loaded[key]
    return [series.upto(day, field) for day in days]


_series: ContextVar[dict | None] = ContextVar("qualification_summary_series", default=None)


@contextmanager
def reading():
    """Keep each scope's series read inside the block (one query per scope and kind, not per date)."""
    token = _series.set({})
    try:
        yield
    finally:
        _series.reset(token)


def _scope_sql(scope) -> tuple[str, list]:
    """SQL condition (and parameters) for the rows that add up to `scope`: its subtree total, or for
    everything, every town's own rows."""
    if scope is None:
        return "s.rollup = 0", []
    return "s.rollup = 1 AND s.area_id = %s", [scope.pk]


class _RunningTotals:
    """Running totals by bucket day of summary rows ordered by day (several rows of one day — every
    town's, for everything — add up into one bucket)."""

    def __init__(self, rows) -> None:
        self.days: list[date] = []
        self.totals: dict[str, list[int]] = {"first": [], "valid_change": []}
        first = valid = 0
        for day, day_first, day_valid in rows:
            first += day_first
            valid += day_valid
            if self.days and self.days[-1] == day:
                self.totals["first"][-1], self.totals["valid_change"][-1] = first, valid
                continue
            self.days.append(day)
            self.totals["first"].append(first)
            self.totals["valid_change"].append(valid)

    def upto(self, day: date, field: str) -> int:
        index = bisect_right(self.days, day)
        return self.totals[field][index - 1] if index else 0


class _Series:
    """Running totals of one scope and kind: month ends from the monthly cells (read once), a day inside a
    month from that month's daily cells (read when first asked). The cockpit asks for month and year ends
    and one as-of date, so a view reads a few hundred rows per scope, not every day since 2005."""

    def __init__(self, scope, kind_code: str) -> None:
        self.scope, self.kind_code = scope, kind_code
        self.months = _RunningTotals(self._rows("m"))
        self.within: dict[date, _RunningTotals] = {}  # month → running totals of its days

    def _rows(self, grain: str, month: date | None = None):
        where, params = _scope_sql(self.scope)
        if month is not None:
            where += " AND s.day >= %s AND s.day <= %s"
            params = [*params, month, _month_end(month)]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT s.day, s.first, s.valid_change FROM enterprises_qualificationsummary s"
                " JOIN enterprises_qualificationkind k ON k.id = s.kind_id"
                f" WHERE k.code = %s AND s.grain = %s AND {where} ORDER BY s.day",
                [self.kind_code, grain, *params],
            )
            return cursor.fetchall()

    def upto(self, day: date, field: str) -> int:
        month = _month(day)
        if day == _month_end(month):
            return self.months.upto(month, field)
        if month not in self.within:
            self.within[month] = _RunningTotals(self._rows("d", month))
        return self.months.upto(month - ONE_DAY, field) + self.within[month].upto(day, field)


def _month_end(month: date) -> date:
    following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - ONE_DAY


def _cumulative_sql(scope, kind_code: str, days: Sequence[date], field: str) -> list[int]:
    """For each day, Σ `field` ("first" or "valid_change") of the scope's summary up to that day — one query
    whatever the number of days, reading a few dozen index entries. Plain SQL: the cockpit asks this a
    hundred times per view, and building the ORM query cost ten times running it."""
    if not days:
        return []
    column = {"first": "first", "valid_change": "valid_change"}[field]
    sums = ", ".join(f"COALESCE(SUM(CASE WHEN {_CELLS} THEN s.{column} ELSE 0 END), 0)" for _ in days)
    # every cell any of the days needs: years before the latest's, months from the earliest's year on, days
    # from the earliest's month on
    latest = max(days)
    reach = [_year(latest), min(_year(d) for d in days), _month(latest), min(_month(d) for d in days), latest]
    where, scope_params = _scope_sql(scope)
    sql = (
        f"SELECT {sums} FROM enterprises_qualificationsummary s"
        " JOIN enterprises_qualificationkind k ON k.id = s.kind_id"
        f" WHERE k.code = %s AND {where} AND {_CELLS}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*(p for day in days for p in _upto(day)), kind_code, *scope_params, *reach])
        return [int(value) for value in cursor.fetchone()]


def holding_on(scope, kind_code: str, day: date) -> int:
    return cumulative(scope, kind_code, [day], "valid_change")[0]


def first_between(scope, kind_code: str, start: date, end: date) -> int:
    before, upto = cumulative(scope, kind_code, [start - ONE_DAY, end], "first")
    return upto - before


# ---- the same figures from the base tables (reference for tests, `verify` and the benchmark) -------------

_SCAN_HOLDING = """
SELECT COUNT(DISTINCT q.enterprise_id)
FROM enterprises_qualification q
JOIN enterprises_qualificationkind k ON k.id = q.kind_id
JOIN enterprises_enterprise e ON e.id = q.enterprise_id
{join}
WHERE k.code = %s {where} AND q.issued_on <= %s
  AND (q.expires_on IS NULL OR q.expires_on >= %s)
  AND (q.revoked_on IS NULL OR q.revoked_on > %s)
"""

_SCAN_FIRST = """
SELECT COUNT(*) FROM (
  SELECT q.enterprise_id, MIN(q.issued_on) AS first_on
  FROM enterprises_qualification q
  JOIN enterprises_qualificationkind k ON k.id = q.kind_id
  JOIN enterprises_enterprise e ON e.id = q.enterprise_id
  {join}
  WHERE k.code = %s {where}
  GROUP BY q.enterprise_id
) firsts WHERE first_on >= %s AND first_on <= %s
"""


def _scan(sql: str, scope, kind_code: str, params: list) -> int:
    join, where, scope_params = "", "", []
    if scope is not None:
        join = "JOIN org_department t ON t.id = e.town_id"
        where, scope_params = "AND t.path LIKE %s", [scope.path + "%"]
    with connection.cursor() as cursor:
        cursor.execute(sql.format(join=join, where=where), [kind_code, *scope_params, *params])
        return cursor.fetchone()[0]


def scan_holding_on(scope, kind_code: str, day: date) -> int:
    return _scan(_SCAN_HOLDING, scope, kind_code, [day, day, day])


def scan_first_between(scope, kind_code: str, start: date, end: date) -> int:
    return _scan(_SCAN_FIRST, scope, kind_code, [start, end])


def verify(today: date | None = None) -> list[str]:
    """Where the summaries and the base tables disagree (empty when they agree): the whole registry and
    every province, city and district, for each kind, at every year end with recognitions and today."""
    from django.utils import timezone

    from .models import QualificationKind

    today = today or timezone.localdate()
    first = Qualification.objects.order_by("issued_on").values_list("issued_on", flat=True).first()
    if first is None:
        return []
    days = [date(year, 12, 31) for year in range(first.year, today.year)] + [today]
    scopes = [None, *Department.objects.filter(kind__in=["province", "city", "district"]).order_by("path")]
    problems = []
    for kind in QualificationKind.objects.order_by("sort_order").values_list("code", flat=True):
        for scope in scopes:
            held = cumulative(scope, kind, days, "valid_change")
            firsts = cumulative(scope, kind, days, "first")
            for index, day in enumerate(days):
                name = scope.name if scope else "全部"
                scanned = scan_holding_on(scope, kind, day)
                if held[index] != scanned:
                    problems.append(f"{name} {kind} {day}：汇总表有效 {held[index]}，明细 {scanned}")
                if index:  # first recognitions within the year up to `day`
                    since = firsts[index] - firsts[index - 1]
                    scanned = scan_first_between(scope, kind, days[index - 1] + ONE_DAY, day)
                    if since != scanned:
                        problems.append(f"{name} {kind} {day.year}年：汇总表首次认定 {since}，明细 {scanned}")
    return problems


def build_if_missing(**kwargs) -> None:
    """After `migrate`: a database with recognitions but no summaries yet (one from before the summaries
    existed) gets them built from the base tables."""
    if not QualificationSummary.objects.exists() and Qualification.objects.exists():
        rebuild()
