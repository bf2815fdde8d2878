"""Query-string filters: the one validated path for list pages, their Excel exports and the API lists.

A registry declares its filters once, in its app's `filters.py`, as a `FilterSet`: every parameter with
its Chinese label and type (names follow django-filter: `field_name`, `lookup_expr`, `method`). The list
page, the export of its sheet and any API list all build the same `FilterSet(params, queryset=...)`, so
they cannot disagree. Every value is parsed here: a bad one (`²`, `2^70`, `0001-01-01`, text in an id)
makes `.qs` raise `InvalidQuery` — a 400 answer naming the parameter and the reason in Chinese — and never
widens the result to everything.

    class InstitutionFilter(FilterSet):
        type = ChoiceFilter("类型", InstitutionType.values, field_name="institution_type")
        active = BooleanFilter("仅现有效", method=_active)

    InstitutionFilter(request.GET, queryset=visible_to(user, Institution.objects.all())).qs
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from urllib.parse import urlencode

from django.core.exceptions import BadRequest
from django.core.paginator import Paginator

MAX_ID = 2**63 - 1  # the largest primary key the databases hold
MAX_IDS = 5000  # ids in one `ids=` list
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2100, 12, 31)


class InvalidQuery(BadRequest):
    """A query-string value that cannot be accepted; the message is Chinese, one line per parameter."""


class Filter:
    """One query-string parameter: `parse` turns its text into a value (or raises ValueError with the
    reason in Chinese); `apply` narrows a queryset by it — by a lookup, or by `method(queryset, value,
    prefix)` when a lookup is not enough (`prefix` leads to the records through a relation)."""

    def __init__(
        self,
        label: str,
        field_name: str | None = None,
        lookup_expr: str = "exact",
        method: Callable | None = None,
        name: str = "",
    ):
        self.label, self.field_name, self.lookup_expr, self.method = label, field_name, lookup_expr, method
        self.name = name  # the query-string name; by default the attribute's

    def parse(self, text: str):
        return text

    def apply(self, queryset, value, prefix: str = ""):
        if self.method is not None:
            return self.method(queryset, value, prefix)
        lookup = f"{prefix}{self.field_name or self.name}"
        if self.lookup_expr != "exact":
            lookup += f"__{self.lookup_expr}"
        return queryset.filter(**{lookup: value})


class CharFilter(Filter):
    def __init__(self, label: str, max_length: int = 100, **kwargs):
        super().__init__(label, **kwargs)
        self.max_length = max_length

    def parse(self, text: str) -> str:
        if len(text) > self.max_length:
            raise ValueError(f"不能超过 {self.max_length} 个字符（实际 {len(text)} 个）")
        if any(ord(c) < 32 or ord(c) == 127 for c in text):
            raise ValueError("含有控制字符")
        return text


def parse_int(text: str, min_value: int = 1, max_value: int = MAX_ID) -> int:
    """Plain ASCII digits only (`"²".isdigit()` is true in Python, `int("²")` fails)."""
    digits = text[1:] if text.startswith("-") else text
    if not digits or not digits.isascii() or not digits.isdigit():
        raise ValueError(f"“{text}”不是整数")
    if len(digits) > 20 or not min_value <= int(text) <= max_value:
        raise ValueError(f"“{text}”超出范围（{min_value}～{max_value}）")
    return int(text)


class NumberFilter(Filter):
    def __init__(self, label: str, min_value: int = 1, max_value: int = MAX_ID, **kwargs):
        super().__init__(label, **kwargs)
        self.min_value, self.max_value = min_value, max_value

    def parse(self, text: str) -> int:
        return parse_int(text, self.min_value, self.max_value)


class IdListFilter(Filter):
    """`ids=3,17,42`: the records behind a figure (drill-down links)."""

    def __init__(self, label: str = "编号", **kwargs):
        kwargs.setdefault("field_name", "pk")
        kwargs.setdefault("lookup_expr", "in")
        super().__init__(label, **kwargs)

    def parse(self, text: str) -> list[int]:
        parts = [part.strip() for part in text.split(",") if part.strip()]
        if len(parts) > MAX_IDS:
            raise ValueError(f"一次最多 {MAX_IDS} 个编号（实际 {len(parts)} 个）")
        return [parse_int(part) for part in parts]


class ChoiceFilter(Filter):
    def __init__(self, label: str, choices: Iterable[str] | Callable[[], Iterable[str]], **kwargs):
        super().__init__(label, **kwargs)
        self.choices = choices

    def parse(self, text: str) -> str:
        choices = list(self.choices() if callable(self.choices) else self.choices)
        if text not in choices:
            shown = "、".join(str(c) for c in choices[:12]) + ("…" if len(choices) > 12 else "")
            raise ValueError(f"“{text}”不是可选值（可选：{shown}）")
        return text


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


class DateFilter(Filter):
    def parse(self, text: str) -> date:
        return parse_date(text)


class BooleanFilter(Filter):
    TRUE, FALSE = {"1", "true", "是"}, {"0", "false", "否"}

    def parse(self, text: str) -> bool:
        if text.lower() in self.TRUE:
            return True
        if text.lower() in self.FALSE:
            return False
        raise ValueError(f"“{text}”应为 1（是）或 0（否）")


def _message(errors: dict[str, str]) -> str:
    return "查询条件有误：" + "；".join(errors.values()) + "。"


class FilterSet:
    """The filters of one list. `FilterSet(params, queryset=qs)`: `.errors` names every bad value,
    `.qs` is the filtered queryset (raises `InvalidQuery` when a value is bad), `.query` the filters as
    given (for export and pagination links)."""

    filters: dict[str, tuple[Filter, str]] = {}  # query-string name → (filter, lookup prefix)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        filters: dict[str, tuple[Filter, str]] = {}
        for base in reversed(cls.__mro__):
            for name, value in vars(base).items():
                if isinstance(value, Filter):
                    value.name = value.name or name
                    filters[value.name] = (value, "")
        cls.filters = filters

    def __init__(self, data=None, queryset=None):
        self.data, self.queryset = data if data is not None else {}, queryset
        self.cleaned: dict = {}
        self.given: dict[str, str] = {}
        self.errors: dict[str, str] = {}
        for name, (declared, _) in self.filters.items():
            text = str(self.data.get(name) or "").strip()
            if not text:
                continue
            self.given[name] = text
            try:
                self.cleaned[name] = declared.parse(text)
            except ValueError as exc:
                self.errors[name] = f"{declared.label}：{exc}"

    def is_valid(self) -> bool:
        return not self.errors

    def check(self) -> None:
        if self.errors:
            raise InvalidQuery(_message(self.errors))

    def filter_queryset(self, queryset):
        self.check()
        for name, value in self.cleaned.items():
            declared, prefix = self.filters[name]
            queryset = declared.apply(queryset, value, prefix)
        return queryset

    @property
    def qs(self):
        return self.filter_queryset(self.queryset)

    @property
    def query(self) -> str:
        return urlencode(self.given)


def paginate(params, queryset, per_page: int = 50):
    """The page of `queryset` asked for by `page` (a page past the end shows the last one)."""
    text = str(params.get("page") or "").strip()
    number = 1
    if text:
        try:
            number = parse_int(text)
        except ValueError as exc:
            raise InvalidQuery(_message({"page": f"页码：{exc}"})) from None
    return Paginator(queryset, per_page).get_page(number)
