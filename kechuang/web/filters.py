"""Query-string filters of every registry: one validated path for list pages, Excel exports and the API.

A registry declares a `RegistryFilterSet` (django-filter). Every value is parsed by its form field;
a bad value (`²`, `2^70`, `0001-01-01` where it makes no sense, text in an id) becomes a Chinese
message naming the filter, never an exception from the database.
"""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q

# the database's integer range: a larger id or year would overflow SQLite and PostgreSQL alike
MAX_ID = 2**63 - 1


class SafeIntegerField(forms.IntegerField):
    default_error_messages = {"invalid": "应为整数。"}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        text = str(value).strip() if value is not None else ""
        if text and not (text.isascii() and text.isdigit()):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class NumberFilter(django_filters.NumberFilter):
    field_class = SafeIntegerField


class YearFilter(django_filters.NumberFilter):
    field_class = SafeIntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1900)
        kwargs.setdefault("max_value", 2100)
        super().__init__(*args, **kwargs)


class SafeModelChoiceField(forms.ModelChoiceField):
    default_error_messages = {"invalid_choice": "所选项不存在或不在您的数据范围内。"}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip()
        if not (text.isascii() and text.isdigit()) or int(text) > MAX_ID:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(text)


class ModelChoiceFilter(django_filters.ModelChoiceFilter):
    """A record chosen by id (a department, a kind); the choices are the user's own scope when the
    queryset is a callable of the request."""

    field_class = SafeModelChoiceField


class ChoiceFilter(django_filters.ChoiceFilter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("empty_label", "全部")
        super().__init__(*args, **kwargs)


class SearchFilter(django_filters.CharFilter):
    """Free text over several fields (icontains on each, OR-ed)."""

    def __init__(self, *fields, upper: tuple[str, ...] = (), **kwargs):
        kwargs.setdefault("label", "搜索")
        kwargs.setdefault("max_length", 100)
        super().__init__(**kwargs)
        self.search_fields, self.upper = fields, set(upper)

    def filter(self, qs, value):
        text = (value or "").strip()
        if not text:
            return qs
        condition = Q()
        for name in self.search_fields:
            condition |= Q(**{f"{name}__icontains": text.upper() if name in self.upper else text})
        return qs.filter(condition)


class IdsFilter(django_filters.CharFilter):
    """`ids=3,5,8`: the records behind a figure (the drill-down's link to the list)."""

    def filter(self, qs, value):
        if not value:
            return qs
        parts = [p.strip() for p in value.split(",") if p.strip()]
        if any(not (p.isascii() and p.isdigit()) or int(p) > MAX_ID for p in parts):
            raise ValidationError("记录编号应为以逗号分隔的整数。")
        return qs.filter(pk__in=[int(p) for p in parts])


class RegistryFilterSet(django_filters.FilterSet):
    """Base of every registry's filters. `filters_for(user)` adapts choices to the user's scope."""

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        for name, field in self.form.fields.items():
            field.required = False
            field.widget.attrs.setdefault("aria-label", str(field.label or name))

    def errors_text(self) -> list[str]:
        """Every refused value as "筛选条件“年度”：应为整数。"."""
        found = []
        for name, errors in self.form.errors.items():
            label = self.form.fields[name].label if name in self.form.fields else name
            for error in errors:
                found.append(f"筛选条件“{label}”：{error}")
        return found


class FilterError(Exception):
    """Raised by `apply` when a query-string value is refused; the message lists every refusal."""

    def __init__(self, messages: list[str]):
        super().__init__("；".join(messages))
        self.messages = messages


def apply(filterset_class, params, queryset, request=None):
    """The registry's filters over `queryset`, or FilterError naming each bad value."""
    filterset = filterset_class(params, queryset, request=request)
    if not filterset.is_valid():
        raise FilterError(filterset.errors_text())
    try:
        return filterset.qs, filterset
    except ValidationError as exc:  # a filter's own check (e.g. IdsFilter)
        raise FilterError([f"筛选条件：{m}" for m in exc.messages]) from None
