"""A target's planned path: from its baseline to its goal, linear or geometric (倍增), and the kinds of
indicator measured within their year. Shared by the status (status.py) and the charts (trajectory.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

# kinds whose figure restarts every year: the path runs from 0 on 1 January to the year's goal
WITHIN_THE_YEAR = ("increment", "amount", "milestone")


def _num(value):
    if value is None:
        return None
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(round(value, 2))


def _year_end(year: int) -> date:
    return date(year, 12, 31)


def _fraction(start: date, end: date, as_of: date) -> Decimal:
    if as_of <= start:
        return Decimal(0)
    if as_of >= end:
        return Decimal(1)
    return Decimal((as_of - start).days) / Decimal((end - start).days)


def path_start(target, base_year: int) -> date:
    """Where the expected path starts: 1 January of an increment's (or a milestone's) year, else the
    baseline year's end."""
    if target.indicator.kind in WITHIN_THE_YEAR:
        return date(target.year, 1, 1)
    return _year_end(base_year)


def expected_at(target, base_year, base, goal, day: date) -> Decimal | None:
    """The path's value on `day`: linear from the baseline to the goal, geometric for 倍增."""
    if base is None or goal is None:
        return None
    share = _fraction(path_start(target, base_year), _year_end(target.year), day)
    if target.is_relative and base > 0:
        expected = base * (Decimal(target.factor) ** share) if share < 1 else goal
        return Decimal(str(round(float(expected), 4)))
    return base + (goal - base) * share
