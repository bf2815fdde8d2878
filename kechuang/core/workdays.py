"""Working days (工作日) for periods the rules count in them — a 公示 of at least 5 working days.

A day is a working day as follows, first match wins:
1. the holiday calendar the administrator keeps (`CalendarDay`, 系统管理 › 节假日安排): a holiday entered
   there is not a working day, an adjusted working Saturday or Sunday (调休上班) is one — it corrects the
   library or gives a year the library does not know yet;
2. the State Council's holidays and adjusted working days from `chinesecalendar` (years 2004–2026 in the
   pinned release; a newer release brings the next year's arrangement);
3. Monday to Friday.

`known(year)` says whether a year's arrangement is known (from the library or from entries in the calendar),
so that a page can say when it counts Monday to Friday. A year's entries are read once and kept per process
(`_ENTRIES_TTL` seconds, so that another process's edit is seen soon); saving or deleting an entry clears
this process's copy at once (`forget`, connected to the model's signals in `apps.py`).
"""

from __future__ import annotations

import functools
import threading
import time
from datetime import date, timedelta

import chinese_calendar

_ENTRIES_TTL = 60.0
_entries: dict[int, tuple[float, dict[date, bool]]] = {}  # year → (read at, date → is_workday)
_lock = threading.Lock()


@functools.lru_cache(maxsize=64)
def library_knows(year: int) -> bool:
    """Whether `chinesecalendar` has the official arrangement of `year`."""
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def entries(year: int) -> dict[date, bool]:
    """The administrator's entries of `year` (date → is_workday), read once per year and kept."""
    now = time.monotonic()
    with _lock:
        cached = _entries.get(year)
    if cached is not None and now - cached[0] < _ENTRIES_TTL:
        return cached[1]
    from .models import CalendarDay

    found = dict(CalendarDay.objects.filter(date__year=year).values_list("date", "is_workday"))
    with _lock:
        _entries[year] = (now, found)
    return found


def forget(*args, **kwargs) -> None:
    """Drop the kept entries (a signal receiver: any arguments)."""
    with _lock:
        _entries.clear()


def known(year: int) -> bool:
    """Whether the arrangement of `year` is known — from the library or from the administrator's entries
    (otherwise Monday to Friday)."""
    return library_knows(year) or bool(entries(year))


def is_workday(day: date) -> bool:
    entered = entries(day.year).get(day)
    if entered is not None:
        return entered
    if library_knows(day.year):
        return chinese_calendar.is_workday(day)
    return day.weekday() < 5


def official(day: date) -> bool | None:
    """What the library says of `day` (None when it does not know the year), the calendar aside."""
    return chinese_calendar.is_workday(day) if library_knows(day.year) else None


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
