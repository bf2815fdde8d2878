"""Metrics the plan itself provides: how its own deliverables stand."""

from django.db.models import Q

from kechuang.metrics.registry import MetricResult, in_scope, metric

from .choices import TaskStatus
from .models import Task


def _tasks(scope, plan):
    tasks = Task.objects.filter(in_scope(scope, "lead_department"))
    if plan is not None:
        tasks = tasks.filter(programme__plan_id=plan)
    return tasks


@metric(
    "plans.tasks_completed",
    label="完成的任务数",
    unit="项",
    kind="increment",
    model="plans.Task",
    description="期间内完成（状态为已完成、完成日期在期间内）的任务，按牵头单位归属。",
    params=("plan",),
)
def tasks_completed(scope, period, plan=None) -> MetricResult:
    ids = (
        _tasks(scope, plan)
        .filter(status=TaskStatus.DONE, completed_on__gte=period.start, completed_on__lte=period.end)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return MetricResult.from_ids(ids)


@metric(
    "plans.tasks_overdue",
    label="逾期未完成的任务数",
    unit="项",
    kind="stock",
    model="plans.Task",
    description="期末已过完成时限、到期末仍未完成（未取消）的任务，按牵头单位归属。",
    params=("plan",),
)
def tasks_overdue(scope, period, plan=None) -> MetricResult:
    ids = (
        _tasks(scope, plan)
        .filter(deadline__lt=period.end)
        .exclude(status=TaskStatus.CANCELLED)
        .exclude(Q(status=TaskStatus.DONE) & Q(completed_on__lte=period.end))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return MetricResult.from_ids(ids)
