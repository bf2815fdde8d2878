"""The experts' part of 我的待办: the items of open rounds still waiting for their declaration or their
submitted score sheet, soonest deadline first (registered with the workflow's todo sources)."""

from django.urls import reverse

from kechuang.org.roles import Capability
from kechuang.org.scope import has_capability, visible_to
from kechuang.workflow.engine import TodoItem, todo_source

from .models import Assignment, Declaration, RoundStatus


class _Waiting:
    """One assignment as its line in the list: the item and its deadline, linking to the score sheet."""

    def __init__(self, assignment):
        self.assignment = assignment

    def __str__(self) -> str:
        deadline = self.assignment.item.round.deadline
        return f"{self.assignment.item.title}（截止 {deadline:%Y-%m-%d}）"

    def get_absolute_url(self) -> str:
        return self.assignment.get_absolute_url()


@todo_source
def score_sheets(user, limit: int) -> list[TodoItem]:
    if not has_capability(user, Capability.SCORE_REVIEWS):
        return []
    waiting = (
        visible_to(user, Assignment.objects.all(), Capability.SCORE_REVIEWS)
        .filter(item__round__status=RoundStatus.OPEN)
        .exclude(declaration=Declaration.RECUSED)
        .exclude(sheet__submitted_at__isnull=False)
        .select_related("item__round")
        .order_by("item__round__deadline", "pk")
    )
    count = waiting.count()
    if not count:
        return []
    return [
        TodoItem(
            "待提交的评审",
            count,
            [_Waiting(a) for a in waiting[:limit]],
            reverse("reviews:mine"),
        )
    ]
