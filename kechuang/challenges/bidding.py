"""揭榜: a service institution, university, institute or enterprise answers a published list with its team,
plan, milestones and price — a draft, submitted by the deadline (after it, nothing is submitted). The need's
owner never bids on its own list.

Who sees a bid: its bidder (the account that filed it), the bureau — and the need's owner the winning bid
only, once it is selected (公示 onward); the other bids stay between their bidders and the bureau."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from kechuang.core.context import audit_context
from kechuang.org.actions import ActionRefused
from kechuang.org.roles import Capability
from kechuang.org.scope import has_capability, may_act_on, visible_to
from kechuang.workflow import engine as workflow

from .models import Bid, BidderKind, BidMilestone, BidStatus, Challenge, Status

BID_FIELDS = ("bidder_name", "bidder_kind", "team", "plan", "price")


def own_need(challenge: Challenge, user) -> bool:
    return challenge.enterprise.users.filter(pk=user.pk).exists()


def open_refusal(challenge: Challenge) -> str | None:
    if challenge.status != Status.PUBLISHED:
        return f"榜单当前状态为“{challenge.status}”，不接受揭榜。"
    if challenge.deadline < timezone.localdate():
        return f"揭榜已于 {challenge.deadline:%Y-%m-%d} 截止，不能再提交揭榜方案。"
    return None


def start(acting_user, challenge: Challenge) -> Bid:
    """A draft bid of the acting account on a published list (its existing draft or submitted bid instead)."""
    if not has_capability(acting_user, Capability.BID_CHALLENGES):
        raise ActionRefused("您没有揭榜的权限（服务机构、高校、科研院所和企业用户可以揭榜）。")
    refusal = open_refusal(challenge)
    if refusal:
        raise ActionRefused(refusal)
    if own_need(challenge, acting_user):
        raise ActionRefused("发榜企业不能揭自己发布的榜单。")
    existing = Bid.objects.filter(challenge=challenge, owner=acting_user).order_by("pk").first()
    if existing is not None:
        return existing
    enterprise = acting_user.enterprises.exclude(pk=challenge.enterprise_id).order_by("pk").first()
    bid = Bid(
        challenge=challenge,
        owner=acting_user,
        enterprise=enterprise,
        bidder_name=enterprise.name if enterprise else (acting_user.display_name or acting_user.username),
        bidder_kind=BidderKind.ENTERPRISE if enterprise else BidderKind.SERVICE,
    )
    bid.full_clean()
    with audit_context(actor=acting_user, reason="揭榜"), transaction.atomic():
        bid.save()
    return bid


# --- milestones as the form writes them: one a line ------------------------------------------------------

SEPARATORS = re.compile(r"\s*[|｜\t]\s*")
MILESTONE_HELP = "每行一个里程碑：名称｜签约后第几个月完成｜交付成果｜本阶段经费（元），如“样机试制｜6｜样机 1 台及测试报告｜300000”"


def milestone_lines(bid: Bid) -> str:
    return "\n".join(
        f"{m.title}｜{m.months}｜{m.deliverable}｜{m.amount:f}" for m in bid.milestones.order_by("sequence")
    )


def parse_milestones(text: str) -> list[BidMilestone]:
    """The rows of the milestone text; every error names its line."""
    errors, rows = [], []
    for number, line in enumerate((text or "").splitlines(), 1):
        if not line.strip():
            continue
        parts = SEPARATORS.split(line.strip())
        if len(parts) != 4:
            errors.append(f"第 {number} 行：应为“名称｜月数｜交付成果｜经费”四项，以“｜”分隔。")
            continue
        title, months, deliverable, amount = parts
        try:
            months = int(months)
            if not 1 <= months <= 120:
                raise ValueError
        except ValueError:
            errors.append(f"第 {number} 行：月数“{parts[1]}”应为 1 至 120 的整数。")
            continue
        try:
            amount = Decimal(amount.replace(",", "").replace("，", ""))
            if amount < 0 or amount != amount.quantize(Decimal("0.01")):
                raise InvalidOperation
        except InvalidOperation:
            errors.append(f"第 {number} 行：经费“{parts[3]}”应为不小于 0 的金额（元，最多两位小数）。")
            continue
        if not title or not deliverable:
            errors.append(f"第 {number} 行：请填写里程碑名称和交付成果。")
            continue
        rows.append(
            BidMilestone(
                sequence=len(rows) + 1,
                title=title[:200],
                months=months,
                deliverable=deliverable[:300],
                amount=amount,
            )
        )
    months = [m.months for m in rows]
    if months != sorted(months):
        errors.append("里程碑应按完成时间先后排列。")
    if errors:
        raise ValidationError({"milestones": errors})
    return rows


def _filing(acting_user, bid: Bid) -> None:
    if not may_act_on(acting_user, bid, Capability.BID_CHALLENGES):
        raise ActionRefused("您没有修改该揭榜方案的权限。")
    if bid.status != BidStatus.DRAFT:
        raise ActionRefused(f"揭榜方案已{bid.status}，不能再修改。")


def save_bid(acting_user, bid: Bid, *, reason: str = "", milestones: str | None = None, **fields) -> Bid:
    """The bidder's changes to its draft (the milestones given as their lines); unchanged values write
    nothing."""
    _filing(acting_user, bid)
    unknown = set(fields) - set(BID_FIELDS)
    if unknown:
        raise ActionRefused(f"不能在此修改：{'、'.join(sorted(unknown))}。")
    for name, value in fields.items():
        if isinstance(value, str):
            value = value.replace("\r\n", "\n").replace("\r", "\n").strip()
        setattr(bid, name, value)
    bid.full_clean()
    rows = parse_milestones(milestones) if milestones is not None else None
    with audit_context(actor=acting_user, reason=reason or "修改揭榜方案"), transaction.atomic():
        status = Bid.objects.select_for_update().filter(pk=bid.pk).values_list("status", flat=True).first()
        if status != BidStatus.DRAFT:
            raise ActionRefused(f"揭榜方案已{status}，不能再修改，请刷新页面。")
        bid.save()
        if rows is not None:
            _replace_milestones(bid, rows)
    return bid


def _replace_milestones(bid: Bid, rows: list[BidMilestone]) -> None:
    stored = {m.sequence: m for m in bid.milestones.all()}
    fields = ("title", "months", "deliverable", "amount")
    for row in rows:
        old = stored.pop(row.sequence, None)
        if old is None:
            row.bid = bid
            row.save()
        elif any(getattr(old, f) != getattr(row, f) for f in fields):
            for f in fields:
                setattr(old, f, getattr(row, f))
            old.save()
    for old in stored.values():
        old.delete()


def may_submit(bid: Bid, user) -> str | None:
    challenge = bid.challenge
    refusal = open_refusal(challenge)
    if refusal:
        return refusal
    if user is not None and own_need(challenge, user):
        return "发榜企业不能揭自己发布的榜单。"
    if bid.enterprise_id and bid.enterprise_id == challenge.enterprise_id:
        return "发榜企业不能揭自己发布的榜单。"
    found = []
    if not bid.team.strip() or not bid.plan.strip():
        found.append("请填写研发团队和技术方案。")
    milestones = list(bid.milestones.all())
    if not milestones:
        found.append("请至少填写一个里程碑。")
    if not bid.price or bid.price <= 0:
        found.append("请填写报价。")
    elif bid.price > challenge.budget:
        found.append(
            f"报价 {bid.price:,.2f} 元超过榜单总额 {challenge.budget:,.2f} 元（需求方出资与区级支持之和）。"
        )
    total = sum((m.amount for m in milestones), Decimal("0"))
    if milestones and total != bid.price:
        found.append(f"各里程碑经费合计 {total:,.2f} 元，与报价 {bid.price:,.2f} 元不一致。")
    return " ".join(found) or None


def stamp_submitted(bid: Bid, event) -> None:
    bid.submitted_on = timezone.localdate()
    bid.save(update_fields=["submitted_on"])


def submit(acting_user, bid: Bid) -> Bid:
    return workflow.perform(bid, "submit", acting_user)


def readable(user, queryset):
    """The bids `user` may read: the scope's (own bids; the bureau's all), and to the need's owner its
    lists' winning bids."""
    if not has_capability(user, Capability.VIEW_CHALLENGES):
        return queryset.none()
    own = visible_to(user, queryset, Capability.VIEW_CHALLENGES)
    winning = queryset.filter(
        status=BidStatus.SELECTED, challenge__enterprise__in=user.enterprises.values("pk")
    )
    return queryset.filter(Q(pk__in=own.values("pk")) | Q(pk__in=winning.values("pk")))
