"""A review round from preparation to results: criteria that weigh 1, experts assigned by field with
conflicts excluded, declarations before scoring, sheets checked and locked, figures from the aggregation."""

from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kechuang.org.actions import ActionRefused
from kechuang.org.models import Department
from kechuang.reviews import actions
from kechuang.reviews.demo import expert_account
from kechuang.reviews.models import Assignment, Declaration, Discipline, Expert, ReviewRound, RoundStatus
from kechuang.workflow import engine as workflow

pytestmark = pytest.mark.django_db

CRITERIA = [("技术创新性", "0.5", "100"), ("市场前景", "0.3", "50"), ("团队与基础", "0.2", "10")]


def new_round(kjj, **fields):
    values = {
        "title": "2026年区级科技计划项目立项评审",
        "kind": "立项评审",
        "department": Department.objects.get(name="区科技局"),
        "deadline": timezone.localdate() + timedelta(days=10),
        "experts_per_item": 3,
    }
    values.update(fields)
    return actions.save_round(kjj, None, criteria=CRITERIA, reason="组织评审", **values)


@pytest.fixture
def kjj(user):
    return user("kjj")


def test_criteria_must_weigh_one_and_a_round_opens_only_when_ready(kjj):
    with pytest.raises(ValidationError, match="权重之和应为 1"):
        actions.save_round(
            kjj,
            None,
            criteria=[("a", "0.5", "100"), ("b", "0.4", "100")],
            title="x",
            kind="立项评审",
            department=Department.objects.get(name="区科技局"),
            deadline=timezone.localdate(),
        )
    assert not ReviewRound.objects.filter(title="x").exists()
    review_round = new_round(kjj)
    assert [(c.key, c.weight, c.max_score) for c in review_round.criteria.all()] == [
        ("c1", Decimal("0.5"), Decimal("100")),
        ("c2", Decimal("0.3"), Decimal("50")),
        ("c3", Decimal("0.2"), Decimal("10")),
    ]
    with pytest.raises(ActionRefused, match="尚无评审项目"):
        workflow.perform(review_round, "open", kjj)
    materials = Discipline.objects.get(name="新材料")
    actions.add_item(
        kjj, review_round, title="新型涂层材料", discipline=materials, organisations=["重庆大学"]
    )
    with pytest.raises(ActionRefused, match="尚未分配评审专家"):
        workflow.perform(review_round, "open", kjj)
    actions.auto_assign(kjj, review_round)
    workflow.perform(review_round, "open", kjj)
    review_round.refresh_from_db()
    assert review_round.status == RoundStatus.OPEN
    with pytest.raises(ActionRefused, match="已评审中"):  # the criteria are fixed once experts score
        actions.save_round(kjj, review_round, criteria=[("a", "1", "100")])


def test_automatic_assignment_matches_fields_and_excludes_conflicts(kjj):
    review_round = new_round(kjj)
    materials = Discipline.objects.get(name="新材料")
    pool = Expert.objects.filter(disciplines=materials, available=True)
    conflicted = pool.exclude(organisation="重庆大学").first()
    conflicted.conflicts.create(organisation="开州ＡＢＣ新材料有限公司", reason="曾任该公司顾问")
    first = actions.add_item(
        kjj,
        review_round,
        title="新型涂层材料",
        discipline=materials,
        organisations=["重庆大学", " 开州ABC新材料有限公司"],
    )
    second = actions.add_item(
        kjj, review_round, title="高强度复合材料", discipline=materials, organisations=["西南大学"]
    )
    result = actions.auto_assign(kjj, review_round, seed=1)
    assert not result.short
    for item in (first, second):
        experts = [a.expert for a in item.assignments.all()]
        assert len(experts) == 3
        assert all(materials in e.disciplines.all() and e.available for e in experts)
    assert all(e.organisation != "重庆大学" for e in [a.expert for a in first.assignments.all()])
    assert conflicted not in [a.expert for a in first.assignments.all()]
    loads = [Assignment.objects.filter(item__round=review_round, expert=e).count() for e in pool]
    assert max(loads) - min(loads) <= 1  # 6 places over the eligible experts

    # the bureau adds one by hand with a reason; a conflicted one is refused by name
    chosen = next(
        e
        for e in pool
        if not first.assignments.filter(expert=e).exists()
        and e != conflicted
        and e.organisation != "重庆大学"
    )
    with pytest.raises(ActionRefused, match="须填写原因"):
        actions.assign_manually(kjj, first, chosen, reason="")
    actions.assign_manually(kjj, first, chosen, reason="该领域资深专家")
    with pytest.raises(ActionRefused, match="同一单位"):
        actions.assign_manually(kjj, first, pool.filter(organisation="重庆大学").first(), reason="指定")
    with pytest.raises(ActionRefused, match="回避|冲突"):
        actions.assign_manually(kjj, first, conflicted, reason="指定")


def scored_round(kjj):
    """One item, three experts, scored — the figures below are computed by hand."""
    review_round = new_round(kjj)
    materials = Discipline.objects.get(name="新材料")
    item = actions.add_item(
        kjj, review_round, title="新型涂层材料", discipline=materials, organisations=["开州某公司"]
    )
    actions.auto_assign(kjj, review_round)
    workflow.perform(review_round, "open", kjj)
    return review_round, item, list(item.assignments.select_related("expert").order_by("pk"))


def test_experts_declare_then_score_and_the_round_computes_its_figures(kjj):
    review_round, item, rows = scored_round(kjj)
    scores = [
        {"c1": "80", "c2": "40", "c3": "5"},  # 0.5×80 + 0.3×40/50×100 + 0.2×5/10×100 = 40 + 24 + 10 = 74
        {"c1": "90", "c2": "45", "c3": "10"},  # 45 + 27 + 20 = 92
        {"c1": "60", "c2": "25", "c3": "8"},  # 30 + 15 + 16 = 61
    ]
    for row, sheet in zip(rows, scores, strict=True):
        account = expert_account(row.expert)
        with pytest.raises(ActionRefused, match="请先声明"):
            actions.save_sheet(account, row, scores=sheet)
        actions.declare(account, row, conflict=False)
        actions.save_sheet(account, row, scores=sheet, recommendation="推荐", submit=True)
    result = actions.results(review_round)
    (figures,) = result.items
    assert figures.n == 3 and figures.mean == Fraction(227, 3)  # (74 + 92 + 61) / 3
    assert figures.trimmed == figures.mean  # fewer than 5 sheets: the plain mean
    assert figures.spread == 31 and figures.disagreement  # 92 − 61 > 20
    assert figures.rank == 1


def test_a_sheet_is_refused_when_wrong_late_or_not_the_expert_s(kjj, user):
    review_round, item, rows = scored_round(kjj)
    row, other = rows[0], rows[1]
    account = expert_account(row.expert)
    actions.declare(account, row, conflict=False)
    with pytest.raises(ValidationError) as refused:
        actions.save_sheet(account, row, scores={"c1": "101", "c2": "abc", "c3": "-1"})
    messages = str(refused.value)
    assert "技术创新性" in messages and "超出 0—100" in messages
    assert "市场前景" in messages and "不是数字" in messages and "团队与基础" in messages
    assert not hasattr(Assignment.objects.get(pk=row.pk), "sheet") or not row.sheet.pk
    with pytest.raises(ValidationError, match="未评分"):
        actions.save_sheet(account, row, scores={"c1": "50"}, recommendation="推荐", submit=True)
    with pytest.raises(ActionRefused, match="被分配的专家本人"):
        actions.save_sheet(expert_account(other.expert), row, scores={"c1": "50"})
    with pytest.raises(ActionRefused, match="被分配的专家本人"):
        actions.save_sheet(user("kjj"), row, scores={"c1": "50"})
    actions.save_sheet(
        account, row, scores={"c1": "50", "c2": "20", "c3": "5"}, recommendation="推荐", submit=True
    )
    with pytest.raises(ActionRefused, match="已提交"):
        actions.save_sheet(account, row, scores={"c1": "60", "c2": "20", "c3": "5"})
    ReviewRound.objects.filter(pk=review_round.pk).update(deadline=timezone.localdate() - timedelta(days=1))
    late = Assignment.objects.get(pk=other.pk)
    with pytest.raises(ActionRefused, match="截止"):
        actions.declare(expert_account(other.expert), late, conflict=False)


def test_a_recusal_leaves_the_sheet_out_and_the_place_open(kjj):
    review_round, item, rows = scored_round(kjj)
    row = rows[0]
    account = expert_account(row.expert)
    with pytest.raises(ActionRefused, match="须说明原因"):
        actions.declare(account, row, conflict=True)
    actions.declare(account, row, conflict=True, note="与申报单位负责人为亲属")
    assert Assignment.objects.get(pk=row.pk).declaration == Declaration.RECUSED
    with pytest.raises(ActionRefused, match="请先声明"):
        actions.save_sheet(account, Assignment.objects.get(pk=row.pk), scores={"c1": "80"})
    items, _, existing = actions.eligibility_inputs(review_round)
    assert row.expert_id in items[0].conflicts and (item.pk, row.expert_id) not in existing


def test_experts_are_reminded_before_the_deadline_and_the_bureau_after_it(kjj):
    from kechuang.reviews.reminders import remind_reviewers
    from kechuang.workflow.models import Notification

    review_round, item, rows = scored_round(kjj)
    deadline = review_round.deadline
    done, waiting = rows[0], rows[1:]
    account = expert_account(done.expert)
    actions.declare(account, done, conflict=False)
    actions.save_sheet(
        account, done, scores={"c1": "50", "c2": "20", "c3": "5"}, recommendation="推荐", submit=True
    )
    accounts = [expert_account(r.expert) for r in waiting]
    assert remind_reviewers(deadline - timedelta(days=4)) == {"review_due": 0, "review_late": 0}
    counts = remind_reviewers(deadline - timedelta(days=3))
    assert counts == {"review_due": len(waiting), "review_late": 0}
    assert set(Notification.objects.filter(kind="review_due").values_list("user", flat=True)) == {
        a.pk for a in accounts
    }  # not the expert who submitted
    assert remind_reviewers(deadline - timedelta(days=3))["review_due"] == 0  # once
    late = remind_reviewers(deadline + timedelta(days=1))
    assert late["review_late"] >= 1
    notice = Notification.objects.get(kind="review_late", user=kjj)
    assert f"仍有 {len(waiting)} 份评分表未提交" in notice.title
