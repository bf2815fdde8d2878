"""The holiday calendar over the official arrangement: an entered day overrides the library, gives a year
the library does not know, and is counted at once after an edit."""

from datetime import date

import pytest

from kechuang.core import workdays
from kechuang.core.models import CalendarDay

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_calendar():
    workdays.forget()
    yield
    workdays.forget()  # the test's rows are rolled back: no copy of them may stay behind


def test_the_library_alone():
    # 1–5 June 2026 are a plain week (Monday to Friday)
    assert workdays.add_workdays(date(2026, 6, 1), 5) == date(2026, 6, 5)
    assert workdays.workdays_between(date(2026, 6, 1), date(2026, 6, 7)) == 5
    assert workdays.official(date(2026, 6, 6)) is False
    assert workdays.official(date(2031, 6, 6)) is None


def test_an_entered_holiday_and_working_saturday_override_the_library():
    CalendarDay.objects.create(date=date(2026, 6, 3), is_workday=False, name="临时放假")
    assert workdays.add_workdays(date(2026, 6, 1), 5) == date(2026, 6, 8)
    assert workdays.workdays_between(date(2026, 6, 1), date(2026, 6, 7)) == 4
    CalendarDay.objects.create(date=date(2026, 6, 6), is_workday=True, name="调休上班")
    assert workdays.add_workdays(date(2026, 6, 1), 5) == date(2026, 6, 6)
    assert workdays.workdays_between(date(2026, 6, 1), date(2026, 6, 7)) == 5
    assert not workdays.is_workday(date(2026, 6, 3)) and workdays.is_workday(date(2026, 6, 6))


def test_a_year_the_library_does_not_know_counts_by_the_entries():
    assert not workdays.known(2031)
    assert workdays.add_workdays(date(2031, 1, 1), 3) == date(2031, 1, 3)  # Wed–Fri
    CalendarDay.objects.create(date=date(2031, 1, 1), is_workday=False, name="元旦")
    CalendarDay.objects.create(date=date(2031, 1, 4), is_workday=True, name="调休上班")
    assert workdays.known(2031)
    assert workdays.add_workdays(date(2031, 1, 1), 3) == date(2031, 1, 4)  # Thu, Fri, the working Saturday
    assert workdays.workdays_between(date(2031, 1, 1), date(2031, 1, 5)) == 3
    assert not workdays.known(2032)


def test_an_edit_or_a_removal_is_counted_at_once():
    day = CalendarDay.objects.create(date=date(2026, 6, 3), is_workday=False, name="临时放假")
    assert workdays.add_workdays(date(2026, 6, 1), 5) == date(2026, 6, 8)
    day.is_workday = True
    day.save()
    assert workdays.add_workdays(date(2026, 6, 1), 5) == date(2026, 6, 5)
    day.is_workday = False
    day.save()
    assert workdays.add_workdays(date(2026, 6, 1), 5) == date(2026, 6, 8)
    day.delete()
    assert workdays.add_workdays(date(2026, 6, 1), 5) == date(2026, 6, 5)


def test_a_period_reads_each_year_once(django_assert_num_queries):
    CalendarDay.objects.create(date=date(2026, 6, 3), is_workday=False, name="临时放假")
    with django_assert_num_queries(1):
        assert workdays.add_workdays(date(2026, 6, 1), 20) == date(2026, 6, 30)  # 端午 19 June, 3 June
    with django_assert_num_queries(0):
        workdays.workdays_between(date(2026, 1, 1), date(2026, 12, 31))
    with django_assert_num_queries(1):  # into the next year: its entries once
        workdays.add_workdays(date(2026, 12, 28), 10)
