"""Who may see a record's personal data in full (the masks and the encryption: core/personal.py; showing
and recording: web/personal.py).

In full: the record's owner — a user their own account, an enterprise's linked accounts their enterprise —
and whoever holds `personal.view` over the record (the bureau's managers, within their grants' scope).
Everyone else sees masks."""

from __future__ import annotations

from .roles import Capability
from .scope import has_capability, visible_to


def _owned(user, model, queryset):
    rule = getattr(model, "scope_rule", None)
    owner = rule.owner_q(user) if rule is not None else None
    return None if owner is None else queryset.filter(owner)


def may_see_full(user, obj) -> bool:
    """May `user` see `obj`'s personal fields in full?"""
    if user is None or not user.is_authenticated or not user.is_active or obj.pk is None:
        return False
    model = type(obj)
    one = model._base_manager.filter(pk=obj.pk)
    owned = _owned(user, model, one)
    if owned is not None and owned.exists():
        return True
    if not has_capability(user, Capability.VIEW_PERSONAL_DATA):
        return False
    return visible_to(user, one, Capability.VIEW_PERSONAL_DATA).exists()


def revealable_ids(user, queryset) -> set:
    """The ids of the records of `queryset` whose personal fields `user` may see in full (an export)."""
    ids = set()
    owned = _owned(user, queryset.model, queryset)
    if owned is not None:
        ids.update(owned.values_list("pk", flat=True))
    if has_capability(user, Capability.VIEW_PERSONAL_DATA):
        ids.update(visible_to(user, queryset, Capability.VIEW_PERSONAL_DATA).values_list("pk", flat=True))
    return ids


def may_export_full(user) -> bool:
    return has_capability(user, Capability.VIEW_PERSONAL_DATA)
