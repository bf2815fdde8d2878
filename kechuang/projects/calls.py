"""申报指南: who may read a call, the conditions of its transitions, and every change to calls."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from kechuang.core.context import audit_context
from kechuang.org.actions import ActionRefused
from kechuang.org.models import Department
from kechuang.org.roles import Capability
from kechuang.org.scope import has_capability, may_act_on, visible_to

from .models import Call, CallStatus

UNIT_KINDS = (Department.Kind.TOWN, Department.Kind.DEPARTMENT)


def units(user, capability=None):
    """Towns and departments a project can sit under, as far as `user` reaches."""
    return visible_to(user, Department.objects.filter(kind__in=UNIT_KINDS), capability).order_by("path")


def readable(user, queryset=None):
    """The calls `user` may read: every published one (enterprises apply to them), and the drafts of the
    units where the user keeps calls."""
    queryset = Call.objects.all() if queryset is None else queryset
    if not has_capability(user, Capability.VIEW_PROJECTS):
        return queryset.none()
    published = ~Q(status=CallStatus.DRAFT)
    if has_capability(user, Capability.CHANGE_PROJECTS):
        kept = visible_to(user, Call.objects.all(), Capability.CHANGE_PROJECTS).values("pk")
        return queryset.filter(published | Q(pk__in=kept))
    return queryset.filter(published)


def may_keep(user, call: Call) -> bool:
    return may_act_on(user, call, Capability.CHANGE_PROJECTS)


def may_publish(call: Call, user) -> str | None:
    missing = []
    if not call.topic_list:
        missing.append("支持方向")
    if not call.budget:
        missing.append("资金预算")
    if missing:
        return f"发布前请填写：{'、'.join(missing)}。"
    if call.closes_on < timezone.localdate():
        return f"申报截止日期（{call.closes_on:%Y-%m-%d}）已过，请先修改截止日期。"
    return None


def may_reopen(call: Call, user) -> str | None:
    if call.closes_on < timezone.localdate():
        return f"申报截止日期（{call.closes_on:%Y-%m-%d}）已过：重新开放前请先延长截止日期。"
    return None


def is_open(call: Call, day=None) -> bool:
    day = day or timezone.localdate()
    return call.status == CallStatus.OPEN and call.opens_on <= day <= call.closes_on


# what a published call keeps: applicants have read it (its page, the import and save_call say so alike)
FIXED_WHEN_PUBLISHED = ("year", "number", "category", "department", "enterprise_only", "one_per_applicant")


def fixed_refusal(call: Call, fields: dict) -> str | None:
    """Why `fields` may not be written to `call` as it stands (a published call's fixed rules), or None."""
    if call.status == CallStatus.DRAFT:
        return None
    changed = sorted(
        str(Call._meta.get_field(name).verbose_name)
        for name in set(FIXED_WHEN_PUBLISHED) & set(fields)
        if getattr(call, name) != fields[name]
    )
    return f"申报指南已发布，不能再修改：{'、'.join(changed)}。" if changed else None


def save_call(
    acting_user, call: Call | None, *, reason: str = "", qualifications=None, tasks=None, **fields
) -> Call:
    """Create (call None) or update a call; the user keeps calls (`projects.change`) over its unit — the
    one it is under now and the one it is moved to. Published calls keep their rules: only the dates,
    budget, note and the plan's tasks it carries out (`tasks`; None: unchanged) change after publication
    (applicants have read the rest)."""
    if call is None:
        call = Call(**fields)
    else:
        if not may_keep(acting_user, call):
            raise ActionRefused("您没有修改该申报指南的权限。")
        if "status" in fields and fields["status"] != call.status:
            raise ActionRefused("申报指南的状态只能通过办理操作（发布、截止等）变更。")
        refusal = fixed_refusal(call, fields)
        if refusal:
            raise ActionRefused(refusal)
        for name, value in fields.items():
            setattr(call, name, value)
    department = call.department if call.department_id else None
    if department is not None and not may_act_on(acting_user, department, Capability.CHANGE_PROJECTS):
        raise ActionRefused(f"您没有以“{department.name}”名义发布申报指南的权限。")
    call.full_clean()
    with audit_context(actor=acting_user, reason=reason), transaction.atomic():
        call.save()
        if qualifications is not None:
            call.qualifications.set(qualifications)
        if tasks is not None:
            call.tasks.set(tasks)
    return call
