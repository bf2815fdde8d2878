"""This app's part of 我的待办 beyond its workflows' states (registered with the workflow's todo sources): the
bidders' open lists and the bureau's milestones waiting for their check."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from kechuang.org.roles import Capability
from kechuang.org.scope import has_capability, visible_to
from kechuang.projects.models import MilestoneStatus
from kechuang.projects.models import Status as ProjectStatus
from kechuang.workflow.engine import TodoItem, todo_source

from .models import Challenge, Status


@todo_source
def open_lists(user, limit):
    """A bidder's: the published lists still open that it has not answered (not its own needs)."""
    if not has_capability(user, Capability.BID_CHALLENGES):
        return []
    qs = (
        Challenge.objects.filter(status=Status.PUBLISHED, deadline__gte=timezone.localdate())
        .exclude(enterprise__users=user)
        .exclude(bids__owner=user)
        .order_by("deadline", "pk")
    )
    count = qs.count()
    if not count:
        return []
    url = f"{reverse('challenges:list')}?status={Status.PUBLISHED}"
    return [TodoItem("可揭榜的榜单", count, list(qs[:limit]), url)]


@todo_source
def milestones_due(user, limit):
    """The bureau's: signed lists with a milestone due within 30 days (or overdue) and not yet passed."""
    if not has_capability(user, Capability.MANAGE_CHALLENGES):
        return []
    waiting = Challenge.objects.filter(
        status=Status.SIGNED,
        project__status=ProjectStatus.ONGOING,
        project__task_book__milestones__status__in=(MilestoneStatus.PENDING, MilestoneStatus.ADJUST),
        project__task_book__milestones__due_on__lte=timezone.localdate() + timedelta(days=30),
    ).values("pk")
    qs = visible_to(user, Challenge.objects.filter(pk__in=waiting), Capability.MANAGE_CHALLENGES).order_by(
        "pk"
    )
    count = qs.count()
    return [TodoItem("待考核的揭榜里程碑", count, list(qs[:limit]))] if count else []
