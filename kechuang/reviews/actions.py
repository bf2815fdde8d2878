"""Every change to the expert pool."""

from django.db import transaction

from kechuang.core.context import audit_context
from kechuang.org.actions import ActionRefused
from kechuang.org.models import Department
from kechuang.org.roles import Capability
from kechuang.org.scope import visible_to

from .models import DeclaredConflict, Expert


def _may_change(user, expert: Expert) -> bool:
    return visible_to(user, Expert.objects.filter(pk=expert.pk), Capability.CHANGE_EXPERTS).exists()


def save_expert(
    acting_user, expert: Expert | None, *, reason: str = "", disciplines=None, **fields
) -> Expert:
    """Add (expert None) or update an expert of the pool; the user needs `experts.change` over the
    managing unit — the one it has now and the one it is given. `disciplines`: the fields (Discipline
    rows), at least one."""
    if expert is None:
        expert = Expert(**fields)
    else:
        if not _may_change(acting_user, expert):
            raise ActionRefused("您没有修改该专家信息的权限。")
        for name, value in fields.items():
            setattr(expert, name, value)
    department = expert.department if expert.department_id else None
    if (
        department is not None
        and not visible_to(
            acting_user, Department.objects.filter(pk=department.pk), Capability.CHANGE_EXPERTS
        ).exists()
    ):
        raise ActionRefused(f"您没有在“{department.name}”管理专家的权限。")
    chosen = list(disciplines) if disciplines is not None else None
    if chosen is not None and not chosen:
        from django.core.exceptions import ValidationError

        raise ValidationError({"disciplines": "至少选择一个评审领域。"})
    expert.full_clean()  # names a missing organisation, a paused expert without a reason, a wrong account
    with audit_context(actor=acting_user, reason=reason), transaction.atomic():
        expert.save()
        if chosen is not None and set(expert.disciplines.all()) != set(chosen):
            expert.disciplines.set(chosen)
    return expert


def declare_conflict(acting_user, expert: Expert, *, organisation: str, reason: str) -> DeclaredConflict:
    """The expert (or the bureau for them) declares an organisation they must not review."""
    own = expert.user_id is not None and expert.user_id == acting_user.pk
    if not own and not _may_change(acting_user, expert):
        raise ActionRefused("您没有为该专家申报回避的权限。")
    conflict = DeclaredConflict(expert=expert, organisation=organisation.strip(), reason=reason.strip())
    conflict.full_clean()
    with audit_context(actor=acting_user, reason=reason), transaction.atomic():
        conflict.save()
    return conflict
