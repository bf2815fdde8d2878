"""Changes to the plan made by people (the loader writes definitions; these record progress)."""

from django.core.exceptions import ValidationError
from django.db import transaction

from kechuang.core.context import audit_context
from kechuang.org.actions import ActionRefused
from kechuang.org.roles import Capability
from kechuang.org.scope import visible_to

from .models import Task


def update_task(
    acting_user,
    task: Task,
    *,
    status: str,
    completed_on,
    deadline,
    lead_department,
    co_departments,
    reason: str = "",
) -> Task:
    """Change a task's status, dates or responsible units (科技局管理员 within their scope)."""
    if not visible_to(acting_user, Task.objects.filter(pk=task.pk), Capability.CHANGE_PLAN).exists():
        raise ActionRefused("您没有修改该任务的权限。")
    if not reason.strip():
        raise ValidationError({"reason": "请填写修改原因，它会记入审计日志。"})
    co = [d for d in co_departments if d.pk != lead_department.pk]
    with audit_context(actor=acting_user, reason=reason), transaction.atomic():
        task.status, task.completed_on, task.deadline = status, completed_on, deadline
        task.lead_department = lead_department
        task.full_clean()
        task.save()
        if set(task.co_departments.values_list("pk", flat=True)) != {d.pk for d in co}:
            task.co_departments.set(co)
    return task
