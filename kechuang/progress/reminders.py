"""Reminders (督办): overdue tasks, late reports and targets gone red become notifications for the people
responsible — in the app, and by e-mail where the user has an address; a report returned by the bureau
is announced the same way, at once. Each reminder is raised once (a task once a month while overdue). Run daily: `kechuang reminders` (cron / systemd timer), which
hands the work to the database task queue or, with an in-process backend, does it itself."""

from datetime import date

from django.urls import reverse

from kechuang.org.models import RoleGrant, User
from kechuang.org.roles import Role, Scope
from kechuang.plans.choices import TaskStatus
from kechuang.plans.models import Task
from kechuang.workflow.models import Notification
from kechuang.workflow.notify import notify

from .models import Report


class _Recipients:
    """Who hears about what: the reporters reaching a department, and the bureau admins over the plan's
    region. Grants are loaded once per run."""

    def __init__(self, plan):
        grants = list(
            RoleGrant.objects.filter(
                role__in=[Role.REPORTER, Role.BUREAU_ADMIN], user__is_active=True
            ).select_related("user", "department")
        )
        self._reporter_grants = [g for g in grants if g.role == Role.REPORTER and g.department_id]
        self.bureau = [
            g.user
            for g in grants
            if g.role == Role.BUREAU_ADMIN
            and (
                g.scope == Scope.ALL or (g.department and plan.department.path.startswith(g.department.path))
            )
        ]

    def reporters(self, department) -> list[User]:
        if department is None:
            return []
        return [
            g.user
            for g in self._reporter_grants
            if g.department_id == department.pk
            or (g.scope == Scope.SUBTREE and department.path.startswith(g.department.path))
        ]


def notify_returned(report, event) -> int:
    """Tell the unit's reporters that the bureau returned their report, and why (`event`: the return
    transition on the report's thread)."""
    title = f"{report.round} 进展报告已被退回修改：{event.comment}"
    return notify(
        _Recipients(report.round.plan).reporters(report.department),
        Notification.Kind.REPORT_RETURNED,
        f"returned:{event.pk}",
        title,
        report.get_absolute_url(),
    )


def run_reminders(plan, as_of: date) -> dict:
    from .status import plan_progress

    counts = {"task_overdue": 0, "report_late": 0, "target_red": 0}
    recipients = _Recipients(plan)
    overdue = (
        Task.objects.filter(programme__plan=plan, deadline__lt=as_of)
        .exclude(status__in=[TaskStatus.DONE, TaskStatus.CANCELLED])
        .select_related("lead_department")
    )
    for task in overdue:
        title = (
            f"任务“{task.code} {task.title}”已超过完成时限（{task.deadline:%Y-%m-%d}），请尽快推进并报送进展"
        )
        counts["task_overdue"] += notify(
            recipients.reporters(task.lead_department) + recipients.bureau,
            "task_overdue",
            f"task:{task.pk}:{as_of:%Y-%m}",
            title,
            reverse("plans:task", args=[task.pk]),
        )
    late = Report.objects.filter(
        round__plan=plan, status__in=[Report.Status.DRAFT, Report.Status.RETURNED], round__due_on__lt=as_of
    ).select_related("round", "department")
    for report in late:
        lateness = report.lateness(as_of)
        word = "严重逾期" if lateness == "very_late" else "逾期"
        title = f"{report.round} 报告{word}未报送（截止 {report.round.due_on:%Y-%m-%d}）"
        counts["report_late"] += notify(
            recipients.reporters(report.department),
            "report_late",
            f"report:{report.pk}:{lateness}",
            title,
            report.get_absolute_url(),
        )
    for row in plan_progress(plan, as_of):
        if row.status != "red":
            continue
        target = row.target
        title = f"指标“{target.indicator.name}”{target.year}年目标进度滞后（{row.detail}）"
        people = recipients.bureau + recipients.reporters(target.indicator.lead_department)
        counts["target_red"] += notify(
            people, "target_red", f"red:{target.pk}", title, reverse("progress:cockpit")
        )
    return counts
