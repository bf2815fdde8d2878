"""科技创新政策扶持工程 (programme 6): the district's policy documents and their instruments (奖补条款), each
with its eligibility conditions and amount rule as versioned data (`Rule`), a yearly budget with its
adjustments; 免申即享 rounds that list the enterprises the registries show eligible (`BenefitRound`,
`BenefitLine`); and what the district commits (`Grant`, 兑现) and pays (`Disbursement`, 拨付).

A rule's conditions and amount are JSON the bureau edits (`rules.py` checks, evaluates and says them in
words; `facts.py` names what they may read from the registries)."""

from __future__ import annotations

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
from kechuang.workflow.engine import Todo, Transition, Workflow

MONEY = {"max_digits": 18, "decimal_places": 2}


class InstrumentKind(models.TextChoices):
    RD_SUBSIDY = "rd_subsidy", _("研发投入补助")
    HTE_AWARD = "hte_award", _("高企认定奖励")
    PLATFORM_AWARD = "platform_award", _("平台奖励")
    TALENT_AWARD = "talent_award", _("人才奖励")
    TRANSFER_AWARD = "transfer_award", _("成果转化奖励")
    VOUCHER = "voucher", _("科技创新券")
    SEED_FUND = "seed_fund", _("种子基金")
    LOAN_COMPENSATION = "loan_compensation", _("知识价值信用贷款风险补偿")
    OTHER = "other", _("其他奖补")


class Mode(models.TextChoices):
    EXEMPT = "exempt", _("免申即享")
    APPLY = "apply", _("申请兑现")


class PolicyDocumentQuerySet(models.QuerySet):
    def in_force(self, day=None):
        """The documents in force on `day` (today)."""
        from django.utils import timezone

        day = day or timezone.localdate()
        return self.filter(effective_from__lte=day).filter(
            Q(effective_to__isnull=True) | Q(effective_to__gte=day)
        )


class PolicyDocument(models.Model):
    """A policy document (《开州区支持科技创新若干财政金融政策》): 文号, title, dates; its articles are the
    instruments."""

    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="policy_documents", verbose_name=_("发文单位")
    )
    number = models.CharField(_("文号"), max_length=60)
    title = models.CharField(_("文件名称"), max_length=200)
    issued_on = models.DateField(_("印发日期"))
    effective_from = models.DateField(_("施行日期"))
    effective_to = models.DateField(_("废止日期"), null=True, blank=True)
    summary = models.TextField(_("要点"), blank=True)
    is_demo = models.BooleanField(_("演示数据"), default=False, help_text=_("示例政策，并非正式文件"))

    objects = PolicyDocumentQuerySet.as_manager()
    scope_rule = ScopeRule(public=True)

    class Meta:
        verbose_name = _("政策文件")
        verbose_name_plural = _("政策文件")
        ordering = ["-effective_from", "number"]
        constraints = [
            models.UniqueConstraint(fields=["department", "number"], name="policy_document_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.title}（{self.number}）"

    def get_absolute_url(self) -> str:
        return reverse("policy-documents:detail", args=[self.pk])

    def clean(self) -> None:
        if self.effective_to and self.effective_from and self.effective_to < self.effective_from:
            raise ValidationError({"effective_to": "废止日期不能早于施行日期。"})


class Instrument(models.Model):
    """One article of a policy: an instrument (研发投入补助, 高企认定奖励 …), who may benefit, how it is
    claimed (免申即享 from the registries, or an application), who checks it first."""

    document = models.ForeignKey(
        PolicyDocument, on_delete=models.PROTECT, related_name="instruments", verbose_name=_("政策文件")
    )
    article = models.CharField(_("条款"), max_length=30, help_text=_("如“第三条”"))
    name = models.CharField(_("政策名称"), max_length=100)
    kind = models.CharField(_("政策类别"), max_length=20, choices=InstrumentKind.choices)
    mode = models.CharField(_("兑现方式"), max_length=10, choices=Mode.choices, default=Mode.APPLY)
    beneficiary = models.CharField(_("支持对象"), max_length=200, help_text=_("如“区内规模以上工业企业”"))
    lead_department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="led_instruments",
        verbose_name=_("牵头单位"),
        help_text=_("受理与初审的单位"),
    )
    expert_review = models.BooleanField(_("须专家评审"), default=False)
    description = models.TextField(_("条款内容"), blank=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=100)

    scope_rule = ScopeRule(public=True)

    class Meta:
        verbose_name = _("政策条款")
        verbose_name_plural = _("政策条款")
        ordering = ["document", "sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["document", "article", "name"], name="instrument_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.document.number} {self.article}）"

    def get_absolute_url(self) -> str:
        return reverse("policy-instruments:detail", args=[self.pk])

    def rule_on(self, day):
        """The rule in force on `day` (None when there is none)."""
        return (
            self.rules.filter(valid_from__lte=day)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
            .order_by("-valid_from", "-version")
            .first()
        )


class Rule(models.Model):
    """A dated version of an instrument's eligibility conditions and amount rule. A new version is a new
    row: what a round or an application was decided by stays as it was."""

    instrument = models.ForeignKey(
        Instrument, on_delete=models.CASCADE, related_name="rules", verbose_name=_("政策条款")
    )
    version = models.PositiveSmallIntegerField(_("版本"))
    valid_from = models.DateField(_("适用起始日"))
    valid_to = models.DateField(_("适用截止日"), null=True, blank=True)
    conditions = models.JSONField(_("享受条件"), default=list, blank=True)
    amount = models.JSONField(_("金额规则"), default=dict)
    basis = models.CharField(_("依据"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("创建人"),
    )

    scope_rule = ScopeRule(public=True)

    class Meta:
        verbose_name = _("兑现规则")
        verbose_name_plural = _("兑现规则")
        ordering = ["instrument", "-valid_from", "-version"]
        constraints = [models.UniqueConstraint(fields=["instrument", "version"], name="rule_version_unique")]

    def __str__(self) -> str:
        return f"{self.instrument.name} 第 {self.version} 版（{self.valid_from:%Y-%m-%d} 起）"

    def clean(self) -> None:
        from .rules import RuleError, check

        if self.valid_to and self.valid_from and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": "适用截止日不能早于起始日。"})
        try:
            check(self.conditions, self.amount)
        except RuleError as exc:
            raise ValidationError({exc.field: exc.messages}) from exc


class Budget(models.Model):
    """An instrument's budget for one year (元); adjustments are recorded, never overwritten."""

    instrument = models.ForeignKey(
        Instrument, on_delete=models.PROTECT, related_name="budgets", verbose_name=_("政策条款")
    )
    year = models.PositiveSmallIntegerField(_("预算年度"))
    amount = models.DecimalField(_("年初预算（元）"), **MONEY)

    scope_rule = ScopeRule(department="instrument__document__department")

    class Meta:
        verbose_name = _("政策预算")
        verbose_name_plural = _("政策预算")
        ordering = ["-year", "instrument"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "year"], name="budget_unique"),
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="budget_not_negative",
                violation_error_message="预算不能为负。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} 年 {self.instrument.name}"


class BudgetAdjustment(models.Model):
    """A recorded change of a year's budget (追加 or 调减), with its reason and document."""

    budget = models.ForeignKey(Budget, on_delete=models.PROTECT, related_name="adjustments")
    amount = models.DecimalField(_("调整金额（元）"), **MONEY, help_text=_("追加为正，调减为负"))
    reason = models.CharField(_("调整理由"), max_length=300)
    document_number = models.CharField(_("调整文号"), max_length=60, blank=True)
    adjusted_on = models.DateField(_("调整日期"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    scope_rule = ScopeRule(department="budget__instrument__document__department")

    class Meta:
        verbose_name = _("预算调整")
        verbose_name_plural = _("预算调整")
        ordering = ["budget", "adjusted_on", "pk"]

    def __str__(self) -> str:
        return f"{self.budget} 调整 {self.amount:,.2f} 元"


class RoundStatus(models.TextChoices):
    DRAFT = "draft", _("拟定中")
    CONFIRMED = "confirmed", _("已确认")
    CLOSED = "closed", _("已结束")


class BenefitRound(models.Model):
    """免申即享: one instrument's list for a data year — the enterprises the registries show eligible
    under the rule in force, each with its amount and the reason; the bureau confirms the list, each
    enterprise then confirms its bank account online and joins the payment flow."""

    instrument = models.ForeignKey(
        Instrument, on_delete=models.PROTECT, related_name="rounds", verbose_name=_("政策条款")
    )
    data_year = models.PositiveSmallIntegerField(_("数据年度"), help_text=_("按此年度的台账数据判定"))
    budget_year = models.PositiveSmallIntegerField(_("兑现年度"), help_text=_("使用此年度的预算"))
    rule = models.ForeignKey(
        Rule, on_delete=models.PROTECT, related_name="rounds", verbose_name=_("兑现规则")
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=RoundStatus.choices, default=RoundStatus.DRAFT
    )
    computed_at = models.DateTimeField(_("测算时间"), null=True, blank=True)
    decision_number = models.CharField(_("审定文号"), max_length=60, blank=True)
    confirmed_on = models.DateField(_("确认日期"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    scope_rule = ScopeRule(department="instrument__document__department")

    workflow = Workflow(
        states=RoundStatus,
        view_capability=Capability.VIEW_POLICIES,
        transitions=[
            Transition(
                "confirm",
                "确认名单",
                [RoundStatus.DRAFT],
                RoundStatus.CONFIRMED,
                Capability.MANAGE_POLICIES,
                by="page",
            ),
            Transition(
                "close",
                "结束本轮",
                [RoundStatus.CONFIRMED],
                RoundStatus.CLOSED,
                Capability.MANAGE_POLICIES,
                comment_required=True,
            ),
        ],
        todos=[Todo(RoundStatus.DRAFT, "待确认的免申即享名单", Capability.MANAGE_POLICIES)],
    )

    class Meta:
        verbose_name = _("免申即享名单")
        verbose_name_plural = _("免申即享名单")
        ordering = ["-data_year", "instrument"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "data_year"], name="benefit_round_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.instrument.name}（{self.data_year} 年度数据）"

    def get_absolute_url(self) -> str:
        return reverse("benefit-rounds:detail", args=[self.pk])


class LineStatus(models.TextChoices):
    PROPOSED = "proposed", _("拟享受")
    EXCLUDED = "excluded", _("已剔除")
    OFFERED = "offered", _("待企业确认")
    ACCEPTED = "accepted", _("企业已确认")
    DECLINED = "declined", _("企业放弃")


class BenefitLine(models.Model):
    """One enterprise on a 免申即享 list: the amount computed and why (which record, which figure, which
    tier), or — beside the list — what it misses (`eligible` false)."""

    round = models.ForeignKey(BenefitRound, on_delete=models.CASCADE, related_name="lines")
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="benefit_lines", verbose_name=_("企业")
    )
    eligible = models.BooleanField(_("符合条件"))
    amount = models.DecimalField(_("测算金额（元）"), **MONEY, default=Decimal(0))
    reasons = models.JSONField(_("测算依据"), default=list)
    missing = models.JSONField(_("未满足的条件"), default=list)
    status = models.CharField(
        _("状态"), max_length=10, choices=LineStatus.choices, default=LineStatus.PROPOSED
    )
    note = models.CharField(_("说明"), max_length=300, blank=True)

    scope_rule = ScopeRule(department="enterprise__town", owner="enterprise__users")

    class Meta:
        verbose_name = _("免申即享名单企业")
        verbose_name_plural = _("免申即享名单企业")
        ordering = ["round", "-eligible", "-amount", "enterprise__name"]
        constraints = [
            models.UniqueConstraint(fields=["round", "enterprise"], name="benefit_line_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.round} · {self.enterprise.name}"


class GrantStatus(models.TextChoices):
    AWAITING_ACCOUNT = "account", _("待确认收款账户")
    PAYABLE = "payable", _("待拨付")
    PAID = "paid", _("已拨付")
    REVOKED = "revoked", _("已撤销")


class Grant(models.Model):
    """兑现: money the district has committed to one enterprise under one instrument — from a confirmed
    免申即享 list or a decided application — against the budget of its year; paid by `Disbursement`s to
    the account the enterprise confirmed (a changed account must be confirmed again before any payment)."""

    instrument = models.ForeignKey(
        Instrument, on_delete=models.PROTECT, related_name="grants", verbose_name=_("政策条款")
    )
    budget_year = models.PositiveSmallIntegerField(_("兑现年度"))
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="grants", verbose_name=_("企业")
    )
    amount = models.DecimalField(_("审定金额（元）"), **MONEY)
    benefit_line = models.OneToOneField(
        BenefitLine, on_delete=models.PROTECT, null=True, blank=True, related_name="grant"
    )
    decision_number = models.CharField(_("审定文号"), max_length=60, blank=True)
    decided_on = models.DateField(_("审定日期"))
    reasons = models.JSONField(_("测算依据"), default=list, blank=True)
    account_name = models.CharField(_("户名"), max_length=200, blank=True)
    bank_name = models.CharField(_("开户行"), max_length=100, blank=True)
    account_number = PersonalField(_("银行账号"), kind="bank_account", max_length=40, blank=True)
    account_confirmed_at = models.DateTimeField(_("账户确认时间"), null=True, blank=True)
    account_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("账户确认人"),
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=GrantStatus.choices, default=GrantStatus.AWAITING_ACCOUNT
    )

    scope_rule = ScopeRule(department="enterprise__town", owner="enterprise__users")

    workflow = Workflow(
        states=GrantStatus,
        view_capability=Capability.VIEW_POLICIES,
        transitions=[
            Transition(
                "confirm_account",
                "确认收款账户",
                [GrantStatus.AWAITING_ACCOUNT, GrantStatus.PAYABLE],
                GrantStatus.PAYABLE,
                Capability.CLAIM_POLICIES,
                by="page",
            ),
            Transition(
                "settle",
                "拨付完毕",
                [GrantStatus.PAYABLE],
                GrantStatus.PAID,
                Capability.MANAGE_POLICIES,
                by="system",
            ),
            Transition(
                "reopen_payment",
                "重新待拨付",
                [GrantStatus.PAID],
                GrantStatus.PAYABLE,
                Capability.MANAGE_POLICIES,
                by="system",
            ),
            Transition(
                "revoke",
                "撤销兑现",
                [GrantStatus.AWAITING_ACCOUNT, GrantStatus.PAYABLE],
                GrantStatus.REVOKED,
                Capability.MANAGE_POLICIES,
                comment_required=True,
                allowed="kechuang.policies.grants.revocable",
            ),
        ],
        todos=[
            Todo(
                GrantStatus.AWAITING_ACCOUNT,
                "待确认收款账户的奖补",
                Capability.CLAIM_POLICIES,
                narrow="kechuang.policies.grants.own_grants",
            ),
            Todo(GrantStatus.PAYABLE, "待拨付的奖补", Capability.MANAGE_POLICIES),
        ],
    )

    class Meta:
        verbose_name = _("奖补兑现")
        verbose_name_plural = _("奖补兑现")
        ordering = ["-budget_year", "instrument", "enterprise__name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="grant_positive", violation_error_message="审定金额应大于 0。"
            ),
        ]
        indexes = [models.Index(fields=["budget_year", "status"], name="grant_year_status")]

    def __str__(self) -> str:
        return f"{self.enterprise.name} · {self.instrument.name}（{self.budget_year}）"

    def get_absolute_url(self) -> str:
        return reverse("grants:detail", args=[self.pk])

    @property
    def account_confirmed(self) -> bool:
        return self.account_confirmed_at is not None


class DisbursementStatus(models.TextChoices):
    PAID = "paid", _("已拨付")
    VOIDED = "voided", _("已作废")


class Disbursement(models.Model):
    """拨付: a payment of a grant — amount, date, 凭证号, and the account it went to (as confirmed then).
    Never more than the grant's amount in all; a voided one is kept."""

    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, related_name="disbursements")
    amount = models.DecimalField(_("拨付金额（元）"), **MONEY)
    paid_on = models.DateField(_("拨付日期"))
    voucher = models.CharField(_("凭证号"), max_length=60)
    account_name = models.CharField(_("户名"), max_length=200)
    bank_name = models.CharField(_("开户行"), max_length=100)
    account_number = PersonalField(_("银行账号"), kind="bank_account", max_length=40)
    status = models.CharField(
        _("状态"), max_length=10, choices=DisbursementStatus.choices, default=DisbursementStatus.PAID
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    scope_rule = ScopeRule(department="grant__enterprise__town", owner="grant__enterprise__users")

    workflow = Workflow(
        states=DisbursementStatus,
        view_capability=Capability.VIEW_POLICIES,
        transitions=[
            Transition(
                "void",
                "作废",
                [DisbursementStatus.PAID],
                DisbursementStatus.VOIDED,
                Capability.MANAGE_POLICIES,
                comment_required=True,
                reopen=True,
                then=["kechuang.policies.grants.after_void"],
            ),
        ],
    )

    class Meta:
        verbose_name = _("奖补拨付")
        verbose_name_plural = _("奖补拨付")
        ordering = ["-paid_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="disbursement_positive",
                violation_error_message="拨付金额应大于 0。",
            ),
            models.UniqueConstraint(fields=["voucher"], name="disbursement_voucher_unique"),
        ]
        indexes = [models.Index(fields=["status", "paid_on"], name="disbursement_status_paid")]

    def __str__(self) -> str:
        return f"{self.voucher} {self.amount:,.2f} 元"

    def get_absolute_url(self) -> str:
        return reverse("disbursements:detail", args=[self.pk])
