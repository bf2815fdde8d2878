"""Every change to users, grants, departments and API tokens goes through these functions.

Each takes the acting user, checks their right to do it, runs in one transaction and leaves the
audit trail to the model signals (with the acting user as actor).
"""

from datetime import timedelta

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from kechuang.core.context import audit_context

from . import tokens
from .models import ApiToken, Department, Membership, RoleGrant, User
from .roles import Capability
from .scope import grant_refusal, has_capability, manage_refusal, may_act_on, visible_to


class ActionRefused(PermissionDenied):
    """The acting user may not do this; the message says why, in Chinese."""


def _require(acting_user: User, capability: str, message: str) -> None:
    if not has_capability(acting_user, capability):
        raise ActionRefused(message)


def _check_departments(acting_user: User, departments) -> None:
    allowed = set(
        visible_to(acting_user, Department.objects.all(), Capability.MANAGE_USERS).values_list(
            "pk", flat=True
        )
    )
    outside = [d.name for d in departments if d.pk not in allowed]
    if outside:
        raise ActionRefused(f"单位“{'、'.join(outside)}”不在您的管理范围内。")


def create_user(
    acting_user: User,
    *,
    username: str,
    display_name: str,
    password: str | None,
    departments,
    phone: str = "",
    reason: str = "",
) -> User:
    """A new account; without a password (None: an account made from a workbook) it cannot sign in
    until an administrator sets one."""
    _require(acting_user, Capability.MANAGE_USERS, "您没有管理用户的权限。")
    departments = list(departments)
    if not departments:
        raise ValidationError({"departments": "请至少选择一个所属单位。"})
    _check_departments(acting_user, departments)
    user = User(username=username, display_name=display_name, phone=phone)
    if password is not None:
        validate_password(password, user)
    with audit_context(actor=acting_user, reason=reason), transaction.atomic():
        user.set_password(password)  # None: an unusable password
        user.full_clean(exclude=["password"])
        user.save()
        for index, department in enumerate(departments):
            Membership.objects.create(user=user, department=department, is_primary=index == 0)
    return user


def update_user(
    acting_user: User,
    user: User,
    *,
    display_name: str,
    phone: str,
    is_active: bool,
    departments,
    reason: str = "",
) -> User:
    _require(acting_user, Capability.MANAGE_USERS, "您没有管理用户的权限。")
    refusal = manage_refusal(acting_user, user)
    if refusal:
        raise ActionRefused(refusal)
    if user.pk == acting_user.pk and not is_active:
        raise ActionRefused("不能停用自己的账号。")
    departments = list(departments)
    if not departments:
        raise ValidationError({"departments": "请至少选择一个所属单位。"})
    current = {m.department_id: m for m in user.memberships.all()}
    added = [d for d in departments if d.pk not in current]
    removed = [m for pk, m in current.items() if pk not in {d.pk for d in departments}]
    _check_departments(acting_user, added + [m.department for m in removed])
    with audit_context(actor=acting_user, reason=reason), transaction.atomic():
        user.display_name, user.phone, user.is_active = display_name, phone, is_active
        user.full_clean(exclude=["password"])
        user.save()
        for membership in removed:
            membership.delete()
        for department in added:
            Membership.objects.create(user=user, department=department)
        primary = departments[0].pk
        for membership in user.memberships.all():
            if membership.is_primary != (membership.department_id == primary):
                membership.is_primary = membership.department_id == primary
                membership.save()
    return user


def set_password(acting_user: User, user: User, password: str, reason: str = "") -> User:
    if acting_user.pk != user.pk:
        _require(acting_user, Capability.MANAGE_USERS, "您没有管理用户的权限。")
        refusal = manage_refusal(acting_user, user)
        if refusal:
            raise ActionRefused(refusal)
    validate_password(password, user)
    with audit_context(actor=acting_user, reason=reason), transaction.atomic():
        user.set_password(password)
        user.save()
    return user


def grant_role(
    acting_user: User, user: User, *, role: str, scope: str, department: Department | None, reason: str = ""
) -> RoleGrant:
    refusal = grant_refusal(acting_user, role, scope, department) or manage_refusal(acting_user, user)
    if refusal:
        raise ActionRefused(refusal)
    if RoleGrant.objects.filter(user=user, role=role, scope=scope, department=department).exists():
        raise ValidationError("该用户已拥有相同的角色授权。")
    with audit_context(actor=acting_user, reason=reason), transaction.atomic():
        grant = RoleGrant(user=user, role=role, scope=scope, department=department, granted_by=acting_user)
        grant.full_clean()
        grant.save()
    return grant


def revoke_role(acting_user: User, grant: RoleGrant, reason: str = "") -> None:
    refusal = grant_refusal(acting_user, grant.role, grant.scope, grant.department) or manage_refusal(
        acting_user, grant.user
    )
    if refusal:
        raise ActionRefused(refusal)
    if grant.user_id == acting_user.pk:
        raise ActionRefused("不能撤销自己的角色授权。")
    with audit_context(actor=acting_user, reason=reason), transaction.atomic():
        grant.delete()


def create_department(
    acting_user: User,
    *,
    parent: Department,
    name: str,
    kind: str,
    short_name: str = "",
    code: str = "",
    reason: str = "",
) -> Department:
    _require(acting_user, Capability.MANAGE_DEPARTMENTS, "您没有管理单位的权限。")
    if not may_act_on(acting_user, parent, Capability.MANAGE_DEPARTMENTS):
        raise ActionRefused("上级单位不在您的管理范围内。")
    if Department.children_of(parent).filter(name=name).exists():
        raise ValidationError({"name": f"“{parent.name}”下已有名为“{name}”的单位。"})
    node = Department(name=name, kind=kind, short_name=short_name, code=code)
    node.full_clean(exclude=["path", "depth", "numchild"])
    with audit_context(actor=acting_user, reason=reason), transaction.atomic():
        return Department.objects.add_child(Department.objects.get(pk=parent.pk), instance=node)


def update_department(
    acting_user: User,
    department: Department,
    *,
    name: str,
    kind: str,
    short_name: str,
    code: str,
    is_active: bool,
    reason: str = "",
) -> Department:
    _require(acting_user, Capability.MANAGE_DEPARTMENTS, "您没有管理单位的权限。")
    if not may_act_on(acting_user, department, Capability.MANAGE_DEPARTMENTS):
        raise ActionRefused("该单位不在您的管理范围内。")
    siblings = Department.children_of(Department.objects.get_parent(department))
    if siblings.filter(name=name).exclude(pk=department.pk).exists():
        raise ValidationError({"name": f"同级已有名为“{name}”的单位。"})
    department.name, department.kind, department.short_name = name, kind, short_name
    department.code, department.is_active = code, is_active
    department.full_clean(exclude=["path", "depth", "numchild"])
    with audit_context(actor=acting_user, reason=reason), transaction.atomic():
        department.save()
    return department


def save_department(acting_user: User, department: Department | None, *, reason: str = "", **fields):
    """Create (`department` None, under `parent`) or update a department."""
    if department is None:
        return create_department(acting_user, reason=reason, **fields)
    return update_department(acting_user, department, reason=reason, **fields)


def create_token(acting_user: User, *, name: str, days: int = tokens.DEFAULT_DAYS) -> tuple[ApiToken, str]:
    """A new API token of the acting user. Returns the token and its secret — the only time the secret
    exists outside the caller's hands; only its digest is stored."""
    if not acting_user.is_active:
        raise ActionRefused("账号已停用，不能创建令牌。")
    name = name.strip()
    if not name:
        raise ValidationError({"name": "请填写令牌的名称或用途。"})
    if not 1 <= days <= tokens.MAX_DAYS:
        raise ValidationError({"days": f"有效期应在 1 至 {tokens.MAX_DAYS} 天之间。"})
    secret = tokens.new_secret()
    token = ApiToken(
        user=acting_user,
        name=name,
        prefix=secret[: tokens.PREFIX_LENGTH],
        secret_hash=tokens.digest(secret),
        expires_at=timezone.now() + timedelta(days=days),
    )
    with audit_context(actor=acting_user), transaction.atomic():
        token.full_clean()
        token.save()
    return token, secret


def revoke_token(acting_user: User, token: ApiToken, reason: str = "") -> ApiToken:
    """Revoke a token: its owner may always; an administrator may for users they manage."""
    if token.user_id != acting_user.pk:
        _require(acting_user, Capability.MANAGE_USERS, "您没有管理用户的权限。")
        if not visible_to(
            acting_user, User.objects.filter(pk=token.user_id), Capability.MANAGE_USERS
        ).exists():
            raise ActionRefused("该令牌的用户不在您的管理范围内。")
        refusal = manage_refusal(acting_user, token.user)
        if refusal:
            raise ActionRefused(refusal)
    with audit_context(actor=acting_user, reason=reason), transaction.atomic():
        current = ApiToken.objects.select_for_update().get(pk=token.pk)
        if current.revoked_at is not None:
            raise ActionRefused("该令牌已被吊销。")
        current.revoked_at, current.revoked_by = timezone.now(), acting_user
        current.save()
    return current
