from django import template
from django.template.loader import render_to_string

from kechuang.core.numbers import wan
from kechuang.core.personal import personal_fields, shown

register = template.Library()


def value_of(obj, path: str):
    """The value a list shows for a field path; a personal field's masked (lists never show it in full)."""
    value = obj
    for part in path.split("__"):
        if value is None:
            return None
        if part in personal_fields(type(value)):
            return shown(value, part)
        display = getattr(value, f"get_{part}_display", None)
        value = display() if callable(display) else getattr(value, part)
    return value


@register.simple_tag
def cell(obj, column):
    """One list cell: the column's value (choice label, 万元 for money) or its include."""
    value = value_of(obj, column.name)
    if column.template:
        return render_to_string(column.template, {"obj": obj, "value": value})
    if value is None or value == "":
        return "—"
    if column.money:
        return wan(value)
    if value is True:
        return "是"
    if value is False:
        return "否"
    return value


@register.simple_tag
def sort_link(query, key, current):
    """The query string that sorts by `key` (ascending, or descending when it already is)."""
    direction = f"-{key}" if current == key else key
    return f"?{query}&sort={direction}" if query else f"?sort={direction}"


@register.simple_tag
def personal(obj, name):
    """A personal field as this page shows it: masked unless the page revealed it (web/personal.py)."""
    value = shown(obj, name)
    return value if value else "—"
