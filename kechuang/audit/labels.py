"""A change entry as a person reads it: each snapshot key by its field's Chinese name, each value by what it
means — the referenced record's name for a foreign key, the label of a choice, 是/否, — for empty.

Snapshot keys are attribute names (`lead_department_id`) for concrete fields and field names
(`co_departments`) for many-to-many ones; the referenced records of one entry are fetched with one query
per referenced model, whatever the number of fields.
"""

from collections import defaultdict

from django.db import models

from kechuang.core.personal import PersonalField, mask

EMPTY = "—"


def field_of(model: type[models.Model] | None, key: str) -> models.Field | None:
    """The field a snapshot key stands for, or None (a field since removed, or a model gone)."""
    if model is None:
        return None
    for field in model._meta.concrete_fields:
        if field.attname == key or field.name == key:
            return field
    for field in model._meta.many_to_many:
        if field.name == key:
            return field
    return None


def field_label(model: type[models.Model] | None, key: str) -> str:
    """`lead_department_id` → 牵头单位; the key itself when the model no longer has the field."""
    field = field_of(model, key)
    if field is None:  # a state recorded on the record that is not a field of it (`audit_labels`)
        return str(getattr(model, "audit_labels", {}).get(key, key))
    return str(field.verbose_name)


def _references(field: models.Field | None):
    """(model, attribute) of the records a relation field's stored values refer to, or None."""
    if field is None or not field.is_relation or field.remote_field is None:
        return None
    if field.many_to_many:
        return field.related_model, field.related_model._meta.pk.attname
    return field.related_model, field.target_field.attname


def _names(fields: dict[str, models.Field | None], snapshots: list[dict]) -> dict:
    """(referenced model, stored value) → the record's name, for every reference in the snapshots."""
    wanted: dict[tuple, set] = defaultdict(set)
    for key, field in fields.items():
        reference = _references(field)
        if reference is None:
            continue
        for snapshot in snapshots:
            value = snapshot.get(key)
            for item in value if isinstance(value, list) else [value]:
                if item is not None and item != "":
                    wanted[reference].add(item)
    names = {}
    for (model, attribute), values in wanted.items():
        for record in model._base_manager.filter(**{f"{attribute}__in": values}):
            names[(model, getattr(record, attribute))] = str(record)
    return names


def _readable(field: models.Field | None, value, names: dict) -> str:
    if value is None or value == "" or value == []:
        return EMPTY
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(field, PersonalField):  # stored masked; shown masked whatever an entry holds
        return mask(field.kind, str(value))
    reference = _references(field)
    if reference is not None:
        model = reference[0]
        items = value if isinstance(value, list) else [value]
        return "、".join(names.get((model, item), f"#{item}（已删除）") for item in items)
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    choices = dict(getattr(field, "flatchoices", None) or [])
    return str(choices.get(value, value))


def change_rows(entry) -> list[dict]:
    """One row per snapshot key of a change entry: its label, the values before and after, whether it
    changed — ordered as the model declares its fields."""
    model = entry.content_type.model_class()
    before, after = entry.before or {}, entry.after or {}
    keys = set(before) | set(after)
    fields = {key: field_of(model, key) for key in keys}
    order = (
        {f.attname: i for i, f in enumerate(model._meta.get_fields()) if hasattr(f, "attname")}
        if model
        else {}
    )
    names = _names(fields, [before, after])
    return [
        {
            "label": field_label(model, key),
            "before": _readable(fields[key], before.get(key), names),
            "after": _readable(fields[key], after.get(key), names),
            "changed": key in entry.changed_fields,
        }
        for key in sorted(keys, key=lambda k: (order.get(k, len(order)), k))
    ]
