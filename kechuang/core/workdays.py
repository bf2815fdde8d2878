"""Working days (工作日) for periods the rules count in them — a 公示 of at least 5 working days.

The State Council's holidays and adjusted working days come from `chinesecalendar` (years 2004–2026 in
the pinned release); a year it does not know yet counts Monday to Friday, and `known(year)` lets a page say
so. A newer release of the library brings the next year's arrangement.
"""

from __future__ import annotations

import functools
from datetime import date, timedelta

import chinese_calendar


@functools.lru_cache(maxsize=64)
def known(year: int) -> bool:
    """Whether the official arrangement of `year` is known (otherwise Monday to Friday)."""
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def is_workday(day: date) -> bool:
    if known(day.year):
        return chinese_calendar.is_workday(day)
    return day.weekday() < 5


def add_workdays(start: date, count: int) -> date:
    """The last day of a period of `count` working days beginning on `start` (counted if it is a working
    day; otherwise the period begins on the next one)."""
    if count < 1:
        raise ValueError("count must be at least 1")
    day, left = start, count
    while True:
        if is_workday(day):
            left -= 1
            if left == 0:
                return day
        day += timedelta(days=1)


def workdays_between(first: date, last: date) -> int:
    """Working days from `first` to `last`, both included (0 when last < first)."""
    days = (last - first).days + 1
    return sum(1 for n in range(max(days, 0)) if is_workday(first + timedelta(days=n)))
