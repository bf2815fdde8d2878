"""Two 揭榜挂帅 lists of the demo enterprise's: one carried through the whole chain a year ago — posted,
refined, published, two bids, reviewed by experts, the winner (the demo service institution `fuwu`)
selected and published, signed, its three milestones passed and paid, accepted and the rest paid — and one
published today and open for bids for another 30 days (the demo accounts `fuwu` may bid on it). Everything
goes through the app's actions; the past dates are written afterwards. Deterministic, and loaded once."""

from datetime import timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from kechuang.core.workdays import add_workdays
from kechuang.org.models import Department, RoleGrant, User
from kechuang.org.roles import Role, Scope
from kechuang.projects import contracts, payments
from kechuang.projects.models import MilestoneStatus, Payer, Payment, PaymentStatus, Project, Tranche
from kechuang.reviews import actions as reviews
from kechuang.reviews.demo import expert_account
from kechuang.reviews.models import Assignment, Discipline
from kechuang.workflow import engine as workflow

from . import bidding, delivery, needs, selection
from .models import Bid, Challenge

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
FIELD = "先进制造与自动化"

PAID = {
    "title": "高精度数控机床主轴热变形补偿技术",
    "goal": "研制主轴热变形实时补偿系统，解决连续加工 8 小时后精度漂移问题，在企业两条产线应用。",
    "indicators": "主轴热漂移补偿后不大于 3 μm\n补偿系统响应时间不大于 50 ms\n在 2 条产线连续运行 3 个月",
    "co_funding": Decimal("1000000"),
    "support": Decimal("500000"),
    "confidential": "现有主轴温升曲线及产线良率数据（内部资料，签署保密协议后提供）。",
    "contact_name": "陈工",
    "contact_phone": "13983500001",
}
OPEN = {
    "title": "柑橘采后智能分选与保鲜关键技术",
    "goal": "开发基于机器视觉的柑橘外观与糖度无损分选装备，配套保鲜工艺，降低采后损耗。",
    "indicators": "分选速度不低于 10 吨/小时\n糖度检测误差不大于 0.5 Brix\n采后损耗率降低 30% 以上",
    "co_funding": Decimal("800000"),
    "support": Decimal("400000"),
    "confidential": "现有分选线设备清单与近三年损耗统计（不公开）。",
    "contact_name": "李工",
    "contact_phone": "13983500002",
}
WINNER = {
    "bidder_name": "重庆开州科技成果转化服务中心",
    "bidder_kind": "服务机构",
    "team": "联合重庆大学机械学院团队，负责人王教授，核心成员 6 人，承担过 3 项数控机床精度保持项目。",
    "plan": "温度场多点监测 + 热误差神经网络模型 + 数控系统实时补偿接口，分三阶段完成样机、产线验证和推广。",
    "price": Decimal("1350000"),
    "milestones": "温度场监测与热误差建模｜3｜热误差模型及验证报告｜450000\n"
    "补偿系统样机与单机验证｜6｜补偿系统样机 1 套及测试报告｜450000\n"
    "两条产线应用与连续运行｜10｜产线应用报告及用户证明｜450000",
}
RUNNER_UP = {
    "bidder_name": "重庆三峡学院机械工程学院",
    "bidder_kind": "高校",
    "team": "机械工程学院精密制造团队，负责人刘副教授，核心成员 4 人。",
    "plan": "基于有限元的热变形预测与离线补偿表，结合定期标定。",
    "price": Decimal("1200000"),
    "milestones": "热变形有限元模型｜4｜模型与仿真报告｜400000\n离线补偿表与标定方法｜8｜补偿表及标定规程｜400000\n"
    "产线试用｜12｜试用报告｜400000",
}


def _bidder(username: str, name: str) -> User:
    """A bidder's account without a password (the demo signs in as `fuwu` only)."""
    account = User.objects.filter(username=username).first()
    if account is None:
        account = User.objects.create(username=username, display_name=name, is_active=True)
        account.set_unusable_password()
        account.save(update_fields=["password"])
        RoleGrant.objects.create(
            user=account,
            role=Role.SERVICE_ORG,
            scope=Scope.SELF,
            department=Department.objects.get(name="开州区"),
        )
    return account


def _posted(owner: User, kjj: User, values: dict, deadline, tasks=()) -> Challenge:
    discipline = Discipline.objects.get(name=FIELD)
    challenge = needs.save_need(owner, None, discipline=discipline, deadline=deadline, **values)
    workflow.perform(challenge, "submit", owner)
    challenge = needs.accept(
        kjj,
        challenge,
        title=challenge.title,
        goal=challenge.goal,
        comment="需求明确，同意发榜",
        tasks=list(tasks),
    )
    return workflow.perform(challenge, "publish", kjj)


def _bid(account: User, challenge: Challenge, values: dict) -> Bid:
    values = dict(values)
    milestones = values.pop("milestones")
    bid = bidding.start(account, challenge)
    bid = bidding.save_bid(account, bid, milestones=milestones, **values)
    return bidding.submit(account, Bid.objects.get(pk=bid.pk))


def _scored(kjj: User, challenge: Challenge, winner: Bid) -> None:
    review_round = challenge.review_round
    reviews.auto_assign(kjj, review_round)
    workflow.perform(review_round, "open", kjj)
    for row in (
        Assignment.objects.filter(item__round=review_round).select_related("expert", "item").order_by("pk")
    ):
        account = expert_account(row.expert)
        reviews.declare(account, row, conflict=False)
        score = "88" if row.item.object_id == winner.pk else "76"
        reviews.save_sheet(
            account,
            row,
            scores={c.key: score for c in review_round.criteria.all()},
            recommendation="推荐",
            submit=True,
        )
    workflow.perform(review_round, "close", kjj)
    workflow.perform(review_round, "finish", kjj)


@transaction.atomic
def load_demo_challenges(plan=None) -> int:
    if Challenge.objects.exists():
        return 0
    # both lists carry out the plan's task 3.6 “揭榜挂帅”
    from kechuang.plans.models import Task

    tasks = list(Task.objects.filter(programme__plan=plan, programme__number=3, code="3.6")) if plan else []
    today = timezone.localdate()
    owner = User.objects.get(username="qiye")
    kjj = User.objects.get(username="kjj")
    fuwu = User.objects.get(username="fuwu")
    other = _bidder("jb_sxxy", "重庆三峡学院科研处")

    # the paid list: everything as it happened a year ago
    paid = _posted(owner, kjj, PAID, today + timedelta(days=30), tasks)
    winner = _bid(fuwu, paid, WINNER)
    _bid(other, paid, RUNNER_UP)
    published, deadline = today - timedelta(days=430), today - timedelta(days=400)
    Challenge.objects.filter(pk=paid.pk).update(published_on=published, deadline=deadline)
    Bid.objects.filter(challenge=paid).update(submitted_on=deadline - timedelta(days=3))
    paid = Challenge.objects.get(pk=paid.pk)
    paid = selection.send_to_review(kjj, paid, deadline=today, experts_per_item=3)
    _scored(kjj, paid, winner)
    start = today - timedelta(days=385)
    paid = selection.select(
        kjj,
        Challenge.objects.get(pk=paid.pk),
        bid=Bid.objects.get(pk=winner.pk),
        reason="评审排名第一，技术路线成熟，团队有同类产线补偿经验。",
        start=start,
    )
    signed_on = add_workdays(paid.publicity_until, 3)
    paid = selection.sign(kjj, paid, signed_on=signed_on)
    project = Project.objects.get(pk=paid.project_id)
    for m in project.task_book.milestones.order_by("sequence"):
        contracts.check_milestone(
            kjj,
            m,
            MilestoneStatus.PASSED,
            comment="按期完成，交付成果经专家现场核验。",
            checked_on=min(m.due_on, today),
        )
    for n, payment in enumerate(Payment.objects.filter(project=project).order_by("pk"), 1):
        paid_on = (payment.milestone.checked_on if payment.milestone else today) + timedelta(days=10)
        payments.pay(kjj, payment, paid_on=min(paid_on, today), voucher=f"KZCZ-JB-{n:03d}")
    decided_on = today - timedelta(days=20)
    delivery.record_acceptance(
        kjj,
        Challenge.objects.get(pk=paid.pk),
        summary="各项技术指标均已达到任务书要求，两条产线连续运行 3 个月。",
        spent=Decimal("450000"),
        upload=SimpleUploadedFile("验收材料.pdf", PDF, "application/pdf"),
        decided_on=decided_on,
    )
    left = payments.totals(project).left
    if left > 0:
        rest = payments.arrange(
            kjj,
            project,
            tranche=Tranche.ACCEPTANCE,
            amount=left,
            payer=Payer.DISTRICT,
            note="验收通过后拨付余款",
        )
        payments.pay(kjj, rest, paid_on=today - timedelta(days=10), voucher="KZCZ-JB-YS")
    assert not Payment.objects.filter(project=project, status=PaymentStatus.PLANNED).exists()

    # the open list: published ten days ago, bids taken for another 30 days
    open_list = _posted(owner, kjj, OPEN, today + timedelta(days=30), tasks)
    Challenge.objects.filter(pk=open_list.pk).update(published_on=today - timedelta(days=10))
    return 2


def load_demo(plan) -> None:
    """This app's part of `kechuang demo` (after the projects and the expert pool)."""
    load_demo_challenges(plan)
