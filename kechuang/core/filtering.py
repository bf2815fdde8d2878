"""The one validated path for query-string values: plain ASCII integers in range, ISO dates between
1900 and 2100, a page number — each refusal a Chinese reason ("“²”不是整数"). The registry kit's
FilterSets (web/filters.py) parse every value with these, and pages with a parameter of their own (a
cockpit's date, a self-check's scores) use them directly; a refusal answers 400 (InvalidQuery) or 422 on
the API, and never widens a list to everything."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import BadRequest
from django.core.paginator import Paginator

MAX_ID = 2**63 - 1  # the largest primary key the databases hold
MAX_IDS = 5000  # ids in one `ids=` list
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2100, 12, 31)


class InvalidQuery(BadRequest):
    """A query-string value that cannot be accepted; the message is Chinese, one line per parameter."""


def parse_int(text: str, min_value: int = 1, max_value: int = MAX_ID) -> int:
    """Plain ASCII digits only (`"²".isdigit()` is true in Python, `int("²")` fails)."""
    digits = text[1:] if text.startswith("-") else text
    if not digits or not digits.isascii() or not digits.isdigit():
        raise ValueError(f"“{text}”不是整数")
    if len(digits) > 20 or not min_value <= int(text) <= max_value:
        raise ValueError(f"“{text}”超出范围（{min_value}～{max_value}）")
    return int(text)


def parse_date(text: str) -> date:
    try:
        day = date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise ValueError(f"“{text}”不是有效日期，应写作 2021-08-23")
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"“{text}”超出范围（{FIRST_DAY.year}～{LAST_DAY.year} 年）")
    return day


def message(errors: dict[str, str]) -> str:
    return "查询条件有误：" + "；".join(errors.values()) + "。"


def paginate(params, queryset, per_page: int = 50):
    """The page of `queryset` asked for by `page` (a page past the end shows the last one)."""
    text = str(params.get("page") or "").strip()
    number = 1
    if text:
        try:
            number = parse_int(text)
        except ValueError as exc:
            raise InvalidQuery(message({"page": f"页码：{exc}"})) from None
    return Paginator(queryset, per_page).get_page(number)
