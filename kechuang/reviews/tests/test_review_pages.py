"""The review pages as their users use them: the bureau prepares a round on its page, the expert declares
and scores on theirs, refusals are named and nothing is stored, the figures appear on the round's page."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from kechuang.org.models import Department
from kechuang.reviews import actions
from kechuang.reviews.models import Assignment, Declaration, Discipline, ReviewRound, RoundStatus, ScoreSheet

pytestmark = pytest.mark.django_db


def round_form(**changes):
    data = {
        "title": "页面测试评审",
        "kind": "立项评审",
        "department": Department.objects.get(name="区科技局").pk,
        "deadline": (timezone.localdate() + timedelta(days=7)).isoformat(),
        "experts_per_item": "3",
        "method": "trimmed",
        "disagreement_threshold": "20",
        "criteria": "技术创新性 0.6 100\n市场前景，0.4，50",
        "note": "",
        "reason": "组织评审",
    }
    data.update(changes)
    return data


def test_the_bureau_creates_a_round_with_criteria_pasted_from_excel(client_as):
    client = client_as("kjj")
    refused = client.post("/reviews/rounds/new/", round_form(criteria="技术创新性 0.6 100\n市场前景 0.3 50"))
    assert refused.status_code == 200 and "权重之和应为 1" in refused.content.decode()
    bad_line = client.post("/reviews/rounds/new/", round_form(criteria="技术创新性 很高 100"))
    assert "第 1 行" in bad_line.content.decode()
    assert not ReviewRound.objects.filter(title="页面测试评审").exists()
    created = client.post("/reviews/rounds/new/", round_form())
    assert created.status_code == 302
    review_round = ReviewRound.objects.get(title="页面测试评审")
    assert [(c.name, c.weight, c.max_score) for c in review_round.criteria.all()] == [
        ("技术创新性", Decimal("0.6"), Decimal("100")),
        ("市场前景", Decimal("0.4"), Decimal("50")),
    ]
    # the edit form shows the criteria as typed and saves unchanged without a change
    edit = client.get(f"/reviews/rounds/{review_round.pk}/edit/")
    assert "技术创新性 0.6 100" in edit.content.decode()


def test_the_round_page_adds_items_assigns_and_shows_the_figures(client_as, user):
    client = client_as("kjj")
    review_round = actions.save_round(
        user("kjj"),
        None,
        criteria=[("综合", "1", "100")],
        reason="",
        title="页面评审",
        kind="立项评审",
        department=Department.objects.get(name="区科技局"),
        deadline=timezone.localdate(),
        experts_per_item=3,
    )
    materials = Discipline.objects.get(name="新材料")
    added = client.post(
        f"/reviews/rounds/{review_round.pk}/items/new/",
        {"title": "新型涂层材料", "discipline": materials.pk, "organisations": "重庆大学\n开州某公司"},
    )
    assert added.status_code == 302
    item = review_round.items.get()
    assert item.organisations == ["重庆大学", "开州某公司"]
    client.post(f"/reviews/rounds/{review_round.pk}/assign/")
    assert item.assignments.count() == 3
    page = client.get(f"/reviews/rounds/{review_round.pk}/").content.decode()
    assert "新型涂层材料" in page and "自动分配专家" in page
    assert all(a.expert.name in page for a in item.assignments.select_related("expert"))


def test_the_expert_declares_then_scores_and_a_wrong_score_keeps_the_typed_values(client_as, user):
    from kechuang.reviews.demo import expert_account
    from kechuang.reviews.models import Expert
    from kechuang.workflow import engine as workflow

    kjj = user("kjj")
    review_round = actions.save_round(
        kjj,
        None,
        criteria=[("技术", "0.5", "100"), ("市场", "0.5", "10")],
        reason="",
        title="评分页面",
        kind="立项评审",
        department=Department.objects.get(name="区科技局"),
        deadline=timezone.localdate() + timedelta(days=3),
        experts_per_item=1,
    )
    item = actions.add_item(
        kjj, review_round, title="测试项目", discipline=Discipline.objects.get(name="新材料")
    )
    expert = Expert.objects.filter(disciplines__name="新材料", available=True).first()
    actions.assign_manually(kjj, item, expert, reason="测试")
    workflow.perform(review_round, "open", kjj)
    row = Assignment.objects.get(item=item)
    client = client_as(expert_account(expert))
    listing = client.get("/reviews/mine/").content.decode()
    assert "测试项目" in listing and "待声明" in listing
    url = f"/reviews/assignments/{row.pk}/"
    assert "利益冲突声明" in client.get(url).content.decode()
    client.post(url, {"step": "declare", "conflict": "0"})
    assert Assignment.objects.get(pk=row.pk).declaration == Declaration.NONE
    wrong = client.post(
        url, {"step": "score", "c1": "80", "c2": "11", "submit": "1", "recommendation": "推荐"}
    )
    text = wrong.content.decode()
    assert wrong.status_code == 400 and "超出 0—10 的范围" in text and 'value="80"' in text
    assert not ScoreSheet.objects.filter(assignment=row).exists()
    client.post(url, {"step": "score", "c1": "80", "c2": "7.5", "submit": "0"})
    sheet = ScoreSheet.objects.get(assignment=row)
    assert sheet.scores == {"c1": "80", "c2": "7.5"} and not sheet.submitted
    client.post(url, {"step": "score", "c1": "80", "c2": "7.5", "submit": "1", "recommendation": "推荐"})
    assert ScoreSheet.objects.get(assignment=row).submitted
    assert "已提交" in client.get(url).content.decode()
    other = client_as("expert").get(url)
    assert other.status_code == 404  # another expert's sheet
    assert client_as("kjj").get(url).status_code == 403  # the bureau does not score
    # the bureau's round page now shows the figure: 0.5×80 + 0.5×7.5/10×100 = 77.5
    workflow.perform(review_round, "close", kjj)
    page = client_as("kjj").get(f"/reviews/rounds/{review_round.pk}/").content.decode()
    assert "评审结果" in page and "77.5" in page
    assert ReviewRound.objects.get(pk=review_round.pk).status == RoundStatus.CLOSED
