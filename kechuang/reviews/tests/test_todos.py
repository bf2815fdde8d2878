"""An expert's 我的待办 lists the items of open rounds still waiting for their sheet, with deadlines."""

import pytest

from kechuang.reviews import actions
from kechuang.reviews.models import Assignment, Declaration, RoundStatus
from kechuang.workflow.engine import todos_for

pytestmark = pytest.mark.django_db


def waiting_entry(user):
    return next((t for t in todos_for(user) if t.label == "待提交的评审"), None)


def test_the_experts_waiting_sheets_are_in_my_todos_until_submitted(user, client_as):
    expert = user("expert")
    open_rows = Assignment.objects.filter(expert__user=expert, item__round__status=RoundStatus.OPEN).exclude(
        declaration=Declaration.RECUSED
    )
    waiting = [
        a for a in open_rows.select_related("sheet") if not getattr(a, "sheet", None) or not a.sheet.submitted
    ]
    assert waiting, "the demo expert has sheets to fill"
    entry = waiting_entry(expert)
    assert entry.count == len(waiting)
    first = entry.objects[0]
    assert first.get_absolute_url() == f"/reviews/assignments/{first.assignment.pk}/"
    assert "截止" in str(first)
    home = client_as("expert").get("/").content.decode()
    assert "待提交的评审" in home and first.get_absolute_url() in home

    row = first.assignment
    if row.declaration == Declaration.PENDING:
        actions.declare(expert, row, conflict=False)
    actions.save_sheet(
        expert,
        row,
        scores={c.key: "80" for c in row.item.round.criteria.all()},
        recommendation="推荐",
        submit=True,
    )
    after = waiting_entry(expert)
    assert (after.count if after else 0) == len(waiting) - 1


def test_others_have_no_expert_entry(user):
    for username in ("kjj", "qiye", "leader"):
        assert waiting_entry(user(username)) is None
