"""A sheet: one registry's tabular face — its columns, natural key, scope and how rows are stored.

Domain apps declare sheets in their `sheets.py`:

    @register
    class EnterpriseSheet(Sheet):
        key = "enterprises"; title = "企业名录"; columns = [...]; natural_key = ("credit_code",)
        registry = "enterprises"           # the registry whose filters its export takes (the list page's)
        def queryset(self, user): ...      # what the user may export
        def prepare(self, user): ...       # lookups for a whole file, loaded once
        def check_row(self, values, context): ...   # cross-column rules, scope; returns {column: message}
        def apply(self, rows, user, context): ...   # upsert; returns Counts

The engine gives every sheet its template, import (with error workbook), export and round trip.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from kechuang.core.personal import personal_fields
from kechuang.web.registry import get_registry

from .columns import Column

ID_HEADER = "_id"


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, other: Counts) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged


@dataclass
class Context:
    """Lookups a sheet loads once per file (e.g. towns by name, enterprises by credit code)."""

    user: object
    data: dict = field(default_factory=dict)


class Sheet:
    key: str = ""
    title: str = ""
    columns: list[Column] = []
    natural_key: tuple[str, ...] = ()
    view_capability: str = ""
    import_capability: str = ""
    instructions: list[str] = []
    batch_size = 1000
    # the registry (kechuang.web) whose filters an export takes: the list page, its Excel export and the
    # API list apply the very same FilterSet to the same query string (without one: unfiltered exports)
    registry: str | None = None

    # --- declared behaviour -------------------------------------------------------------------------
    def queryset(self, user):
        raise NotImplementedError

    def export_row(self, obj) -> dict:
        raise NotImplementedError

    def export_rows(self, objects):
        """Every object's row; a sheet whose rows share lookups (loaded once per export) overrides it."""
        for obj in objects:
            yield self.export_row(obj)

    def prepare(self, user) -> Context:
        return Context(user=user)

    def check_row(self, values: dict, context: Context) -> dict[str | None, str]:
        return {}

    def apply(self, rows: list[tuple[int, dict]], user, context: Context) -> Counts:
        raise NotImplementedError

    # --- derived ---------------------------------------------------------------------------------------
    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def header_of(self, key: str | None) -> str:
        if key is None:
            return "整行"
        try:
            return self.column(key).header
        except StopIteration:
            return key

    def key_of(self, values: dict) -> tuple:
        return tuple(values.get(k) for k in self.natural_key)

    def key_label(self) -> str:
        return "+".join(self.header_of(k) for k in self.natural_key)

    def personal_keys(self) -> dict[str, str]:
        """column key → kind of the columns that are personal fields of the registry's records (masked in
        exports and in the errors an import keeps)."""
        if not self.registry:
            return {}
        fields = personal_fields(get_registry(self.registry).model)
        return {c.key: fields[c.key].kind for c in self.columns if c.key in fields}


def model_errors(exc: ValidationError) -> dict[str | None, str]:
    """A model's ValidationError as {field: message} (the same rules as the web forms)."""
    if hasattr(exc, "error_dict"):
        return {
            key if key != "__all__" else None: "；".join(e.message % (e.params or {}) for e in errors)
            for key, errors in exc.error_dict.items()
        }
    return {None: "；".join(exc.messages)}


_sheets: dict[str, Sheet] = {}


def register(cls: type[Sheet]) -> type[Sheet]:
    _sheets[cls.key] = cls()
    return cls


def get_sheet(key: str) -> Sheet:
    return _sheets[key]


def all_sheets() -> list[Sheet]:
    return list(_sheets.values())
