"""The round's page (its ranking) and an expert's 我的评审 issue as many queries for a large round as for a
small one — whatever the number of items, assignments and sheets."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kechuang.org.models import Department
from kechuang.reviews import actions
from kechuang.reviews.models import Assignment, Discipline, Expert
from kechuang.reviews.tests.test_rounds import expert_account
from kechuang.workflow import engine as workflow

pytestmark = pytest.mark.django_db


def queries(client, url) -> int:
    client.get(url)  # warm the caches (session, content types)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def scored(kjj, items: int, field: str):
    review_round = actions.save_round(
        kjj,
        None,
        criteria=[("技术", "0.6", "100"), ("市场", "0.4", "100")],
        reason="",
        title=f"{items} 项评审",
        kind="立项评审",
        department=Department.objects.get(name="区科技局"),
        deadline=timezone.localdate() + timedelta(days=5),
        experts_per_item=3,
    )
    discipline = Discipline.objects.get(name=field)
    for n in range(items):
        actions.add_item(
            kjj, review_round, title=f"项目{n}", discipline=discipline, organisations=[f"单位{n}"]
        )
    actions.auto_assign(kjj, review_round)
    workflow.perform(review_round, "open", kjj)
    for row in Assignment.objects.filter(item__round=review_round).select_related("expert"):
        account = expert_account(row.expert)
        actions.declare(account, row, conflict=False)
        actions.save_sheet(account, row, scores={"c1": "70", "c2": "80"}, recommendation="推荐", submit=True)
    return review_round


def test_the_round_page_and_my_reviews_do_not_grow_with_the_round(client_as, user):
    kjj = user("kjj")
    small = scored(kjj, 1, "现代农业")
    large = scored(kjj, 30, "新材料")
    bureau = client_as("kjj")
    assert queries(bureau, f"/reviews/rounds/{small.pk}/") == queries(bureau, f"/reviews/rounds/{large.pk}/")
    busy = max(Expert.objects.filter(assignments__item__round=large), key=lambda e: e.assignments.count())
    calm = min(Expert.objects.filter(assignments__item__round=small), key=lambda e: e.assignments.count())
    assert busy.assignments.count() > calm.assignments.count() * 5
    assert queries(client_as(busy.user), "/reviews/mine/") == queries(client_as(calm.user), "/reviews/mine/")
