"""A model's place on the department tree — declared on every model a user can reach, read by
`scope.visible_to`. Kept apart from scope.py so that models can declare it without importing the
functions that query them."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q


@dataclass(frozen=True)
class ScopeRule:
    """How a model's records are placed on the department tree.

    department: lookup from the model to its owning Department ("" when the model is a Department).
    path: lookup to a stored materialised-path string (used by append-only logs that keep a copy).
    owner: lookup to the owning User ("" when the model is the User) — what "self" scope sees; a tuple of
        lookups when a record has several owners (a voucher: its enterprise's users and, once redeemed, the
        service institution's). An owner through a many-to-many (an enterprise's users) is matched by a
        subquery of the user's own records, so it never multiplies rows nor makes the whole filter a
        subquery (which SQLite plans badly on large tables); a plain foreign key is matched directly.
    many: the department lookup crosses a many-to-many relation (needs de-duplication).
    public_in_region: published records (a plan) that everyone working in or above the region sees.
    public: reference data (dictionaries, rule sets) that every signed-in user with a role sees.
    """

    department: str | None = None
    path: str | None = None
    owner: str | tuple[str, ...] | None = None
    many: bool = False
    public_in_region: bool = False
    public: bool = False

    def department_of(self, obj):
        """The Department `obj` sits under, following the `department` lookup attribute by attribute
        (what the audit log records as the entry's scope); None without a single such department."""
        if self.department is None or self.many:
            return None
        node = obj
        for part in filter(None, self.department.split("__")):
            node = getattr(node, part, None)
            if node is None:
                return None
        return node

    def _lookup(self, suffix: str) -> str:
        if self.department is None:
            raise ImproperlyConfigured("scope rule has no department lookup")
        return f"{self.department}__{suffix}" if self.department else suffix

    def subtree_q(self, anchor) -> Q:
        if self.path is not None:
            return Q(**{f"{self.path}__startswith": anchor.path})
        return Q(**{self._lookup("path__startswith"): anchor.path})

    def department_q(self, anchor) -> Q:
        if self.path is not None:
            return Q(**{self.path: anchor.path})
        return Q(**{self._lookup("pk"): anchor.pk})

    def region_q(self, paths: set[str]) -> Q:
        if self.path is not None:
            return Q(**{f"{self.path}__in": sorted(paths)})
        return Q(**{self._lookup("path__in"): sorted(paths)})

    @property
    def owners(self) -> tuple[str, ...]:
        """The owner lookups (none, one, or several)."""
        if self.owner is None:
            return ()
        return self.owner if isinstance(self.owner, tuple) else (self.owner,)

    def owner_q(self, user, lookup: str | None = None) -> Q | None:
        """The records `user` owns (through `lookup` only, when given)."""
        clauses = [Q(pk=user.pk) if name == "" else Q(**{name: user}) for name in self.owners]
        if lookup is not None:
            clauses = [Q(pk=user.pk) if lookup == "" else Q(**{lookup: user})]
        if not clauses:
            return None
        combined = clauses[0]
        for clause in clauses[1:]:
            combined |= clause
        return combined
