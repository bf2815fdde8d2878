"""A target's trajectory for its chart: the expected path, the actual at each step, and the forecast.

Steps are the year ends from the baseline to the target year (quarter ends within the year for an
increment target), plus `as_of` itself while the target is running. Actuals come from the same sources
as the status (metrics over the registries, or approved reports); future steps have none.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from kechuang.metrics.periods import Period, _month_end
from kechuang.metrics.registry import metrics

from .actuals import evaluate, reported_in_unit
from .paths import WITHIN_THE_YEAR, _num, expected_at


def _steps(target, base_year: int | None) -> list[date]:

    if target.indicator.kind in WITHIN_THE_YEAR:
        return [date(target.year, 1, 1)] + [_month_end(target.year, m) for m in (3, 6, 9, 12)]
    first = base_year if base_year is not None else target.year
    return [date(year, 12, 31) for year in range(min(first, target.year), target.year + 1)]


def _actual_on(row, day: date, scope, approved: dict) -> Decimal | None:
    target, indicator = row.target, row.target.indicator
    if indicator.measurement == "reported":
        reported = approved.get((indicator.pk, day.year))
        if reported is None or day != date(day.year, 12, 31) or target.is_relative:
            return None
        value = reported_in_unit(reported, target.unit or indicator.unit)
        return Decimal(value) if value is not None else None
    if indicator.metric_key not in metrics:
        return None

    start = date(target.year, 1, 1) if indicator.kind in WITHIN_THE_YEAR else date(day.year, 1, 1)
    if day < start:
        return Decimal(0)
    result = evaluate(indicator, scope, Period(start, day, f"{day:%Y-%m-%d}"), target.unit)
    return Decimal(result.value) if result.value is not None else None


def _label(day: date) -> str:
    if (day.month, day.day) == (12, 31):
        return f"{day.year}年末"
    if (day.month, day.day) == (1, 1):
        return f"{day.year}年初"
    if day == _month_end(day.year, day.month):
        return f"{day.month}月末"
    return f"{day.month}月{day.day}日"


def _point(day: date, expected, actual) -> dict:

    return {"date": day.isoformat(), "label": _label(day), "expected": _num(expected), "actual": _num(actual)}


def trajectory(row, as_of: date, scope, approved: dict) -> list[dict]:
    """Points for the chart of one target (a TargetProgress): date, expected, actual; the last point
    carries the forecast and its 80 % interval while the target year runs."""

    target = row.target
    scope = scope if scope is not None else target.indicator.programme.plan.department
    steps = _steps(target, row.base_year)
    if steps[0] < as_of < steps[-1] and as_of not in steps:
        steps = sorted([*steps, as_of])
    points = []
    for day in steps:
        expected = expected_at(target, row.base_year, row.base_value, row.target_value, day)
        if day == as_of or (day > as_of and day == steps[-1] and as_of > steps[-1]):
            actual = row.current
        elif day < as_of:
            actual = row.base_value if day == steps[0] and row.base_value is not None else None
            if actual is None:
                actual = _actual_on(row, day, scope, approved)
        else:
            actual = None
        points.append(_point(day, expected, actual))
    if row.forecast is not None and as_of < steps[-1]:
        points[-1].update(
            forecast=row.forecast.value, forecast_low=row.forecast.low, forecast_high=row.forecast.high
        )
    return points
