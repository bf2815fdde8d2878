"""The one data-scope path: `visible_to(user, queryset)`.

Every model a user can reach declares a `scope_rule` saying how its records hang on the department
tree (and, for "self" scope, who owns them). Views, the API, exports and metrics all filter through
`visible_to`; nothing else decides who sees what.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q, QuerySet
from django.http import Http404

from .roles import CAPABILITIES, GRANTABLE_ROLES, SCOPE_WIDTH, Capability, Role, Scope
from .scoperule import ScopeRule

if TYPE_CHECKING:
    from .models import Department, RoleGrant, User


class _Everything:
    """Marker: a grant that sees every record."""


EVERYTHING = _Everything()


def user_grants(user: User) -> list[RoleGrant]:
    """The user's grants, loaded once per user object (one query)."""
    cached = getattr(user, "_kechuang_grants", None)
    if cached is None:
        cached = list(user.grants.select_related("department"))
        user._kechuang_grants = cached
    return cached


def user_capabilities(user: User) -> set[str]:
    if not user.is_authenticated or not user.is_active:
        return set()
    if user.is_superuser:  # the installer's first account: a system administrator, no more (三员分立)
        return set(CAPABILITIES[Role.SYSTEM_ADMIN])
    return {c for g in user_grants(user) for c in CAPABILITIES.get(g.role, ())}


def holders(capability: str):
    """The active users whose roles carry `capability` (whatever their scope)."""
    from .models import User

    roles = [role for role, caps in CAPABILITIES.items() if capability in caps]
    return User.objects.filter(is_active=True, grants__role__in=roles).distinct()


def has_capability(user: User, capability: str) -> bool:
    return capability in user_capabilities(user)


def _region_paths(user: User, grants: list[RoleGrant]) -> set[str]:
    paths: set[str] = set()
    for grant in grants:
        if grant.department_id:
            paths.update(grant.department.ancestor_paths())
    member_paths = getattr(user, "_kechuang_member_paths", None)
    if member_paths is None:  # loaded once per user object, like the grants
        member_paths = set()
        for membership in user.memberships.select_related("department"):
            member_paths.update(membership.department.ancestor_paths())
        user._kechuang_member_paths = member_paths
    return paths | member_paths


def _crosses_many(model, lookup: str) -> bool:
    """Whether a lookup path goes through a many-to-many or reverse foreign key (many rows per record)."""
    for name in lookup.split("__") if lookup else []:
        field = model._meta.get_field(name)
        if field.many_to_many or field.one_to_many:
            return True
        model = field.related_model
    return False


def home_paths(user: User) -> set[str]:
    """Paths of the departments the user works in or is granted, and of everything above them."""
    return _region_paths(user, user_grants(user))


def _grant_q(rule: ScopeRule, grant: RoleGrant, user: User) -> Q | _Everything | None:
    if grant.scope == Scope.ALL:
        return EVERYTHING
    if rule.department is None and rule.path is None:
        return None  # records owned by a person only: just the owner clause
    if grant.scope == Scope.SUBTREE:
        return rule.subtree_q(grant.department)
    if grant.scope == Scope.DEPARTMENT:
        return rule.department_q(grant.department)
    return None  # SELF: only the owner clause below


def visible_to(user: User, queryset: QuerySet, capability: str | None = None) -> QuerySet:
    """Narrow `queryset` to what `user` may see (or, with `capability`, may act on).

    The result is the union over the user's grants (only those carrying `capability` when given);
    a user always sees records they own. Anonymous and inactive users see nothing.
    """
    model = queryset.model
    rule: ScopeRule | None = getattr(model, "scope_rule", None)
    if rule is None:
        raise ImproperlyConfigured(f"{model.__name__} 未声明 scope_rule，不能按数据范围查询")
    if user is None or not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.is_superuser:
        return queryset
    grants = user_grants(user)
    if capability is not None:
        grants = [g for g in grants if capability in CAPABILITIES.get(g.role, ())]
    if not grants:
        return queryset.none()
    if rule.public:
        return queryset

    clauses: list[Q] = []
    for grant in grants:
        clause = _grant_q(rule, grant, user)
        if clause is EVERYTHING:
            return queryset
        if clause is not None:
            clauses.append(clause)
    for lookup in rule.owners:
        owner = rule.owner_q(user, lookup)
        if _crosses_many(model, lookup):  # e.g. enterprise__users: the user's few records, as a subquery
            owner = Q(pk__in=model._base_manager.filter(owner).values("pk"))
        clauses.append(owner)
    if rule.public_in_region and (capability is None or capability == Capability.VIEW_PLAN):
        clauses.append(rule.region_q(_region_paths(user, grants)))
    if not clauses:
        return queryset.none()
    combined = clauses[0]
    for clause in clauses[1:]:
        combined |= clause
    if rule.many:
        return queryset.filter(pk__in=model._base_manager.filter(combined).values("pk"))
    return queryset.filter(combined)


def may_act_on(user: User, record, capability: str) -> bool:
    """Whether `user` holds `capability` over `record` itself — a department: to file, publish or organise
    in its name; any other record: to change it."""
    return visible_to(user, type(record)._default_manager.filter(pk=record.pk), capability).exists()


def get_visible_or_404(user: User, queryset: QuerySet, capability: str | None = None, **lookup):
    """Fetch one record through `visible_to`; out-of-scope and missing look the same (404)."""
    try:
        return visible_to(user, queryset, capability).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("记录不存在或不在您的数据范围内") from exc


# --- Granting -------------------------------------------------------------------------------------


def grant_covers(grant: RoleGrant, scope: str, anchor: Department | None) -> bool:
    """Does `grant` reach at least as far as (scope, anchor)?"""
    if grant.scope == Scope.ALL:
        return True
    if scope == Scope.ALL or anchor is None or grant.scope == Scope.SELF:
        return False
    if grant.scope == Scope.SUBTREE:
        return anchor.path.startswith(grant.department.path)
    # DEPARTMENT scope covers that one department, for department- or self-wide grants only.
    return anchor.pk == grant.department_id and SCOPE_WIDTH[scope] <= SCOPE_WIDTH[Scope.DEPARTMENT]


def grant_refusal(grantor: User, role: str, scope: str, anchor: Department | None) -> str | None:
    """Why `grantor` may not hand out (role, scope, anchor), or None when they may."""
    if scope != Scope.ALL and anchor is None:
        return "除“全部数据”外，数据范围必须指定单位。"
    if grantor.is_superuser:
        return None
    managing = [g for g in user_grants(grantor) if Capability.MANAGE_USERS in CAPABILITIES.get(g.role, ())]
    if not managing:
        return "您没有管理用户的权限。"
    if not any(role in GRANTABLE_ROLES.get(g.role, ()) for g in managing):
        return "您不能授予该角色：超出您本人的角色权限。"
    if not any(role in GRANTABLE_ROLES.get(g.role, ()) and grant_covers(g, scope, anchor) for g in managing):
        return "您不能授予该数据范围：超出您本人的数据范围。"
    return None


def manage_refusal(manager: User, target: User) -> str | None:
    """Why `manager` may not edit `target` (someone holding wider rights than the manager)."""
    if manager.is_superuser:
        return None
    if target.is_superuser:
        return "不能修改超级管理员。"
    for grant in user_grants(target):
        if grant_refusal(manager, grant.role, grant.scope, grant.department) is not None:
            return f"该用户拥有超出您权限的授权（{grant}），不能由您修改。"
    return None
