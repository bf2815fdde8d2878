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
from kechuang.projects.models import ObjectionRecord
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
    application = models.OneToOneField(
        "PolicyApplication", on_delete=models.PROTECT, null=True, blank=True, related_name="grant"
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


# --- 申请兑现: a window of applications through 初审, 联审, 公示 and 审定 ------------------------------------


class Checker(models.TextChoices):
    TOWN = "town", _("企业所在镇乡街道")
    LEAD = "lead", _("牵头单位")


class WindowStatus(models.TextChoices):
    OPEN = "open", _("受理中")
    CLOSED = "closed", _("审核中")
    PUBLICITY = "publicity", _("公示中")
    DECIDED = "decided", _("已审定")


class ApplicationWindow(models.Model):
    """申报批次: an instrument's applications of one year — the window in which enterprises apply with
    the attachments it asks for, who checks them first (初审), the 公示 of the proposed list (at least 5
    working days) and the district's decision (审定) that commits the grants."""

    instrument = models.ForeignKey(
        Instrument, on_delete=models.PROTECT, related_name="windows", verbose_name=_("政策条款")
    )
    title = models.CharField(_("批次名称"), max_length=200)
    data_year = models.PositiveSmallIntegerField(
        _("数据年度"), help_text=_("按此年度的台账数据预审条件、测算金额")
    )
    budget_year = models.PositiveSmallIntegerField(_("兑现年度"), help_text=_("使用此年度的预算"))
    opens_on = models.DateField(_("申报开始日期"))
    closes_on = models.DateField(_("申报截止日期"))
    checker = models.CharField(_("初审单位"), max_length=10, choices=Checker.choices, default=Checker.TOWN)
    attachments = models.TextField(
        _("须提交的附件"), blank=True, help_text=_("每行一项，如“研发项目立项资料”")
    )
    discipline = models.ForeignKey(
        "reviews.Discipline",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("评审领域"),
        help_text=_("须专家评审的条款：按此领域匹配专家"),
    )
    publicity_days = models.PositiveSmallIntegerField(
        _("公示期（工作日）"), default=5, help_text=_("不少于 5 个工作日")
    )
    publicity_from = models.DateField(_("公示开始日期"), null=True, blank=True)
    publicity_until = models.DateField(_("公示截止日期"), null=True, blank=True)
    contact = models.CharField(_("异议受理方式"), max_length=200, blank=True)
    decision_number = models.CharField(_("审定文号"), max_length=60, blank=True)
    decided_on = models.DateField(_("审定日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=WindowStatus.choices, default=WindowStatus.OPEN
    )

    scope_rule = ScopeRule(public=True)  # announced to every enterprise that may apply

    workflow = Workflow(
        states=WindowStatus,
        view_capability=Capability.VIEW_POLICIES,
        transitions=[
            Transition(
                "close",
                "截止受理",
                [WindowStatus.OPEN],
                WindowStatus.CLOSED,
                Capability.MANAGE_POLICIES,
                allowed="kechuang.policies.applications.keeping_refusal",
            ),
            Transition(
                "reopen",
                "重新受理",
                [WindowStatus.CLOSED],
                WindowStatus.OPEN,
                Capability.MANAGE_POLICIES,
                comment_required=True,
                allowed="kechuang.policies.applications.keeping_refusal",
            ),
            Transition(
                "publish",
                "发布公示",
                [WindowStatus.CLOSED],
                WindowStatus.PUBLICITY,
                Capability.MANAGE_POLICIES,
                by="page",
                allowed="kechuang.policies.applications.publish_refusal",
            ),
            Transition(
                "decide",
                "审定",
                [WindowStatus.PUBLICITY],
                WindowStatus.DECIDED,
                Capability.MANAGE_POLICIES,
                by="page",
                allowed="kechuang.policies.applications.decide_refusal",
            ),
        ],
        todos=[Todo(WindowStatus.PUBLICITY, "公示中的奖补名单", Capability.MANAGE_POLICIES)],
    )

    class Meta:
        verbose_name = _("申报批次")
        verbose_name_plural = _("申报批次")
        ordering = ["-budget_year", "instrument", "pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("application-windows:detail", args=[self.pk])

    @property
    def attachment_list(self) -> list[str]:
        return [line.strip() for line in self.attachments.splitlines() if line.strip()]

    def is_open_on(self, day) -> bool:
        return self.status == WindowStatus.OPEN and self.opens_on <= day <= self.closes_on

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.opens_on and self.closes_on and self.closes_on < self.opens_on:
            errors["closes_on"] = "申报截止日期不能早于申报开始日期。"
        if self.publicity_days is not None and self.publicity_days < 5:
            errors["publicity_days"] = "公示期不少于 5 个工作日。"
        if self.instrument_id and self.instrument.mode != Mode.APPLY:
            errors["instrument"] = "该条款为免申即享，不受理申请。"
        if self.instrument_id and self.instrument.expert_review and not self.discipline_id:
            errors["discipline"] = "该条款须专家评审，请选择评审领域。"
        if errors:
            raise ValidationError(errors)


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("填报中")
    SUBMITTED = "submitted", _("待受理")
    RETURNED = "returned", _("退回补正")
    ACCEPTED = "accepted", _("待初审")
    CHECKED = "checked", _("待联审")
    PROPOSED = "proposed", _("拟兑现")
    REJECTED = "rejected", _("不予兑现")
    APPROVED = "approved", _("已审定")


class PolicyApplication(models.Model):
    """申请兑现: an enterprise's application under an instrument that needs one — the amount the rule
    computes from its registry data (and why), its statement, attachments and receiving account; checked
    by the bureau (受理), its town or the lead department (初审), the departments and, where the article
    asks, experts (联审), then on the 公示 and in the decision of its window."""

    window = models.ForeignKey(
        ApplicationWindow, on_delete=models.PROTECT, related_name="applications", verbose_name=_("申报批次")
    )
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="policy_applications", verbose_name=_("企业")
    )
    checker = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="policy_checks",
        verbose_name=_("初审单位"),
    )
    number = models.CharField(_("申请编号"), max_length=30, unique=True)
    computed = models.DecimalField(_("测算金额（元）"), **MONEY, default=Decimal(0))
    reasons = models.JSONField(_("测算依据"), default=list, blank=True)
    requested = models.DecimalField(_("申请金额（元）"), **MONEY)
    statement = models.TextField(_("申请说明"), help_text=_("符合条款的情况、取得的成效等"))
    contact_name = models.CharField(_("联系人"), max_length=50)
    contact_phone = PersonalField(_("联系电话"), kind="phone", max_length=40)
    account_name = models.CharField(_("收款户名"), max_length=200)
    bank_name = models.CharField(_("开户行"), max_length=100)
    account_number = PersonalField(_("银行账号"), kind="bank_account", max_length=40)
    submitted_on = models.DateField(_("提交日期"), null=True, blank=True)
    joint_opinion = models.TextField(_("联审意见"), blank=True)
    proposed = models.DecimalField(_("拟兑现金额（元）"), **MONEY, null=True, blank=True)
    review_score = models.CharField(_("专家评审得分"), max_length=20, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=ApplicationStatus.choices, default=ApplicationStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    scope_rule = ScopeRule(department="checker", owner="enterprise__users")

    workflow = Workflow(
        states=ApplicationStatus,
        view_capability=Capability.VIEW_POLICIES,
        transitions=[
            Transition(
                "submit",
                "提交申请",
                [ApplicationStatus.DRAFT, ApplicationStatus.RETURNED],
                ApplicationStatus.SUBMITTED,
                Capability.CLAIM_POLICIES,
                by="page",
                allowed="kechuang.policies.applications.submit_refusal",
            ),
            Transition(
                "accept",
                "受理",
                [ApplicationStatus.SUBMITTED],
                ApplicationStatus.ACCEPTED,
                Capability.MANAGE_POLICIES,
            ),
            Transition(
                "return",
                "退回补正",
                [ApplicationStatus.SUBMITTED, ApplicationStatus.ACCEPTED],
                ApplicationStatus.RETURNED,
                Capability.CHECK_POLICIES,
                comment_required=True,
                allowed="kechuang.policies.applications.check_refusal",
            ),
            Transition(
                "check",
                "初审通过",
                [ApplicationStatus.ACCEPTED],
                ApplicationStatus.CHECKED,
                Capability.CHECK_POLICIES,
                comment_required=True,
                allowed="kechuang.policies.applications.check_refusal",
            ),
            Transition(
                "propose",
                "联审通过",
                [ApplicationStatus.CHECKED],
                ApplicationStatus.PROPOSED,
                Capability.MANAGE_POLICIES,
                by="page",
                allowed="kechuang.policies.applications.propose_refusal",
            ),
            Transition(
                "reject",
                "不予兑现",
                [
                    ApplicationStatus.SUBMITTED,
                    ApplicationStatus.ACCEPTED,
                    ApplicationStatus.CHECKED,
                    ApplicationStatus.PROPOSED,
                ],
                ApplicationStatus.REJECTED,
                Capability.CHECK_POLICIES,
                comment_required=True,
                allowed="kechuang.policies.applications.check_refusal",
            ),
            Transition(
                "approve",
                "审定兑现",
                [ApplicationStatus.PROPOSED],
                ApplicationStatus.APPROVED,
                Capability.MANAGE_POLICIES,
                by="system",
            ),
        ],
        todos=[
            Todo(
                ApplicationStatus.RETURNED,
                "退回补正的政策兑现申请",
                Capability.CLAIM_POLICIES,
                narrow="kechuang.policies.applications.own",
            ),
            Todo(ApplicationStatus.SUBMITTED, "待受理的政策兑现申请", Capability.MANAGE_POLICIES),
            Todo(
                ApplicationStatus.ACCEPTED,
                "待初审的政策兑现申请",
                Capability.CHECK_POLICIES,
                narrow="kechuang.policies.applications.checked_by",
            ),
            Todo(ApplicationStatus.CHECKED, "待联审的政策兑现申请", Capability.MANAGE_POLICIES),
        ],
    )

    class Meta:
        verbose_name = _("政策兑现申请")
        verbose_name_plural = _("政策兑现申请")
        ordering = ["-window__budget_year", "window", "number"]
        constraints = [
            models.UniqueConstraint(fields=["window", "enterprise"], name="policy_application_once"),
            models.CheckConstraint(
                condition=Q(requested__gt=0),
                name="policy_application_requested_positive",
                violation_error_message="申请金额应大于 0。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.enterprise.name}"

    def get_absolute_url(self) -> str:
        return reverse("policy-applications:detail", args=[self.pk])


def _application_attachment_path(instance, filename: str) -> str:
    return f"policy-applications/{instance.application_id}/{filename}"


class ApplicationAttachment(models.Model):
    """An application's attachment, of a kind its window asks for (or 其他), checked by its content."""

    application = models.ForeignKey(
        PolicyApplication, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("申请")
    )
    kind = models.CharField(_("附件类别"), max_length=100)
    file = models.FileField(_("文件"), upload_to=_application_attachment_path, max_length=300)
    name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    scope_rule = ScopeRule(department="application__checker", owner="application__enterprise__users")

    class Meta:
        verbose_name = _("申请附件")
        verbose_name_plural = _("申请附件")
        ordering = ["application", "kind", "pk"]

    def __str__(self) -> str:
        return f"{self.kind}：{self.name}"


class PolicyObjection(ObjectionRecord):
    """异议 received during the 公示 of a window's proposed list, and how it was resolved (an upheld one
    about an application takes it off the list)."""

    window = models.ForeignKey(
        ApplicationWindow, on_delete=models.CASCADE, related_name="objections", verbose_name=_("申报批次")
    )
    application = models.ForeignKey(
        PolicyApplication,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="objections",
        verbose_name=_("所涉申请"),
    )

    scope_rule = ScopeRule(department="window__instrument__document__department")

    class Meta:
        verbose_name = _("兑现公示异议")
        verbose_name_plural = _("兑现公示异议")
        ordering = ["window", "received_on", "pk"]
