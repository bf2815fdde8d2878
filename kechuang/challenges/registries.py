"""The list and bid registries, declared once: filters, lists, forms, actions, sheets, menus and APIs.

榜单: a published list (揭榜中 onward) is read by every holder of challenges.view — bidders choose from
them —; drafts and needs under review only by their enterprise and the bureau. The confidential details
and the contacts are on the list's page for those two only; never in a list, an export or the API.
揭榜方案: `bidding.readable` (the bidder its own; the bureau all; the need's owner the winning one)."""

from django.db.models import Q
from django.http import Http404

from kechuang.org.roles import Capability
from kechuang.org.scope import has_capability, visible_to
from kechuang.reviews.models import Discipline
from kechuang.web import filters
from kechuang.web.registry import Column, Menu, Registry, register

from . import bidding, needs
from .forms import BidForm, NeedForm
from .models import PUBLIC_STATUSES, Bid, BidStatus, Challenge, Status


def readable_challenges(user, queryset):
    """The scope's lists (the owner's, the bureau's) and every published one."""
    if not has_capability(user, Capability.VIEW_CHALLENGES):
        return queryset.none()
    own = visible_to(user, queryset, Capability.VIEW_CHALLENGES)
    return queryset.filter(Q(pk__in=own.values("pk")) | Q(status__in=PUBLIC_STATUSES))


def _disciplines(request):
    return Discipline.objects.order_by("order", "name")


class ChallengeFilters(filters.RegistryFilterSet):
    q = filters.SearchFilter("title", "enterprise__name", label="榜单名称或发榜企业")
    year = filters.YearFilter(field_name="year", label="年度")
    status = filters.ChoiceFilter(field_name="status", choices=Status.choices, label="状态")
    discipline = filters.ModelChoiceFilter(field_name="discipline", queryset=_disciplines, label="技术领域")

    class Meta:
        model = Challenge
        fields = []


class _Readable:
    """list, page, export and API through one reading rule"""

    def queryset(self, user, capability=None):
        if capability in (None, self.view_capability):
            return self.readable(user, self.base_queryset())
        return super().queryset(user, capability)

    def get(self, user, pk, capability=None):
        if capability in (None, self.view_capability):
            try:
                return self.queryset(user).get(pk=pk)
            except (self.model.DoesNotExist, ValueError, TypeError) as exc:
                raise Http404("记录不存在或不在您的数据范围内") from exc
        return super().get(user, pk, capability)


@register
class ChallengeRegistry(_Readable, Registry):
    key = "challenges"
    model = Challenge
    label = "揭榜挂帅榜单"
    filterset = ChallengeFilters
    select_related = ("enterprise", "discipline", "department")
    ordering = ("-year", "-pk")
    columns = [
        Column("title", link=True),
        Column("enterprise__name", "发榜企业"),
        Column("discipline__name", "技术领域"),
        Column("year"),
        Column("deadline"),
        Column("status"),
        Column("budget", "榜单总额（万元）", money=True),
    ]
    form = NeedForm
    create_label = "发布技术需求"
    workflow_title = "榜单办理"
    view_capability = Capability.VIEW_CHALLENGES
    change_capability = Capability.POST_CHALLENGES
    save = staticmethod(needs.save_need)
    sheet = "challenges"
    detail_template = "challenges/detail.html"
    detail_fields = []  # the page states its own facts (confidential ones to the owner and the bureau only)
    menu = Menu("揭榜挂帅", group="平台与项目", order=45)
    api_fields = [
        "id",
        "year",
        "title",
        "enterprise_id",
        "discipline_id",
        "goal",
        "indicators",
        "co_funding",
        "support",
        "deadline",
        "published_on",
        "publicity_from",
        "publicity_until",
        "winner_id",
        "project_id",
        "signed_on",
        "status",
    ]

    readable = staticmethod(readable_challenges)

    def can_change(self, user, obj=None) -> bool:
        return super().can_change(user, obj) and (obj is None or obj.status in needs.EDITABLE)

    def detail_context(self, request, obj):
        from .views import challenge_context

        return challenge_context(request, obj)


class BidFilters(filters.RegistryFilterSet):
    q = filters.SearchFilter("bidder_name", "challenge__title", label="揭榜单位或榜单")
    year = filters.YearFilter(field_name="challenge__year", label="榜单年度")
    status = filters.ChoiceFilter(field_name="status", choices=BidStatus.choices, label="状态")

    class Meta:
        model = Bid
        fields = []


@register
class BidRegistry(_Readable, Registry):
    """揭榜方案: started from the list's page (我要揭榜), edited here while a draft, submitted from its page."""

    key = "challenge-bids"
    model = Bid
    label = "揭榜方案"
    filterset = BidFilters
    select_related = ("challenge", "challenge__enterprise", "owner")
    ordering = ("-pk",)
    columns = [
        Column("bidder_name", link=True),
        Column("challenge__title", "榜单"),
        Column("bidder_kind"),
        Column("submitted_on"),
        Column("status"),
        Column("price", "报价（万元）", money=True),
    ]
    form = BidForm
    workflow_title = "方案办理"
    view_capability = Capability.VIEW_CHALLENGES
    change_capability = Capability.BID_CHALLENGES
    save = staticmethod(lambda acting_user, obj, **fields: bidding.save_bid(acting_user, obj, **fields))
    sheet = "challenge-bids"
    detail_template = "challenges/bid_detail.html"
    detail_fields = [
        "challenge",
        "bidder_name",
        "bidder_kind",
        "team",
        "plan",
        "price",
        "submitted_on",
        "status",
    ]
    menu = Menu("揭榜方案", group="平台与项目", order=46)
    api_fields = [
        "id",
        "challenge_id",
        "bidder_name",
        "bidder_kind",
        "enterprise_id",
        "price",
        "submitted_on",
        "status",
    ]

    readable = staticmethod(bidding.readable)

    def urls(self):
        # no create page: a bid starts from its list's page (我要揭榜)
        return [p for p in super().urls() if p.name != "create"]

    def can_create(self, user) -> bool:
        return False

    def can_change(self, user, obj=None) -> bool:
        return super().can_change(user, obj) and (obj is None or obj.status == BidStatus.DRAFT)

    def detail_context(self, request, obj):
        return {"milestones": list(obj.milestones.order_by("sequence"))}
