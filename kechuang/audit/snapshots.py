"""Turning a model instance into a JSON-safe dict that compares equal when the data is equal."""

import json
from decimal import Decimal

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

REDACTED = "******"


def _normalise(field: models.Field, value):
    if value is None:
        return None
    if isinstance(field, models.FileField):
        return value.name or None  # the stored path, not the file
    if isinstance(field, models.DecimalField):
        value = field.to_python(value)
        if field.decimal_places is not None:
            value = value.quantize(Decimal(1).scaleb(-field.decimal_places))
        return format(value, "f")
    if isinstance(field, (models.DateField, models.DateTimeField, models.TimeField)):
        value = field.to_python(value)
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def snapshot(instance: models.Model) -> dict:
    """Concrete field values by attribute name (`department_id`, not `department`)."""
    ignored = settings.KECHUANG_AUDIT_IGNORED_FIELDS
    data = {}
    for field in instance._meta.concrete_fields:
        if field.name in ignored:
            continue
        data[field.attname] = _normalise(field, field.value_from_object(instance))
    return data


def redact(data: dict | None) -> dict | None:
    if data is None:
        return None
    redacted = settings.KECHUANG_AUDIT_REDACTED_FIELDS
    return {k: (REDACTED if k in redacted and v else v) for k, v in data.items()}


def diff(before: dict, after: dict) -> list[str]:
    return sorted(k for k in after.keys() | before.keys() if before.get(k) != after.get(k))


def scope_path_of(instance: models.Model) -> str:
    """Tree path of the department a record belongs to, or '' when it belongs to none."""
    finder = getattr(instance, "scope_department", None)
    department = finder() if callable(finder) else None
    return getattr(department, "path", "") or ""
