"""The calls and projects carrying out a plan's tasks, for the plan's pages (`plans.work`): what the user
may read — calls as `calls.readable`, projects as the project registry's scope — one query for each, for
all the tasks at once."""

from __future__ import annotations

from django.utils import timezone

from kechuang.org.roles import Capability
from kechuang.org.scope import has_capability, visible_to
from kechuang.plans.work import WorkItem, register_work

from . import calls
from .models import Call, CallStatus, Project, Status

CALL_TONES = {
    CallStatus.DRAFT: "waiting",
    CallStatus.OPEN: "active",
    CallStatus.CLOSED: "active",
    CallStatus.FINISHED: "done",
}
PROJECT_TONES = {
    Status.APPLIED: "waiting",
    Status.ACCEPTED: "waiting",
    Status.RETURNED: "waiting",
    Status.REJECTED: "stopped",
    Status.APPROVED: "active",
    Status.ONGOING: "active",
    Status.COMPLETED: "done",
    Status.TERMINATED: "stopped",
}


def project_tone(project: Project, today) -> str:
    """A project's colour: an ongoing one past its planned end is late."""
    if project.status == Status.ONGOING and project.planned_end_on and project.planned_end_on < today:
        return "late"
    return PROJECT_TONES.get(project.status, "waiting")


def call_work(task_ids: list[int], user) -> dict[int, list[WorkItem]]:
    found: dict[int, list[WorkItem]] = {}
    if not has_capability(user, Capability.VIEW_PROJECTS):
        return found
    links = (
        Call.tasks.through.objects.filter(task_id__in=task_ids, call__in=calls.readable(user).values("pk"))
        .select_related("call")
        .order_by("-call__year", "call__number", "call__pk")
    )
    for link in links:
        call = link.call
        found.setdefault(link.task_id, []).append(
            WorkItem(
                kind="申报指南",
                short_kind="指南",
                title=f"{call.year}年 {call.title}",
                number=call.number,
                state=call.get_status_display(),
                url=call.get_absolute_url(),
                tone=CALL_TONES.get(call.status, "waiting"),
            )
        )
    return found


def project_work(task_ids: list[int], user) -> dict[int, list[WorkItem]]:
    """The projects carrying out the tasks, drafts of applications aside (nothing is carried out yet)."""
    found: dict[int, list[WorkItem]] = {}
    if not has_capability(user, Capability.VIEW_PROJECTS):
        return found
    visible = visible_to(user, Project.objects.exclude(status=Status.DRAFT)).values("pk")
    links = (
        Project.tasks.through.objects.filter(task_id__in=task_ids, project__in=visible)
        .select_related("project")
        .order_by("-project__year", "project__number", "project__pk")
    )
    today = timezone.localdate()
    for link in links:
        project = link.project
        found.setdefault(link.task_id, []).append(
            WorkItem(
                kind="科技项目",
                short_kind="项目",
                title=project.name,
                number=project.number,
                state=project.get_status_display(),
                url=project.get_absolute_url(),
                tone=project_tone(project, today),
            )
        )
    return found


def register() -> None:
    register_work(call_work)
    register_work(project_work)
