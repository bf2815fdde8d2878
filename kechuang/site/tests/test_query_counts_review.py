"""The pages of applications and expert review issue as many queries for a large round, call or registry as
for a small one — measured at two sizes, equal, and under a stated bound: an expert's 我的评审 (3 vs 30
assignments in every state), the round's page with its ranking (3 items × 2 experts vs 30 × 5), the call's
page with its applications and the ranking of its round, and the project list."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kechuang.enterprises.models import Enterprise
from kechuang.org.models import Department
from kechuang.projects import calls, selection
from kechuang.projects.models import BudgetLine, Call, Category, CoApplicant, Project, Status
from kechuang.reviews import actions
from kechuang.reviews.demo import expert_account
from kechuang.reviews.models import Assignment, Discipline, Expert, ScoreSheet
from kechuang.workflow import engine as workflow

pytestmark = pytest.mark.django_db

# the most queries each page may issue, whatever its size (measured on SQLite 2026-12-02: 我的评审 12, the
# round's page 27, the call's page 31, the project list 14)
BOUNDS = {"mine": 15, "round": 30, "call": 35, "list": 17}


def queries(client, url) -> int:
    client.get(url)  # warm the caches (session, content types)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def bureau():
    return Department.objects.get(name="区科技局")


def new_round(kjj, title: str, per_item: int):
    return actions.save_round(
        kjj,
        None,
        criteria=[("技术", "0.6", "100"), ("市场", "0.4", "50")],
        reason="",
        title=title,
        kind="立项评审",
        department=bureau(),
        deadline=timezone.localdate() + timedelta(days=5),
        experts_per_item=per_item,
    )


def score_all(kjj, review_round) -> None:
    """Open the round; every assigned expert declares and submits a sheet."""
    workflow.perform(review_round, "open", kjj)
    criteria = list(review_round.criteria.all())
    for row in Assignment.objects.filter(item__round=review_round).select_related("expert", "item__round"):
        account = expert_account(row.expert)
        actions.declare(account, row, conflict=False)
        share = Decimal(60 + (row.pk * 7) % 40) / 100
        scores = {c.key: str((c.max_score * share).quantize(Decimal(1))) for c in criteria}
        actions.save_sheet(account, row, scores=scores, recommendation="推荐", submit=True)


def test_my_reviews_do_not_grow_with_the_assignments(client_as, user):
    """3 vs 30 assignments of one expert, over several rounds, in every state (pending, recused, to score,
    draft, submitted)."""
    kjj = user("kjj")
    field = Discipline.objects.get(name="新材料")

    def expert_with(n: int, name: str) -> Expert:
        expert = actions.save_expert(
            kjj,
            None,
            disciplines=[field],
            name=name,
            organisation=f"{name}研究院",
            title="正高级",
            department=bureau(),
        )
        account = expert_account(expert)
        rounds = [new_round(kjj, f"{name}的评审{r}", 1) for r in range(3 if n > 3 else 1)]
        rows = []
        for i in range(n):
            review_round = rounds[i % len(rounds)]
            item = actions.add_item(
                kjj, review_round, title=f"{name}项目{i}", discipline=field, organisations=[f"单位{i}"]
            )
            rows.append(Assignment.objects.create(item=item, expert=expert, source="auto"))
        for review_round in rounds:
            workflow.perform(review_round, "open", kjj)
        for i, row in enumerate(rows):
            row = Assignment.objects.select_related("item__round").get(pk=row.pk)
            state = i % 5
            if state == 0:
                continue  # pending
            actions.declare(account, row, conflict=state == 1, note="曾合作" if state == 1 else "")
            if state >= 3:
                actions.save_sheet(
                    account, row, scores={"c1": "70", "c2": "40"}, recommendation="推荐", submit=state == 4
                )
        return Expert.objects.select_related("user").get(pk=expert.pk)

    small = expert_with(3, "少评")
    large = expert_with(30, "多评")
    few, many = (
        queries(client_as(small.user), "/reviews/mine/"),
        queries(client_as(large.user), "/reviews/mine/"),
    )
    assert few == many <= BOUNDS["mine"], (few, many)
    body = client_as(large.user).get("/reviews/mine/").content.decode()
    assert body.count("多评项目") == 30 and "已提交" in body and "已暂存" in body and "已回避" in body


def test_the_round_page_with_its_ranking_does_not_grow(client_as, user):
    """3 items × 2 experts vs 30 items × 5 experts, every sheet submitted (the figures and ranking shown)."""
    kjj = user("kjj")

    def scored(items: int, per_item: int, field: str):
        review_round = new_round(kjj, f"{items} 项 × {per_item} 人", per_item)
        discipline = Discipline.objects.get(name=field)
        for n in range(items):
            actions.add_item(
                kjj, review_round, title=f"项目{n}", discipline=discipline, organisations=[f"单位{n}"]
            )
        actions.auto_assign(kjj, review_round)
        score_all(kjj, review_round)
        return review_round

    small = scored(3, 2, "现代农业")
    large = scored(30, 5, "先进制造与自动化")
    assert Assignment.objects.filter(item__round=large).count() == 150
    client = client_as("kjj")
    few, many = (
        queries(client, f"/reviews/rounds/{small.pk}/"),
        queries(client, f"/reviews/rounds/{large.pk}/"),
    )
    assert few == many <= BOUNDS["round"], (few, many)
    page = client.get(f"/reviews/rounds/{large.pk}/")
    assert len(page.context["figures"]) == 30 and all(row["result"].n == 5 for row in page.context["figures"])


def applications(kjj, call: Call, count: int, field: Discipline) -> list[Project]:
    """`count` accepted applications to `call` with budget lines, every other with a co-applicant."""
    district = Department.objects.get(name="开州区", kind=Department.Kind.DISTRICT)
    enterprises = Enterprise.objects.filter(town__path__startswith=district.path, is_active=True).order_by(
        "pk"
    )[:count]
    made = []
    for n, enterprise in enumerate(enterprises):
        project = Project.objects.create(
            year=call.year,
            number=f"{call.number}-{n + 1:03d}",
            name=f"{call.number}申报{n}",
            category=call.category,
            department=enterprise.town,
            enterprise=enterprise,
            status=Status.ACCEPTED,
            applied_on=call.opens_on,
            funding=Decimal("100000"),
            self_funding=Decimal("50000"),
            call=call,
            topic=call.topic_list[0],
            discipline=field,
        )
        BudgetLine.objects.create(project=project, item="设备费", funding=Decimal("60000"), self_funding=0)
        BudgetLine.objects.create(
            project=project, item="材料费", funding=Decimal("40000"), self_funding=Decimal("50000")
        )
        if n % 2:
            CoApplicant.objects.create(project=project, name=f"合作单位{n}", share="检测")
        made.append(project)
    return made


def reviewed_call(kjj, number: str, count: int, per_item: int, field: str) -> Call:
    today = timezone.localdate()
    call = calls.save_call(
        kjj,
        None,
        reason="测试",
        year=today.year + 1,
        number=number,
        title=f"测试指南{number}",
        category=Category.DISTRICT,
        department=bureau(),
        topics="关键技术攻关",
        budget=Decimal("5000000"),
        max_request=Decimal("300000"),
        opens_on=today - timedelta(days=5),
        closes_on=today + timedelta(days=30),
        enterprise_only=True,
        one_per_applicant=True,
    )
    workflow.perform(call, "publish", kjj)
    applications(kjj, call, count, Discipline.objects.get(name=field))
    review_round = selection.send_to_review(
        kjj, call, deadline=today + timedelta(days=5), experts_per_item=per_item
    )
    actions.auto_assign(kjj, review_round)
    score_all(kjj, review_round)
    return call


def test_the_calls_page_with_its_ranking_does_not_grow(client_as, user):
    """A call with 3 applications reviewed by 2 experts each vs one with 30 reviewed by 5."""
    kjj = user("kjj")
    small = reviewed_call(kjj, "Q-SMALL", 3, 2, "现代农业")
    large = reviewed_call(kjj, "Q-LARGE", 30, 5, "先进制造与自动化")
    client = client_as("kjj")
    few, many = queries(client, f"/calls/{small.pk}/"), queries(client, f"/calls/{large.pk}/")
    assert few == many <= BOUNDS["call"], (few, many)
    page = client.get(f"/calls/{large.pk}/")
    assert len(page.context["applications"]) == 30 and len(page.context["ranking"]) == 30
    sheets = ScoreSheet.objects.filter(assignment__item__round=page.context["ranked_round"])
    assert sum(row.figure.n for row in page.context["ranking"]) == sheets.count() > 30 * 3


def test_the_project_list_does_not_grow_with_the_applications(client_as, user):
    """The registry list with 3 vs 30 more online applications (calls, fields, co-applicants, budgets)."""
    kjj = user("kjj")
    field = Discipline.objects.get(name="新材料")
    today = timezone.localdate()

    def call(number: str) -> Call:
        made = calls.save_call(
            kjj,
            None,
            reason="测试",
            year=today.year + 1,
            number=number,
            title=f"列表指南{number}",
            category=Category.TRANSFER,
            department=bureau(),
            topics="成果转化",
            budget=Decimal("5000000"),
            max_request=Decimal("300000"),
            opens_on=today - timedelta(days=5),
            closes_on=today + timedelta(days=30),
        )
        workflow.perform(made, "publish", kjj)
        return made

    url = f"/projects/?year={today.year + 1}"
    client = client_as("kjj")
    applications(kjj, call("L-SMALL"), 3, field)
    few = queries(client, url)
    applications(kjj, call("L-LARGE"), 30, field)
    many = queries(client, url)
    assert few == many <= BOUNDS["list"], (few, many)
    assert client.get(url).context["page"].paginator.count >= 33
