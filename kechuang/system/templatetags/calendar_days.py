"""The holiday calendar's list: what the official arrangement says of a day and of a year."""

from django import template
from django.utils import timezone

from kechuang.core import workdays
from kechuang.core.filtering import parse_int

register = template.Library()


@register.simple_tag
def official_day(day):
    """True (working day), False (day off) or None (the library does not know the year)."""
    return workdays.official(day)


@register.simple_tag(takes_context=True)
def calendar_years(context) -> list[dict]:
    """The year chosen in the list's filter (this year and the next when none is), each with whether the
    library knows its official arrangement and how many days are entered for it."""
    try:
        chosen = parse_int(context["request"].GET.get("year", "").strip())
    except ValueError:
        chosen = None
    if chosen is not None and 1990 <= chosen <= 2100:
        years = [chosen]
    else:
        today = timezone.localdate()
        years = [today.year, today.year + 1]
    return [
        {"year": year, "official": workdays.library_knows(year), "entered": len(workdays.entries(year))}
        for year in years
    ]
