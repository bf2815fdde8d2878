"""After the deadline: the submitted bids to expert review (a 揭榜评审 round — the bidder's organisation and
the need's owner stand aside), the ranking back, the bureau's choice of the winner with its reason, the 公示
(working days, `core/workdays.py`, as 立项公示: objections recorded and resolved; an upheld one withdraws
the 公示), and 签约 — the winner's project (category 揭榜挂帅) approved through the project's workflow, its
任务书 with the need's co-funding and the winning bid's milestones, the payments of each split between the
need's owner and the district, submitted and signed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kechuang.core.context import audit_context
from kechuang.core.workdays import add_workdays
from kechuang.org.actions import ActionRefused
from kechuang.org.roles import Capability
from kechuang.org.scope import may_act_on
from kechuang.projects import approval, contracts
from kechuang.projects.interim import add_months
from kechuang.projects.models import (
    Category,
    Milestone,
    ObjectionStatus,
    Project,
    PromisedIndicator,
    TaskBook,
)
from kechuang.projects.models import Status as ProjectStatus
from kechuang.reviews import actions as reviews
from kechuang.reviews.aggregate import ItemResult
from kechuang.reviews.models import RoundKind, RoundStatus
from kechuang.workflow import engine as workflow

from .models import Bid, BidStatus, Challenge, ChallengeObjection, Status

CENT = Decimal("0.01")

# a bid review's criteria (weights sum to 1, each scored 0–100); changed on the round's page while prepared
CHALLENGE_CRITERIA = [
    ("技术方案先进性与可行性", "0.35", "100"),
    ("团队能力与研发基础", "0.25", "100"),
    ("里程碑与进度安排", "0.20", "100"),
    ("报价合理性", "0.20", "100"),
]


def _keeping(acting_user, challenge: Challenge) -> None:
    if not may_act_on(acting_user, challenge, Capability.MANAGE_CHALLENGES):
        raise ActionRefused("您没有办理该榜单的权限。")


def submitted_bids(challenge: Challenge):
    return challenge.bids.exclude(status=BidStatus.DRAFT).order_by("pk")


# --- 评审 ----------------------------------------------------------------------------------------------


def may_review(challenge: Challenge, user) -> str | None:
    if challenge.deadline >= timezone.localdate():
        return f"揭榜截止日期为 {challenge.deadline:%Y-%m-%d}，截止后方可组织评审。"
    if not submitted_bids(challenge).exists():
        return "没有已提交的揭榜方案。"
    return None


def send_to_review(
    acting_user, challenge: Challenge, *, deadline: date, experts_per_item: int = 5
) -> Challenge:
    """A 揭榜评审 round over the submitted bids; the list moves to 方案评审 (the bureau assigns experts and
    opens the round on its page)."""
    _keeping(acting_user, challenge)
    refusal = may_review(challenge, acting_user)
    if refusal:
        raise ActionRefused(refusal)
    if deadline is None or deadline < timezone.localdate():
        raise ValidationError({"deadline": "评审截止日期不能早于今天。"})
    with transaction.atomic():
        review_round = reviews.save_round(
            acting_user,
            None,
            criteria=CHALLENGE_CRITERIA,
            reason=f"组织“{challenge.title}”揭榜评审",
            title=f"{challenge.title}揭榜方案评审"[:200],
            kind=RoundKind.CHALLENGE,
            department=challenge.department,
            deadline=deadline,
            experts_per_item=experts_per_item,
        )
        owner = challenge.enterprise.name
        for bid in submitted_bids(challenge):
            reviews.add_item(
                acting_user,
                review_round,
                title=f"{bid.bidder_name}：{challenge.title}"[:200],
                discipline=challenge.discipline,
                organisations=[bid.bidder_name, owner],
                target=bid,
            )
        return workflow.perform(
            challenge,
            "review",
            acting_user,
            comment=f"提交“{review_round.title}”",
            changes={"review_round": review_round},
        )


@dataclass(frozen=True)
class Ranked:
    bid: Bid
    figure: ItemResult


def ranking(challenge: Challenge) -> list[Ranked]:
    """The round's bids in rank order with their figures (unranked last)."""
    if challenge.review_round_id is None:
        return []
    review_round = challenge.review_round
    result = reviews.results(review_round)
    targets = dict(review_round.items.values_list("pk", "object_id"))
    bids = Bid.objects.in_bulk(targets.values())
    return [Ranked(bids[targets[f.id]], f) for f in result.items if targets.get(f.id) in bids]


# --- 遴选 and 公示 ---------------------------------------------------------------------------------------


def may_select(challenge: Challenge, user) -> str | None:
    if challenge.review_round_id is None:
        return "尚未组织揭榜评审。"
    if challenge.review_round.status != RoundStatus.FINISHED:
        return f"评审轮次当前状态为“{challenge.review_round.status}”，确认评审结果后方可确定揭榜方。"
    return None


def select(
    acting_user,
    challenge: Challenge,
    *,
    bid: Bid,
    reason: str,
    publicity_days: int = 5,
    start: date | None = None,
) -> Challenge:
    """确定揭榜方: the winner and the reason; the 公示 begins today (or `start`) for its working days; the
    winning bid 中榜, the others 未中榜 — in one transaction, the list's state written as a compare-and-set
    (of two clerks selecting at once, the second is told the list has moved on)."""
    _keeping(acting_user, challenge)
    reason = (reason or "").strip()
    errors = {}
    if bid is None or bid.challenge_id != challenge.pk or bid.status == BidStatus.DRAFT:
        errors["bid"] = "请选择本榜单已提交的揭榜方案。"
    if not reason:
        errors["reason"] = "请填写遴选理由。"
    if publicity_days is None or publicity_days < 5:
        errors["publicity_days"] = "公示期不少于 5 个工作日。"
    if errors:
        raise ValidationError(errors)
    start = start or timezone.localdate()
    until = add_workdays(start, publicity_days)
    with transaction.atomic():
        challenge = workflow.perform(
            challenge,
            "select",
            acting_user,
            comment=f"揭榜方：{bid.bidder_name}。{reason}",
            changes={
                "winner": bid,
                "selection_reason": reason,
                "publicity_days": publicity_days,
                "publicity_from": start,
                "publicity_until": until,
            },
        )
        for other in submitted_bids(challenge):
            workflow.perform(other, "win" if other.pk == bid.pk else "lose", acting_user, comment=reason)
    return challenge


def reopen_bids(challenge: Challenge, event) -> None:
    """撤回公示: every decided bid back to 已提交 (a hook of the transition)."""
    for bid in challenge.bids.filter(status__in=(BidStatus.SELECTED, BidStatus.UNSUCCESSFUL)):
        workflow.perform(bid, "reconsider", event.actor, comment=event.comment)


def record_objection(
    acting_user, challenge: Challenge, *, name: str, content: str, received_on=None, contact: str = ""
) -> ChallengeObjection:
    _keeping(acting_user, challenge)
    if challenge.status != Status.PUBLICITY:
        raise ActionRefused("只有公示中的揭榜结果可以登记异议。")
    return approval.store_objection(
        acting_user,
        ChallengeObjection(challenge=challenge),
        (challenge.publicity_from, challenge.publicity_until),
        name=name,
        content=content,
        received_on=received_on,
        contact=contact,
        reason="登记揭榜公示异议",
    )


def resolve_objection(
    acting_user, objection: ChallengeObjection, *, upheld: bool, resolution: str
) -> ChallengeObjection:
    _keeping(acting_user, objection.challenge)
    return approval.settle_objection(
        acting_user, objection, upheld=upheld, resolution=resolution, reason="处理揭榜公示异议"
    )


# --- 签约 ----------------------------------------------------------------------------------------------


def may_sign(challenge: Challenge, user) -> str | None:
    today = timezone.localdate()
    if challenge.publicity_until is None or today <= challenge.publicity_until:
        until = f"{challenge.publicity_until:%Y-%m-%d}" if challenge.publicity_until else "—"
        return f"公示期至 {until}，期满后方可签约。"
    open_count = challenge.objections.filter(status=ObjectionStatus.OPEN).count()
    if open_count:
        return f"尚有 {open_count} 件异议未处理。"
    if challenge.objections.filter(upheld=True).exists():
        return "有异议成立：请撤回公示、重新遴选。"
    return None


def split(bid: Bid, challenge: Challenge) -> list[tuple[Decimal, Decimal]]:
    """Each milestone's (district, owner) payment: the bid's price shared in the proportion of the district's
    support to the owner's co-funding, never beyond either; the last milestone takes the cents."""
    milestones = list(bid.milestones.order_by("sequence"))
    total = challenge.budget
    price = bid.price
    district = (
        min(challenge.support, (price * challenge.support / total).quantize(CENT, rounding=ROUND_DOWN))
        if total
        else Decimal("0")
    )
    owner = min(challenge.co_funding, price - district)
    district = min(challenge.support, price - owner)
    result, left_d, left_o = [], district, owner
    for n, m in enumerate(milestones):
        if n == len(milestones) - 1:
            d, o = left_d, left_o
        else:
            share = m.amount / price if price else Decimal("0")
            d = min(left_d, (district * share).quantize(CENT, rounding=ROUND_DOWN))
            o = min(left_o, (owner * share).quantize(CENT, rounding=ROUND_DOWN))
        left_d -= d
        left_o -= o
        result.append((d, o))
    return result


def project_number(challenge: Challenge, year: int) -> str:
    return f"JBGS-{year}-{challenge.pk:03d}"


def sign(acting_user, challenge: Challenge, *, signed_on: date | None = None) -> Challenge:
    """签约: the winner's 揭榜挂帅 project — its enterprise, or the winner's name as the unit; funding the
    district's support — 受理 and 立项 through the project's workflow (which opens its 任务书), the 任务书's
    co-funding, milestones (from the winning bid, months after signing) and indicators (the list's), submitted
    and signed; the list 已签约. One transaction: all of it, or nothing."""
    _keeping(acting_user, challenge)
    refusal = may_sign(challenge, acting_user)
    if refusal:
        raise ActionRefused(refusal)
    signed_on = signed_on or timezone.localdate()
    bid = Bid.objects.filter(pk=challenge.winner_id).first()
    if bid is None or bid.status != BidStatus.SELECTED:
        raise ActionRefused("尚未确定揭榜方。")
    if challenge.publicity_until and signed_on <= challenge.publicity_until:
        raise ValidationError(
            {"signed_on": f"签约日期应在公示截止日期（{challenge.publicity_until:%Y-%m-%d}）之后。"}
        )
    milestones = list(bid.milestones.order_by("sequence"))
    if not milestones:
        raise ActionRefused("中榜方案没有里程碑，不能形成任务书。")
    ends_on = add_months(signed_on, max(m.months for m in milestones))
    indicators = [line.strip() for line in challenge.indicators.splitlines() if line.strip()] or [
        challenge.title
    ]
    with transaction.atomic(), audit_context(actor=acting_user, reason=f"揭榜挂帅签约：{challenge.title}"):
        project = Project(
            year=signed_on.year,
            number=project_number(challenge, signed_on.year),
            name=challenge.title[:200],
            category=Category.CHALLENGE,
            department=challenge.department,
            enterprise=bid.enterprise,
            unit_name="" if bid.enterprise_id else bid.bidder_name,
            status=ProjectStatus.APPLIED,
            applied_on=min(bid.submitted_on or signed_on, signed_on),
            funding=challenge.support,
            self_funding=Decimal("0"),
            discipline=challenge.discipline,
            summary=challenge.goal,
            call=None,
            note=f"揭榜挂帅榜单“{challenge.title}”（发榜企业：{challenge.enterprise.name}）",
        )
        if project.applied_on.year < signed_on.year - 1:
            project.applied_on = date(signed_on.year - 1, 1, 1)
        project.full_clean()
        project.save()
        project.tasks.set(challenge.tasks.all())  # the project carries out the plan's tasks of its list
        workflow.perform(project, "accept", acting_user, comment="揭榜挂帅：公示期满，揭榜方确定")
        workflow.perform(
            project,
            "approve",
            acting_user,
            comment=f"揭榜挂帅签约：{challenge.title}",
            changes={"approved_on": signed_on, "funding": challenge.support, "planned_end_on": ends_on},
        )
        task_book = TaskBook.objects.get(project=project)
        task_book.owner_funding = challenge.co_funding
        task_book.ends_on = ends_on
        task_book.goals = f"{challenge.goal}\n\n技术方案：{bid.plan}"
        task_book.full_clean()
        task_book.save()
        for m, (district, owner) in zip(milestones, split(bid, challenge), strict=True):
            Milestone.objects.create(
                task_book=task_book,
                sequence=m.sequence,
                title=m.title,
                due_on=min(add_months(signed_on, m.months), ends_on),
                deliverable=m.deliverable,
                district_payment=district,
                owner_payment=owner,
            )
        for line in indicators:
            PromisedIndicator.objects.get_or_create(
                task_book=task_book, name=line[:100], defaults={"unit": "项", "promised": Decimal("1")}
            )
        contracts.submit(acting_user, task_book)
        contracts.sign(
            acting_user, TaskBook.objects.get(pk=task_book.pk), signed_on=signed_on, comment="揭榜挂帅签约"
        )
        return workflow.perform(
            challenge,
            "sign",
            acting_user,
            comment=f"签订任务书 {task_book.number}",
            changes={"project": Project.objects.get(pk=project.pk), "signed_on": signed_on},
        )
