"""The lists' and bids' sheets (exports with the registries' filters; what they show is what the list
shows — nothing confidential, no contact)."""

from kechuang.org.roles import Capability
from kechuang.tabular.columns import Column
from kechuang.tabular.registry import ID_HEADER, Sheet, register
from kechuang.web.registry import get_registry


@register
class ChallengeSheet(Sheet):
    key = "challenges"
    title = "揭榜挂帅榜单"
    registry = "challenges"
    view_capability = Capability.VIEW_CHALLENGES
    import_capability = ""  # needs are posted and refined on their pages, through the workflow
    natural_key = ("title",)
    columns = [
        Column("year", "年度", kind="int"),
        Column("title", "榜单名称", required=True, max_length=200, width=36),
        Column("enterprise", "发榜企业", max_length=200, width=30),
        Column("discipline", "技术领域", max_length=50, width=16),
        Column("goal", "攻关目标", width=40),
        Column("indicators", "主要技术指标", width=40),
        Column("co_funding", "需求方出资（元）", kind="decimal", width=16),
        Column("support", "申请区级支持（元）", kind="decimal", width=16),
        Column("deadline", "揭榜截止日期", kind="date"),
        Column("published_on", "发榜日期", kind="date"),
        Column("status", "状态", max_length=10),
        Column("winner", "揭榜方", max_length=200, width=30),
        Column("project", "揭榜项目编号", max_length=40, width=18),
    ]

    def queryset(self, user):
        return (
            get_registry("challenges")
            .queryset(user)
            .select_related("enterprise", "discipline", "winner", "project")
            .order_by("-year", "-pk")
        )

    def export_row(self, c) -> dict:
        return {
            ID_HEADER: c.pk,
            "year": c.year,
            "title": c.title,
            "enterprise": c.enterprise.name,
            "discipline": c.discipline.name,
            "goal": c.goal,
            "indicators": c.indicators,
            "co_funding": c.co_funding,
            "support": c.support,
            "deadline": c.deadline,
            "published_on": c.published_on,
            "status": c.status,
            "winner": c.winner.bidder_name if c.winner_id and c.status in ("公示中", "已签约") else "",
            "project": c.project.number if c.project_id else "",
        }


@register
class BidSheet(Sheet):
    key = "challenge-bids"
    title = "揭榜方案"
    registry = "challenge-bids"
    view_capability = Capability.VIEW_CHALLENGES
    import_capability = ""  # a bid is filled in by its bidder on its page
    natural_key = ("challenge", "bidder_name")
    columns = [
        Column("challenge", "榜单", required=True, max_length=200, width=36),
        Column("bidder_name", "揭榜单位", required=True, max_length=200, width=30),
        Column("bidder_kind", "单位类型", max_length=10),
        Column("price", "报价（元）", kind="decimal", width=16),
        Column("milestones", "里程碑数", kind="int"),
        Column("submitted_on", "提交日期", kind="date"),
        Column("status", "状态", max_length=10),
    ]

    def queryset(self, user):
        return (
            get_registry("challenge-bids")
            .queryset(user)
            .select_related("challenge")
            .prefetch_related("milestones")
            .order_by("-pk")
        )

    def export_row(self, b) -> dict:
        return {
            ID_HEADER: b.pk,
            "challenge": b.challenge.title,
            "bidder_name": b.bidder_name,
            "bidder_kind": b.bidder_kind,
            "price": b.price,
            "milestones": len(b.milestones.all()),
            "submitted_on": b.submitted_on,
            "status": b.status,
        }
