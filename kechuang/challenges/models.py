"""揭榜挂帅 (challenge lists): an enterprise posts a technical need (`Challenge`), the bureau refines and
publishes it, service institutions, universities, institutes and enterprises bid (`Bid` with its
`BidMilestone`s), experts review the bids (a 揭榜评审 round of `kechuang.reviews`), the bureau selects the
winner, which is published for a number of working days (`ChallengeObjection`s recorded and resolved), and
signing makes the winner's project (`projects.Project`, category 揭榜挂帅) with its 任务书: the milestones of
the winning bid, their payments split between the need's owner and the district."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kechuang.core.personal import PersonalField
from kechuang.enterprises.models import Enterprise
from kechuang.org.models import Department
from kechuang.org.roles import Capability
from kechuang.org.scoperule import ScopeRule
from kechuang.projects.models import ObjectionRecord, Project  # an objection as at 立项
from kechuang.reviews.models import Discipline, ReviewRound
from kechuang.workflow.engine import Todo, Transition, Workflow

MONEY = {"max_digits": 18, "decimal_places": 2, "default": Decimal("0")}  # 元


def _list_of(status):
    return lambda user: f"{reverse('challenges:list')}?status={status}"


class Status(models.TextChoices):
    DRAFT = "草稿", _("草稿")
    SUBMITTED = "待审核", _("待审核")
    RETURNED = "退回修改", _("退回修改")
    REJECTED = "不予发榜", _("不予发榜")
    ACCEPTED = "待发榜", _("待发榜")
    PUBLISHED = "揭榜中", _("揭榜中")
    REVIEW = "方案评审", _("方案评审")
    PUBLICITY = "公示中", _("公示中")
    SIGNED = "已签约", _("已签约")


# what the public pages and every account with challenges.view read (besides the owner and the bureau)
PUBLIC_STATUSES = (Status.PUBLISHED, Status.REVIEW, Status.PUBLICITY, Status.SIGNED)


class Challenge(models.Model):
    """One technical need of one enterprise: posted, refined, published as a list, bid for, decided."""

    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("榜单名称"), max_length=200)
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="challenges", verbose_name=_("发榜企业")
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="challenges",
        verbose_name=_("受理单位"),
        help_text=_("审核、发榜和组织揭榜的部门（区科技局）；决定谁能办理"),
    )
    discipline = models.ForeignKey(
        Discipline,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("技术领域"),
        help_text=_("评审专家按此领域匹配"),
    )
    goal = models.TextField(_("攻关目标"))
    tasks = models.ManyToManyField(
        "plans.Task",
        blank=True,
        related_name="challenges",
        verbose_name=_("落实的计划任务"),
        help_text=_("本榜单落实的行动方案任务（科技局审核时确定）；签约后的项目沿用这些任务"),
    )
    indicators = models.TextField(_("主要技术指标"), help_text=_("每行一项，验收时逐项考核"))
    co_funding = models.DecimalField(_("需求方出资（元）"), **MONEY)
    support = models.DecimalField(_("申请区级支持（元）"), **MONEY)
    deadline = models.DateField(_("揭榜截止日期"), help_text=_("此日（含）之前可提交揭榜方案"))
    confidential = models.TextField(
        _("保密内容"),
        blank=True,
        help_text=_("现有工艺、内部数据等技术细节：不公开，仅发榜企业和科技局可见"),
    )
    contact_name = models.CharField(_("需求联系人"), max_length=50, blank=True)
    contact_phone = PersonalField(_("联系电话"), kind="phone", max_length=30, blank=True)
    published_on = models.DateField(_("发榜日期"), null=True, blank=True)
    review_round = models.ForeignKey(
        ReviewRound,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("评审轮次"),
    )
    winner = models.ForeignKey(
        "Bid", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("中榜方案")
    )
    selection_reason = models.TextField(_("遴选理由"), blank=True)
    publicity_days = models.PositiveSmallIntegerField(_("公示期（工作日）"), default=5)
    publicity_from = models.DateField(_("公示开始日期"), null=True, blank=True)
    publicity_until = models.DateField(_("公示截止日期"), null=True, blank=True)
    project = models.OneToOneField(
        Project,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="challenge",
        verbose_name=_("揭榜项目"),
    )
    signed_on = models.DateField(_("签约日期"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)

    scope_rule = ScopeRule(department="department", owner="enterprise__users")

    # 草稿 → 待审核 → 待发榜 (凝练: the bureau refines title and goal) / 退回修改 / 不予发榜 → 揭榜中 (published:
    # the public list) → 方案评审 (after the deadline: the bids to a 揭榜评审 round) → 公示中 (the winner
    # selected, working days) → 已签约 (the project and its 任务书); an upheld objection withdraws the 公示.
    workflow = Workflow(
        states=Status,
        view_capability=Capability.VIEW_CHALLENGES,
        transitions=[
            Transition(
                "submit",
                "提交需求",
                [Status.DRAFT, Status.RETURNED],
                Status.SUBMITTED,
                Capability.POST_CHALLENGES,
                allowed="kechuang.challenges.needs.may_submit",
            ),
            Transition(
                "accept",
                "审核通过（凝练）",
                [Status.SUBMITTED],
                Status.ACCEPTED,
                Capability.MANAGE_CHALLENGES,
                by="page",
            ),
            Transition(
                "return",
                "退回修改",
                [Status.SUBMITTED],
                Status.RETURNED,
                Capability.MANAGE_CHALLENGES,
                comment_required=True,
            ),
            Transition(
                "reject",
                "不予发榜",
                [Status.SUBMITTED],
                Status.REJECTED,
                Capability.MANAGE_CHALLENGES,
                comment_required=True,
            ),
            Transition(
                "publish",
                "发榜",
                [Status.ACCEPTED],
                Status.PUBLISHED,
                Capability.MANAGE_CHALLENGES,
                allowed="kechuang.challenges.needs.may_publish",
                then=("kechuang.challenges.needs.stamp_published",),
            ),
            Transition(
                "review",
                "组织揭榜评审",
                [Status.PUBLISHED],
                Status.REVIEW,
                Capability.MANAGE_CHALLENGES,
                allowed="kechuang.challenges.selection.may_review",
                by="page",
            ),
            Transition(
                "select",
                "确定揭榜方（公示）",
                [Status.REVIEW],
                Status.PUBLICITY,
                Capability.MANAGE_CHALLENGES,
                allowed="kechuang.challenges.selection.may_select",
                by="page",
            ),
            Transition(
                "withdraw",
                "撤回公示（重新遴选）",
                [Status.PUBLICITY],
                Status.REVIEW,
                Capability.MANAGE_CHALLENGES,
                comment_required=True,
                reopen=True,
                sets={
                    "winner": None,
                    "publicity_from": None,
                    "publicity_until": None,
                    "selection_reason": "",
                },
                then=("kechuang.challenges.selection.reopen_bids",),
            ),
            Transition(
                "sign",
                "签约",
                [Status.PUBLICITY],
                Status.SIGNED,
                Capability.MANAGE_CHALLENGES,
                allowed="kechuang.challenges.selection.may_sign",
                by="page",
            ),
        ],
        todos=[
            Todo(Status.DRAFT, "未提交的揭榜需求", Capability.POST_CHALLENGES),
            Todo(Status.RETURNED, "退回修改的揭榜需求", Capability.POST_CHALLENGES),
            Todo(
                Status.SUBMITTED,
                "待审核的揭榜需求",
                Capability.MANAGE_CHALLENGES,
                url=_list_of(Status.SUBMITTED),
            ),
            Todo(Status.ACCEPTED, "待发榜的榜单", Capability.MANAGE_CHALLENGES),
            Todo(
                Status.PUBLISHED,
                "揭榜已截止、待组织评审的榜单",
                Capability.MANAGE_CHALLENGES,
                narrow="kechuang.challenges.needs.past_deadline",
            ),
            Todo(Status.REVIEW, "待确定揭榜方的榜单", Capability.MANAGE_CHALLENGES),
            Todo(Status.PUBLICITY, "公示中的揭榜结果", Capability.MANAGE_CHALLENGES),
        ],
    )

    class Meta:
        verbose_name = _("揭榜挂帅榜单")
        verbose_name_plural = _("揭榜挂帅榜单")
        ordering = ["-year", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(co_funding__gte=0) & Q(support__gte=0),
                name="challenge_amounts_not_negative",
                violation_error_message="金额不能为负数。",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("challenges:detail", args=[self.pk])

    @property
    def budget(self) -> Decimal:
        """What the work may cost: the owner's co-funding and the district's support."""
        return (self.co_funding or 0) + (self.support or 0)

    def clean(self) -> None:
        errors = {}
        if self.co_funding is not None and self.co_funding < 0:
            errors["co_funding"] = "需求方出资不能为负数。"
        if self.support is not None and self.support < 0:
            errors["support"] = "申请区级支持不能为负数。"
        if self.publicity_days is not None and self.publicity_days < 5:
            errors["publicity_days"] = "公示期不少于 5 个工作日。"
        if self.status == Status.SIGNED and self.project_id is None:
            errors["project"] = "已签约的榜单须有揭榜项目。"
        if errors:
            raise ValidationError(errors)


class BidderKind(models.TextChoices):
    ENTERPRISE = "企业", _("企业")
    UNIVERSITY = "高校", _("高校")
    INSTITUTE = "科研院所", _("科研院所")
    SERVICE = "服务机构", _("科技服务机构")


class BidStatus(models.TextChoices):
    DRAFT = "草稿", _("草稿")
    SUBMITTED = "已提交", _("已提交")
    SELECTED = "中榜", _("中榜")
    UNSUCCESSFUL = "未中榜", _("未中榜")


class Bid(models.Model):
    """揭榜方案: one organisation's answer to a list — its team, plan, milestones and price."""

    challenge = models.ForeignKey(
        Challenge, on_delete=models.PROTECT, related_name="bids", verbose_name=_("榜单")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="challenge_bids",
        verbose_name=_("填报账号"),
    )
    bidder_name = models.CharField(_("揭榜单位"), max_length=200)
    bidder_kind = models.CharField(_("单位类型"), max_length=10, choices=BidderKind.choices)
    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="challenge_bids",
        verbose_name=_("揭榜企业"),
        help_text=_("揭榜单位是登记企业时"),
    )
    team = models.TextField(_("研发团队"), blank=True, help_text=_("负责人、核心成员及其研究基础"))
    plan = models.TextField(_("技术方案"), blank=True, help_text=_("技术路线、关键技术、预期成果"))
    price = models.DecimalField(_("报价（元）"), **MONEY, help_text=_("完成全部任务所需经费，不超过榜单总额"))
    submitted_on = models.DateField(_("提交日期"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=BidStatus.choices, default=BidStatus.DRAFT)

    scope_rule = ScopeRule(department="challenge__department", owner="owner")

    # 草稿 → 已提交 (by the deadline) → 中榜 / 未中榜 (the bureau's selection; back to 已提交 when a 公示 is
    # withdrawn)
    workflow = Workflow(
        states=BidStatus,
        view_capability=Capability.VIEW_CHALLENGES,
        transitions=[
            Transition(
                "submit",
                "提交揭榜方案",
                [BidStatus.DRAFT],
                BidStatus.SUBMITTED,
                Capability.BID_CHALLENGES,
                allowed="kechuang.challenges.bidding.may_submit",
                then=("kechuang.challenges.bidding.stamp_submitted",),
            ),
            Transition(
                "win",
                "中榜",
                [BidStatus.SUBMITTED],
                BidStatus.SELECTED,
                Capability.MANAGE_CHALLENGES,
                by="system",
            ),
            Transition(
                "lose",
                "未中榜",
                [BidStatus.SUBMITTED],
                BidStatus.UNSUCCESSFUL,
                Capability.MANAGE_CHALLENGES,
                by="system",
            ),
            Transition(
                "reconsider",
                "重新遴选",
                [BidStatus.SELECTED, BidStatus.UNSUCCESSFUL],
                BidStatus.SUBMITTED,
                Capability.MANAGE_CHALLENGES,
                by="system",
            ),
        ],
        todos=[Todo(BidStatus.DRAFT, "未提交的揭榜方案", Capability.BID_CHALLENGES)],
    )

    class Meta:
        verbose_name = _("揭榜方案")
        verbose_name_plural = _("揭榜方案")
        ordering = ["challenge", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(price__gte=0),
                name="bid_price_not_negative",
                violation_error_message="金额不能为负数。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bidder_name}：{self.challenge.title}"

    def get_absolute_url(self) -> str:
        return reverse("challenge-bids:detail", args=[self.pk])

    def clean(self) -> None:
        if self.price is not None and self.price < 0:
            raise ValidationError({"price": "报价不能为负数。"})


class BidMilestone(models.Model):
    """A milestone a bid proposes: what is delivered how many months after signing, for how much."""

    bid = models.ForeignKey(
        Bid, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("揭榜方案")
    )
    sequence = models.PositiveSmallIntegerField(_("序号"))
    title = models.CharField(_("里程碑"), max_length=200)
    months = models.PositiveSmallIntegerField(_("签约后月数"))
    deliverable = models.CharField(_("交付成果"), max_length=300)
    amount = models.DecimalField(_("本阶段经费（元）"), **MONEY)

    scope_rule = ScopeRule(department="bid__challenge__department", owner="bid__owner")

    class Meta:
        verbose_name = _("揭榜里程碑")
        verbose_name_plural = _("揭榜里程碑")
        ordering = ["bid", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["bid", "sequence"], name="bid_milestone_once"),
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="bid_milestone_not_negative",
                violation_error_message="金额不能为负数。",
            ),
        ]

    def __str__(self) -> str:
        return f"里程碑{self.sequence}：{self.title}"


class ChallengeObjection(ObjectionRecord):
    """异议 received during the 公示 of a list's winner, and how it was resolved."""

    challenge = models.ForeignKey(
        Challenge, on_delete=models.CASCADE, related_name="objections", verbose_name=_("榜单")
    )

    scope_rule = ScopeRule(department="challenge__department")

    class Meta:
        verbose_name = _("揭榜公示异议")
        verbose_name_plural = _("揭榜公示异议")
        ordering = ["challenge", "received_on", "pk"]
