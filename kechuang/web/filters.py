"""Query-string filters of every registry, on django-filter: one FilterSet per registry for its list page,
its Excel export and its API list.

Every value is parsed by `core.filtering`'s parsers (the one validated path for query values): a bad
one (`²`, `2^70`, `0001-01-01`, text in an id) becomes "申报年度：“²”不是整数" — a 400 page or a 422
answer naming the parameter — and never a database error or a silently widened result.
"""

from collections import OrderedDict
from collections.abc import Callable
from copy import deepcopy
from urllib.parse import urlencode

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q

from kechuang.core.filtering import MAX_ID, MAX_IDS, parse_date, parse_int


class ParsedField(forms.Field):
    """A form field whose value is `parse(text)`; a ValueError's Chinese reason becomes the error."""

    def __init__(self, *, parse: Callable[[str], object], **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.parse = parse

    def to_python(self, value):
        text = str(value if value is not None else "").strip()
        if not text:
            return None
        try:
            return self.parse(text)
        except ValueError as exc:
            raise ValidationError(str(exc), code="invalid") from None


def _text(max_length: int):
    def parse(text: str) -> str:
        if len(text) > max_length:
            raise ValueError(f"不能超过 {max_length} 个字符（实际 {len(text)} 个）")
        if any(ord(c) < 32 or ord(c) == 127 for c in text):
            raise ValueError("含有控制字符")
        return text

    return parse


def _choice(choices):
    def parse(text: str) -> str:
        values = [str(v) for v, _ in (choices() if callable(choices) else choices)]
        if text not in values:
            shown = "、".join(values[:12]) + ("…" if len(values) > 12 else "")
            raise ValueError(f"“{text}”不是可选值（可选：{shown}）")
        return text

    return parse


def _ids(text: str) -> list[int]:
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if len(parts) > MAX_IDS:
        raise ValueError(f"一次最多 {MAX_IDS} 个编号（实际 {len(parts)} 个）")
    return [parse_int(part) for part in parts]


def _bool(text: str) -> bool:
    if text.lower() in {"1", "true", "是"}:
        return True
    if text.lower() in {"0", "false", "否"}:
        return False
    raise ValueError(f"“{text}”应为 1（是）或 0（否）")


class _Parsed:
    """Mixin: the filter's form field is a ParsedField with the filter's parser."""

    field_class = ParsedField
    parser: Callable = staticmethod(lambda text: text)

    def get_parser(self):
        return self.parser

    def widget(self):
        return forms.TextInput(attrs={"placeholder": self.label or ""})

    def over(self, relation: str):
        """This filter applied through `relation` (`enterprise`: the yearly data by the enterprise's town)."""
        related = deepcopy(self)
        related.field_name = f"{relation}__{self.field_name}"
        return related

    @property
    def field(self):
        if not hasattr(self, "_field"):
            self._field = ParsedField(
                parse=self.get_parser(), label=self.label, widget=self.widget(), **self.extra
            )
        return self._field


class TextFilter(_Parsed, django_filters.Filter):
    """Text compared by `lookup_expr` (exact by default; `icontains` for a part of a name)."""

    def __init__(self, *args, max_length: int = 100, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_length = max_length

    def get_parser(self):
        return _text(self.max_length)


class NumberFilter(_Parsed, django_filters.Filter):
    def __init__(self, *args, min_value: int = 0, max_value: int = MAX_ID, **kwargs):
        super().__init__(*args, **kwargs)
        self.min_value, self.max_value = min_value, max_value

    def get_parser(self):
        return lambda text: parse_int(text, self.min_value, self.max_value)


class YearFilter(NumberFilter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1990)
        kwargs.setdefault("max_value", 2100)
        super().__init__(*args, **kwargs)


class DateFilter(_Parsed, django_filters.Filter):
    parser = staticmethod(parse_date)


class BooleanFilter(_Parsed, django_filters.Filter):
    parser = staticmethod(_bool)

    def widget(self):
        return forms.Select(choices=[("", "不限"), ("1", f"{self.label}：是"), ("0", f"{self.label}：否")])


class ChoiceFilter(_Parsed, django_filters.Filter):
    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.choices = choices

    def get_parser(self):
        return _choice(self.choices)

    def widget(self):
        choices = self.choices() if callable(self.choices) else self.choices
        return forms.Select(
            choices=[("", f"全部{self.label}"), *[(str(value), str(text)) for value, text in choices]]
        )


class ModelChoiceFilter(_Parsed, django_filters.Filter):
    """A record chosen by id (a department, a kind); `queryset` may be a callable of the request, so the
    choices are the user's own scope."""

    def __init__(self, *args, queryset=None, **kwargs):
        kwargs.pop("empty_label", None)
        super().__init__(*args, **kwargs)
        self.queryset = queryset

    def choices_queryset(self):
        qs = self.queryset
        if callable(qs):
            qs = qs(getattr(self.parent, "request", None))
        return qs

    def widget(self):
        label = self.label

        class Choices(forms.Select):
            def __init__(inner, filter_):
                super().__init__()
                inner.filter_ = filter_

            def get_context(inner, name, value, attrs):
                inner.choices = [("", f"全部{label}")] + [
                    (str(o.pk), str(o)) for o in inner.filter_.choices_queryset()
                ]
                return super().get_context(name, value, attrs)

        return Choices(self)

    def get_parser(self):
        def parse(text: str):
            pk = parse_int(text)
            found = self.choices_queryset().filter(pk=pk).first()
            if found is None:
                raise ValueError(f"“{text}”不存在或不在您的数据范围内")
            return found

        return parse


class SearchFilter(_Parsed, django_filters.Filter):
    """Free text over several fields (icontains on each, OR-ed)."""

    def __init__(self, *fields, upper: tuple[str, ...] = (), max_length: int = 100, **kwargs):
        kwargs.setdefault("label", "搜索")
        super().__init__(**kwargs)
        self.search_fields, self.upper, self.max_length = fields, set(upper), max_length

    def get_parser(self):
        return _text(self.max_length)

    def widget(self):
        return forms.TextInput(attrs={"type": "search", "placeholder": self.label or ""})

    def over(self, relation: str):
        related = super().over(relation)
        related.search_fields = tuple(f"{relation}__{name}" for name in self.search_fields)
        related.upper = {f"{relation}__{name}" for name in self.upper}
        return related

    def filter(self, qs, value):
        if not value:
            return qs
        condition = Q()
        for name in self.search_fields:
            condition |= Q(**{f"{name}__icontains": value.upper() if name in self.upper else value})
        return qs.filter(condition)


class IdsFilter(_Parsed, django_filters.Filter):
    """`ids=3,5,8`: the records behind a figure (the drill-down's link to the list)."""

    parser = staticmethod(_ids)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("field_name", "pk")
        kwargs.setdefault("lookup_expr", "in")
        super().__init__(*args, **kwargs)


class RegistryFilterSet(django_filters.FilterSet):
    """Base of every registry's filters.

    `related = {"enterprise": EnterpriseFilters}` takes another registry's filters over a relation, by the
    same parameter names: the yearly data filtered by the enterprise list's `town`, `field`, `ids`, …
    (through `enterprise__`), so a list and the exports of its related sheets agree. The set's own
    filters come after them (and win on a shared name)."""

    related: dict[str, type["RegistryFilterSet"]] = {}

    @classmethod
    def get_filters(cls):
        own = super().get_filters()
        filters = OrderedDict()
        for relation, other in cls.related.items():
            for name, declared in other.base_filters.items():
                filters[name] = declared.over(relation)
        filters.update(own)
        return filters

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        for name, field in self.form.fields.items():
            field.required = False
            field.widget.attrs.setdefault("aria-label", str(field.label or name))

    def query_string(self) -> str:
        """The filters given, as a query string (a sheet's export link keeps the list's filters)."""
        given = {name: str(self.data.get(name) or "").strip() for name in self.filters}
        return urlencode({name: text for name, text in given.items() if text})

    def errors_text(self) -> list[str]:
        """Every refused value as "申报年度：“²”不是整数"."""
        found = []
        for name, errors in self.form.errors.items():
            label = self.form.fields[name].label if name in self.form.fields else name
            found += [f"{label}：{error}" for error in errors]
        return found


class FilterError(Exception):
    """A query-string value was refused; the message names each one."""

    def __init__(self, messages: list[str]):
        super().__init__("查询条件有误：" + "；".join(messages) + "。")
        self.messages = messages


def apply(filterset_class, params, queryset, request=None):
    """The registry's filters over `queryset`, or FilterError naming each bad value."""
    filterset = filterset_class(params, queryset, request=request)
    if not filterset.is_valid():
        raise FilterError(filterset.errors_text())
    return filterset.qs, filterset
