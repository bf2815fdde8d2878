"""The audit entries of generated rows (the province dataset): one `create` entry per row written by the
bulk writer, with the row's snapshot."""

from kechuang.audit.recording import record_bulk_rows
from kechuang.audit.snapshots import snapshot_values


def audit_created(model, ids, rows, places, label, extra=None) -> None:
    """Entries for `rows` of `model` just inserted with `ids`: `places` are their scope paths, `label(row)`
    their text; `extra` (one dict per row, or None) goes beside the row's columns (an m2m's ids)."""
    afters = []
    items = []
    for n, (pk, row, place) in enumerate(zip(ids, rows, places, strict=True)):
        row = {**row, "id": pk}
        after = snapshot_values(model, row)
        if extra is not None:
            after = {**after, **extra[n]}
        afters.append(after)
        items.append((pk, label(row), place))
    record_bulk_rows(model, items, "create", None, afters)
