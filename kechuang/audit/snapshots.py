"""Turning a model instance into a JSON-safe dict that compares equal when the data is equal."""

import json
from decimal import Decimal

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from kechuang.core.personal import is_token, mask, personal_fields

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


def _fast(field: models.Field):
    """A normaliser for one field, equal in output to _normalise, without its per-value dispatch."""
    if isinstance(field, models.DecimalField):
        quantum = Decimal(1).scaleb(-field.decimal_places) if field.decimal_places is not None else None

        def decimal(value):
            if value is None:
                return None
            value = value if isinstance(value, Decimal) else field.to_python(value)
            return format(value.quantize(quantum) if quantum is not None else value, "f")

        return decimal
    if isinstance(
        field,
        (models.IntegerField, models.BooleanField, models.CharField, models.TextField, models.ForeignKey),
    ) and not (isinstance(field, models.FileField)):

        def plain(value):  # JSON-native values come back from the round trip unchanged
            return value if type(value) in _NATIVE else _normalise(field, value)

        return plain
    if isinstance(field, (models.DateField, models.DateTimeField, models.TimeField)):
        encode = DjangoJSONEncoder().default  # exactly what the JSON round trip gives for these

        def moment(value):
            return None if value is None else encode(field.to_python(value))

        return moment
    return lambda value: _normalise(field, value)


_NATIVE = {int, str, bool, type(None)}
_FAST: dict = {}


def _normalisers(model) -> list:
    found = _FAST.get(model)
    if found is None:
        ignored = settings.KECHUANG_AUDIT_IGNORED_FIELDS
        found = _FAST[model] = [
            (field, field.attname, _fast(field))
            for field in model._meta.concrete_fields
            if field.name not in ignored
        ]
    return found


def snapshot_values(model, values: dict) -> dict:
    """The snapshot of a row given as attname → value (bulk paths that write without instances); the
    same dict `snapshot()` gives for the saved instance, for the fields present."""
    return {name: normalise(values[name]) for _, name, normalise in _normalisers(model) if name in values}


def snapshot(instance: models.Model) -> dict:
    """Concrete field values by attribute name (`department_id`, not `department`)."""
    return {
        name: normalise(field.value_from_object(instance))
        for field, name, normalise in _normalisers(instance._meta.concrete_model)
    }


def _sealed_redacted(value):
    """A JSON value with the personal values sealed inside it (core.personal.seal) replaced by ******."""
    if isinstance(value, dict):
        return {k: _sealed_redacted(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_sealed_redacted(v) for v in value]
    return REDACTED if is_token(value) else value


def redact(data: dict | None, model=None) -> dict | None:
    """A snapshot as the log stores it: secrets as ******, personal fields of `model` masked (the log is
    no plain-text copy of them), personal values sealed in its JSON fields as ******."""
    if data is None:
        return None
    redacted = settings.KECHUANG_AUDIT_REDACTED_FIELDS
    personal = {f.attname: f.kind for f in personal_fields(model).values()} if model is not None else {}
    sealed = set(getattr(model, "personal_json", ()))
    result = {}
    for key, value in data.items():
        if key in redacted and value:
            value = REDACTED
        elif key in personal:
            value = mask(personal[key], value)
        elif key in sealed:
            value = _sealed_redacted(value)
        result[key] = value
    return result


def diff(before: dict, after: dict) -> list[str]:
    return sorted(k for k in after.keys() | before.keys() if before.get(k) != after.get(k))


def scope_path_of(instance: models.Model) -> str:
    """Tree path of the department a record belongs to, or '' when it belongs to none."""
    finder = getattr(instance, "scope_department", None)
    if callable(finder):
        department = finder()
    else:  # the model's scope rule names the way to its department
        rule = getattr(type(instance), "scope_rule", None)
        department = rule.department_of(instance) if rule is not None else None
    return getattr(department, "path", "") or ""
