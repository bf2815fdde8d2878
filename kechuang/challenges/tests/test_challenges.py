"""揭榜挂帅 from need to payment through the actions the pages call, and what each step refuses — with a
Chinese reason and nothing stored."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from kechuang.audit.models import ChangeEntry
from kechuang.challenges import bidding, needs, selection
from kechuang.challenges.demo import OPEN, PAID, RUNNER_UP, WINNER
from kechuang.challenges.models import Bid, BidStatus, Challenge, Status
from kechuang.org.actions import ActionRefused
from kechuang.projects import contracts, payments
from kechuang.projects.models import Category, MilestoneStatus, Payer, Payment, Tranche
from kechuang.reviews import actions as reviews
from kechuang.reviews.demo import expert_account
from kechuang.reviews.models import Assignment, Discipline
from kechuang.workflow import engine as workflow

pytestmark = pytest.mark.django_db


@pytest.fixture
def kjj(user):
    return user("kjj")


@pytest.fixture
def qiye(user):
    return user("qiye")


@pytest.fixture
def fuwu(user):
    return user("fuwu")


def posted(qiye, kjj, values=PAID, **changes) -> Challenge:
    fields = {**values, "title": f"测试：{values['title']}", **changes}
    challenge = needs.save_need(
        qiye,
        None,
        discipline=Discipline.objects.get(name="先进制造与自动化"),
        deadline=timezone.localdate() + timedelta(days=20),
        **fields,
    )
    workflow.perform(challenge, "submit", qiye)
    challenge = needs.accept(kjj, challenge, title=challenge.title, goal=challenge.goal)
    return workflow.perform(challenge, "publish", kjj)


def drafted(account, challenge, values=WINNER) -> Bid:
    values = dict(values)
    milestones = values.pop("milestones")
    bid = bidding.start(account, challenge)
    return bidding.save_bid(account, bid, milestones=milestones, **values)


def past_deadline(challenge) -> Challenge:
    Challenge.objects.filter(pk=challenge.pk).update(deadline=timezone.localdate() - timedelta(days=1))
    return Challenge.objects.get(pk=challenge.pk)


def reviewed(kjj, challenge, winner) -> Challenge:
    challenge = selection.send_to_review(
        kjj, past_deadline(challenge), deadline=timezone.localdate(), experts_per_item=3
    )
    review_round = challenge.review_round
    reviews.auto_assign(kjj, review_round)
    workflow.perform(review_round, "open", kjj)
    for row in Assignment.objects.filter(item__round=review_round).select_related("expert", "item"):
        account = expert_account(row.expert)
        reviews.declare(account, row, conflict=False)
        score = "90" if row.item.object_id == winner.pk else "70"
        reviews.save_sheet(
            account,
            row,
            scores={c.key: score for c in review_round.criteria.all()},
            recommendation="推荐",
            submit=True,
        )
    workflow.perform(review_round, "close", kjj)
    workflow.perform(review_round, "finish", kjj)
    return Challenge.objects.get(pk=challenge.pk)


def selected(kjj, qiye, fuwu, user):
    challenge = posted(qiye, kjj)
    winner = bidding.submit(fuwu, drafted(fuwu, challenge))
    bidding.submit(user("jb_sxxy"), drafted(user("jb_sxxy"), challenge, RUNNER_UP))
    challenge = reviewed(kjj, challenge, winner)
    return challenge, winner


def test_from_need_to_payment(kjj, qiye, fuwu, user):
    challenge, winner = selected(kjj, qiye, fuwu, user)
    ranked = selection.ranking(challenge)
    assert [r.bid.pk for r in ranked][0] == winner.pk
    # the bidder's organisation and the owner's stand aside
    item = challenge.review_round.items.get(object_id=winner.pk)
    assert item.organisations == [WINNER["bidder_name"], challenge.enterprise.name]

    start = timezone.localdate() - timedelta(days=20)
    challenge = selection.select(
        kjj, challenge, bid=Bid.objects.get(pk=winner.pk), reason="排名第一", start=start
    )
    assert challenge.status == Status.PUBLICITY and challenge.publicity_until > start
    assert set(challenge.bids.values_list("status", flat=True)) == {
        BidStatus.SELECTED,
        BidStatus.UNSUCCESSFUL,
    }
    objection = selection.record_objection(
        kjj, challenge, name="某公司", content="报价偏低", received_on=start
    )
    with pytest.raises(ActionRefused, match="异议未处理"):
        selection.sign(kjj, challenge)
    selection.resolve_objection(kjj, objection, upheld=False, resolution="经核查报价合理")

    challenge = selection.sign(kjj, Challenge.objects.get(pk=challenge.pk))
    project = challenge.project
    assert challenge.status == Status.SIGNED
    assert project.category == Category.CHALLENGE and project.call is None and project.enterprise is None
    assert project.unit_name == WINNER["bidder_name"] and project.funding == PAID["support"]
    book = project.task_book
    assert book.status == "已签订" and book.owner_funding == PAID["co_funding"]
    milestones = list(book.milestones.order_by("sequence"))
    assert len(milestones) == 3
    district = sum(m.district_payment for m in milestones)
    owner = sum(m.owner_payment for m in milestones)
    assert district + owner == WINNER["price"] and district <= project.funding and owner <= book.owner_funding
    assert {e.transition for e in workflow.history(challenge)} >= {
        "submit",
        "accept",
        "publish",
        "review",
        "select",
        "sign",
    }

    first = milestones[0]
    contracts.check_milestone(kjj, first, MilestoneStatus.PASSED, comment="通过")
    arranged = Payment.objects.filter(project=project, milestone=first)
    assert {p.payer for p in arranged} == {Payer.DISTRICT, Payer.OWNER}
    for p in arranged:
        payments.pay(kjj, p, paid_on=timezone.localdate(), voucher="T-1")
    assert payments.totals(project).paid == first.district_payment


def test_milestone_checks_on_the_page(kjj, qiye, fuwu, user, client_as):
    challenge, winner = selected(kjj, qiye, fuwu, user)
    challenge = selection.select(
        kjj,
        challenge,
        bid=Bid.objects.get(pk=winner.pk),
        reason="第一",
        start=timezone.localdate() - timedelta(days=20),
    )
    challenge = selection.sign(kjj, Challenge.objects.get(pk=challenge.pk))
    second = challenge.project.task_book.milestones.get(sequence=2)
    url = reverse("challenges:milestone", args=[challenge.pk, second.pk])
    client = client_as("kjj")
    page = client.post(url, {f"m{second.pk}-verdict": "调整"}, follow=True).content.decode()
    assert "考核调整须填写调整后的完成日期" in page
    new_date = second.due_on + timedelta(days=30)
    client.post(
        url,
        {
            f"m{second.pk}-verdict": "调整",
            f"m{second.pk}-new_due_on": new_date.isoformat(),
            f"m{second.pk}-comment": "设备延期到货",
        },
    )
    second.refresh_from_db()
    assert second.status == MilestoneStatus.ADJUST and second.due_on == new_date
    client.post(url, {f"m{second.pk}-verdict": "终止", f"m{second.pk}-comment": "技术路线不可行"})
    challenge.project.refresh_from_db()
    assert challenge.project.status == "终止"
    assert not Payment.objects.filter(project=challenge.project).exists()


def test_a_payment_above_the_agreed_split_is_refused(kjj):
    project = Challenge.objects.get(title=PAID["title"]).project
    totals = payments.totals(project)
    count = Payment.objects.count()
    with pytest.raises(ValidationError, match="需求方支付超过任务书约定的出资"):
        payments.arrange(
            kjj,
            project,
            tranche=Tranche.ACCEPTANCE,
            amount=totals.owner_funding - totals.owner_arranged + Decimal("0.01"),
            payer=Payer.OWNER,
        )
    with pytest.raises(ValidationError, match="超过立项资助金额"):
        payments.arrange(kjj, project, tranche=Tranche.ACCEPTANCE, amount=totals.left + Decimal("0.01"))
    assert Payment.objects.count() == count


def test_a_bid_after_the_deadline_is_refused(qiye, kjj, fuwu):
    challenge = posted(qiye, kjj)
    bid = drafted(fuwu, challenge)
    past_deadline(challenge)
    with pytest.raises(ActionRefused, match="揭榜已于 .* 截止"):
        bidding.submit(fuwu, Bid.objects.get(pk=bid.pk))
    assert Bid.objects.get(pk=bid.pk).status == BidStatus.DRAFT
    with pytest.raises(ActionRefused, match="截止"):
        bidding.start(fuwu, Challenge.objects.get(pk=challenge.pk))


def test_roles_without_the_capability_cannot_bid(qiye, kjj, user, client_as):
    challenge = posted(qiye, kjj)
    for name in ("expert", "leader", "kjj"):
        with pytest.raises(ActionRefused, match="您没有揭榜的权限"):
            bidding.start(user(name), challenge)
    assert client_as("expert").post(reverse("challenges:bid", args=[challenge.pk])).status_code == 403
    assert not Bid.objects.filter(challenge=challenge).exists()


def test_the_owner_cannot_bid_on_its_own_need(qiye, kjj, client_as):
    challenge = posted(qiye, kjj)
    with pytest.raises(ActionRefused, match="发榜企业不能揭自己发布的榜单"):
        bidding.start(qiye, challenge)
    response = client_as("qiye").post(reverse("challenges:bid", args=[challenge.pk]), follow=True)
    assert "发榜企业不能揭自己发布的榜单" in response.content.decode()
    assert not Bid.objects.filter(challenge=challenge).exists()


def test_two_clerks_selecting_at_once(kjj, qiye, fuwu, user):
    challenge, winner = selected(kjj, qiye, fuwu, user)
    other = Bid.objects.filter(challenge=challenge).exclude(pk=winner.pk).get()
    seen_by_second = Challenge.objects.get(pk=challenge.pk)  # read before the first one's choice
    selection.select(
        kjj, Challenge.objects.get(pk=challenge.pk), bid=Bid.objects.get(pk=winner.pk), reason="第一"
    )
    entries = ChangeEntry.objects.count()
    with pytest.raises(ActionRefused, match="该记录已被他人处理（当前状态：公示中）"):
        selection.select(kjj, seen_by_second, bid=other, reason="第二")
    stored = Challenge.objects.get(pk=challenge.pk)
    assert stored.winner_id == winner.pk and stored.selection_reason == "第一"
    assert Bid.objects.get(pk=other.pk).status == BidStatus.UNSUCCESSFUL
    assert ChangeEntry.objects.count() == entries


def test_two_clerks_selecting_at_once_on_the_page(kjj, qiye, fuwu, user, client_as):
    challenge, winner = selected(kjj, qiye, fuwu, user)
    other = Bid.objects.filter(challenge=challenge).exclude(pk=winner.pk).get()
    url = reverse("challenges:select", args=[challenge.pk])
    form = {"bid": winner.pk, "reason": "第一", "publicity_days": 5, "seen": Status.REVIEW}
    assert client_as("kjj").post(url, form).status_code == 302
    response = client_as("kjj").post(url, {**form, "bid": other.pk, "reason": "第二"}, follow=True)
    assert "该榜单已被他人处理（当前状态：公示中）" in response.content.decode()
    assert Challenge.objects.get(pk=challenge.pk).winner_id == winner.pk


def test_public_pages_never_show_confidential_fields(client):
    shown = Challenge.objects.filter(status__in=(Status.PUBLISHED, Status.SIGNED))
    assert shown.count() == 2
    pages = [client.get(reverse("public-challenges:list"))]
    pages += [client.get(reverse("public-challenges:detail", args=[c.pk])) for c in shown]
    for response in pages:
        assert response.status_code == 200
        text = response.content.decode()
        for values in (PAID, OPEN):
            for secret in (values["confidential"], values["contact_phone"], values["contact_name"]):
                assert secret not in text
    assert OPEN["title"] in pages[0].content.decode()
    draft = Challenge.objects.get(title=OPEN["title"])
    Challenge.objects.filter(pk=draft.pk).update(status=Status.SUBMITTED)
    assert client.get(reverse("public-challenges:detail", args=[draft.pk])).status_code == 404


def test_who_reads_what(client_as):
    paid = Challenge.objects.get(title=PAID["title"])
    for name, sees_secret in (("kjj", True), ("qiye", True), ("fuwu", False), ("leader", False)):
        response = client_as(name).get(paid.get_absolute_url())
        assert response.status_code == 200, name
        assert (PAID["confidential"] in response.content.decode()) is sees_secret, name
    # bids: the bidder its own, the owner the winning one only, the bureau all
    losing = paid.bids.get(status=BidStatus.UNSUCCESSFUL)
    assert client_as("qiye").get(paid.winner.get_absolute_url()).status_code == 200
    assert client_as("qiye").get(losing.get_absolute_url()).status_code == 404
    assert client_as("fuwu").get(losing.get_absolute_url()).status_code == 404
    assert client_as("kjj").get(losing.get_absolute_url()).status_code == 200
    assert client_as("expert").get(paid.get_absolute_url()).status_code == 403
    # the API and the export never carry the confidential part
    api = client_as("kjj").get(f"/api/v1/challenges/{paid.pk}").json()
    assert "confidential" not in api and "contact_phone" not in api


def test_todos(user):
    from kechuang.site.todo import my_todos

    labels = {e.label for e in my_todos(user("fuwu"), None, timezone.localdate())}
    assert "可揭榜的榜单" in labels


def test_the_lists_carry_out_the_plans_challenge_task(user, client_as):
    from kechuang.plans.models import Task
    from kechuang.plans.work import work_for

    task = Task.objects.get(programme__number=3, code="3.6", programme__plan__department__name="开州区")
    listed = {
        item.title: item
        for item in work_for([task], user("kjj")).get(task.pk, [])
        if item.kind == "揭榜挂帅榜单"
    }
    assert len(listed) == 2 and {i.state for i in listed.values()} == {"已签约", "揭榜中"}
    # the signed list's project carries out the same task
    signed = Challenge.objects.get(status=Status.SIGNED)
    assert list(signed.project.tasks.all()) == [task]
    page = client_as("kjj").get(task.get_absolute_url()).content.decode()
    assert "揭榜挂帅榜单" in page and signed.title in page
