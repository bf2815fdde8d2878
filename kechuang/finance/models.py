"""科技金融 (programme 6, safeguard 2: “用好种子基金，深入推进知识价值信用贷款增量扩面”): the banks lending
知识价值信用贷款, the loans granted to the district's enterprises with their grade and credit line, the
risk-compensation claims on overdue loans (a workflow), and the seed fund's investments with their exits.
The grade's credit line, the fund's shares and the seed fund's cap are rules as data (`rules/*.json`)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kechuang.enterprises.models import Enterprise
from kechuang.org.models import Department
from kechuang.org.roles import Capability
from kechuang.org.scoperule import ScopeRule
from kechuang.plans.models import Task
from kechuang.workflow.engine import Todo, Transition, Workflow

from . import rules

CENT = Decimal("0.01")
MAX_TERM_MONTHS = 60
MAX_RATE = Decimal("24")


def _yuan(value) -> str:
    return f"{value:,.2f} 元"


class Grade(models.TextChoices):
    A = "A", _("A级")
    B = "B", _("B级")
    C = "C", _("C级")
    D = "D", _("D级")
    E = "E", _("E级")


class LoanStatus(models.TextChoices):
    ACTIVE = "在贷", _("在贷")
    SETTLED = "已结清", _("已结清")
    OVERDUE = "逾期", _("逾期")
    COMPENSATED = "已代偿", _("已代偿")


class Bank(models.Model):
    """A lending institution taking part in 知识价值信用贷款 (the bureau adds banks as they join)."""

    name = models.CharField(_("银行名称"), max_length=100, unique=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    scope_rule = ScopeRule(public=True)

    class Meta:
        verbose_name = _("合作银行")
        verbose_name_plural = _("合作银行")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("banks:detail", args=[self.pk])


class Loan(models.Model):
    """A 知识价值信用贷款 granted to an enterprise: its grade and the credit line the grade gives (the rule in
    force on the granted date), the contract, amount, term and rate; its state moves through 结清, 逾期 and —
    when a risk-compensation claim is paid — 已代偿."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="loans", verbose_name=_("贷款企业")
    )
    bank = models.ForeignKey(Bank, on_delete=models.PROTECT, related_name="loans", verbose_name=_("贷款银行"))
    grade = models.CharField(_("知识价值信用评价等级"), max_length=1, choices=Grade.choices)
    credit_line = models.DecimalField(
        _("授信额度（元）"), max_digits=14, decimal_places=2, editable=False, default=Decimal("0")
    )
    contract_number = models.CharField(_("合同编号"), max_length=60)
    amount = models.DecimalField(_("贷款金额（元）"), max_digits=14, decimal_places=2)
    granted_on = models.DateField(_("放款日期"))
    term_months = models.PositiveSmallIntegerField(_("期限（月）"), default=12)
    annual_rate = models.DecimalField(_("年利率（%）"), max_digits=5, decimal_places=2)
    purpose = models.CharField(_("贷款用途"), max_length=200, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=LoanStatus.choices, default=LoanStatus.ACTIVE)
    settled_on = models.DateField(_("结清日期"), null=True, blank=True)
    overdue_on = models.DateField(_("逾期日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    tasks = models.ManyToManyField(
        Task,
        blank=True,
        related_name="loans",
        verbose_name=_("落实的计划任务"),
        help_text=_("本笔贷款落实的行动方案任务"),
    )

    scope_rule = ScopeRule(department="enterprise__town", owner="enterprise__users")

    workflow = Workflow(
        states=LoanStatus,
        view_capability=Capability.VIEW_FINANCE,
        transitions=[
            Transition(
                "settle",
                "结清",
                [LoanStatus.ACTIVE, LoanStatus.OVERDUE],
                LoanStatus.SETTLED,
                Capability.CHANGE_FINANCE,
                form="kechuang.finance.forms.SettleForm",
            ),
            Transition(
                "overdue",
                "登记逾期",
                [LoanStatus.ACTIVE],
                LoanStatus.OVERDUE,
                Capability.CHANGE_FINANCE,
                form="kechuang.finance.forms.OverdueForm",
            ),
            Transition(
                "cure",
                "恢复正常",
                [LoanStatus.OVERDUE],
                LoanStatus.ACTIVE,
                Capability.CHANGE_FINANCE,
                comment_required=True,
                allowed="kechuang.finance.claims.no_open_claim",
                sets={"overdue_on": None},
            ),
            # written when the loan's risk-compensation claim is paid (the claim's 确认代偿)
            Transition("compensate", "代偿", [LoanStatus.OVERDUE], LoanStatus.COMPENSATED, by="system"),
        ],
    )

    class Meta:
        verbose_name = _("知识价值信用贷款")
        verbose_name_plural = _("知识价值信用贷款")
        ordering = ["-granted_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["bank", "contract_number"],
                name="loan_contract_per_bank",
                violation_error_message="该银行已登记此合同编号的贷款。",
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="loan_amount_positive",
                violation_error_message="贷款金额应大于 0。",
            ),
        ]
        indexes = [models.Index(fields=["granted_on"], name="loan_granted_on")]

    def __str__(self) -> str:
        return f"{self.contract_number}（{self.enterprise.name if self.enterprise_id else ''}）"

    def get_absolute_url(self) -> str:
        return reverse("loans:detail", args=[self.pk])

    def scope_department(self) -> Department:
        return self.enterprise.town

    def clean(self) -> None:
        errors: dict[str, str] = {}
        line = rules.credit_line(self.grade, self.granted_on) if self.grade else None
        if line is not None:
            self.credit_line = line
        if self.amount is not None:
            if self.amount <= 0:
                errors["amount"] = "贷款金额应大于 0。"
            elif line is not None and self.amount > line:
                errors["amount"] = (
                    f"贷款金额 {_yuan(self.amount)} 超过{self.grade}级的授信额度 {_yuan(line)}。"
                )
        if self.term_months is not None and not 1 <= self.term_months <= MAX_TERM_MONTHS:
            errors["term_months"] = f"期限（月）应在 1 至 {MAX_TERM_MONTHS} 个月之间。"
        if self.annual_rate is not None and not Decimal("0") <= self.annual_rate <= MAX_RATE:
            errors["annual_rate"] = f"年利率应在 0 至 {MAX_RATE} 之间（按百分数填写，如 3.95）。"
        if self.status == LoanStatus.SETTLED and not self.settled_on:
            errors["settled_on"] = "已结清的贷款须填写结清日期。"
        if self.status != LoanStatus.SETTLED and self.settled_on:
            errors["settled_on"] = "未结清的贷款不填结清日期。"
        if self.status in (LoanStatus.OVERDUE, LoanStatus.COMPENSATED) and not self.overdue_on:
            errors["overdue_on"] = "逾期或已代偿的贷款须填写逾期日期。"
        if self.status == LoanStatus.ACTIVE and self.overdue_on:
            errors["overdue_on"] = "在贷（未逾期）的贷款不填逾期日期。"
        if self.granted_on:
            for name, label in (("settled_on", "结清日期"), ("overdue_on", "逾期日期")):
                day = getattr(self, name)
                if day and day < self.granted_on and name not in errors:
                    errors[name] = f"{label}不能早于放款日期。"
        if errors:
            raise ValidationError(errors)


class ClaimStatus(models.TextChoices):
    APPLIED = "申请", _("申请")
    APPROVED = "审核通过", _("审核通过")
    REJECTED = "不予补偿", _("不予补偿")
    PAID = "已代偿", _("已代偿")


OPEN_CLAIMS = (ClaimStatus.APPLIED, ClaimStatus.APPROVED)


class RiskClaim(models.Model):
    """A claim on the risk-compensation fund for an overdue loan: the overdue unrecovered principal, the
    compensation the rule gives (the fund's share of it, split between the city and the district), the
    decision and payment (a workflow), and what is recovered afterwards (reducing the fund's net loss)."""

    loan = models.ForeignKey(
        Loan, on_delete=models.PROTECT, related_name="claims", verbose_name=_("知识价值信用贷款")
    )
    applied_on = models.DateField(_("申请日期"))
    principal = models.DecimalField(_("逾期未收回本金（元）"), max_digits=14, decimal_places=2)
    compensation = models.DecimalField(
        _("申请代偿金额（元）"), max_digits=14, decimal_places=2, editable=False, default=Decimal("0")
    )
    city_share = models.DecimalField(
        _("市级分担（元）"), max_digits=14, decimal_places=2, editable=False, default=Decimal("0")
    )
    district_share = models.DecimalField(
        _("区级分担（元）"), max_digits=14, decimal_places=2, editable=False, default=Decimal("0")
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=ClaimStatus.choices, default=ClaimStatus.APPLIED
    )
    paid_on = models.DateField(_("代偿日期"), null=True, blank=True)
    voucher = models.CharField(_("代偿凭证号"), max_length=60, blank=True)
    recovered = models.DecimalField(
        _("累计追回金额（元）"), max_digits=14, decimal_places=2, default=Decimal("0")
    )
    recovered_on = models.DateField(_("最近追回日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)

    # the bureau and the towns; an enterprise's account does not see the fund's claims on its loans
    scope_rule = ScopeRule(department="loan__enterprise__town")

    workflow = Workflow(
        states=ClaimStatus,
        view_capability=Capability.VIEW_FINANCE,
        transitions=[
            Transition(
                "approve", "审核通过", [ClaimStatus.APPLIED], ClaimStatus.APPROVED, Capability.CHANGE_FINANCE
            ),
            Transition(
                "reject",
                "不予补偿",
                [ClaimStatus.APPLIED],
                ClaimStatus.REJECTED,
                Capability.CHANGE_FINANCE,
                comment_required=True,
            ),
            Transition(
                "pay",
                "代偿",
                [ClaimStatus.APPROVED],
                ClaimStatus.PAID,
                Capability.CHANGE_FINANCE,
                form="kechuang.finance.forms.ClaimPayForm",
                then=["kechuang.finance.claims.mark_loan_compensated"],
            ),
            Transition(
                "recover",
                "登记追回",
                [ClaimStatus.PAID],
                ClaimStatus.PAID,
                Capability.CHANGE_FINANCE,
                form="kechuang.finance.forms.RecoveryForm",
            ),
        ],
        todos=[
            Todo(ClaimStatus.APPLIED, "待审核的风险补偿申请", Capability.CHANGE_FINANCE),
            Todo(ClaimStatus.APPROVED, "待代偿的风险补偿", Capability.CHANGE_FINANCE),
        ],
    )

    class Meta:
        verbose_name = _("风险补偿申请")
        verbose_name_plural = _("风险补偿申请")
        ordering = ["-applied_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["loan"],
                condition=Q(status__in=["申请", "审核通过"]),
                name="riskclaim_one_open_per_loan",
                violation_error_message="该贷款已有办理中的风险补偿申请。",
            ),
            models.CheckConstraint(condition=Q(principal__gt=0), name="riskclaim_principal_positive"),
            models.CheckConstraint(condition=Q(recovered__gte=0), name="riskclaim_recovered_nonnegative"),
        ]

    def __str__(self) -> str:
        return f"风险补偿：{self.loan.contract_number}（{self.applied_on:%Y-%m-%d}）"

    def get_absolute_url(self) -> str:
        return reverse("risk-claims:detail", args=[self.pk])

    @property
    def net_loss(self) -> Decimal:
        """What the fund has lost on the claim: the compensation paid less what was recovered."""
        if self.status != ClaimStatus.PAID:
            return Decimal("0")
        return self.compensation - (self.recovered or Decimal("0"))

    def compute(self) -> None:
        """The compensation from the rule in force on the application date."""
        if self.principal is None:
            return
        fund, city, district = rules.compensation_shares(self.applied_on)
        self.compensation = (self.principal * fund).quantize(CENT, ROUND_HALF_UP)
        self.city_share = (self.compensation * city).quantize(CENT, ROUND_HALF_UP)
        self.district_share = self.compensation - self.city_share

    def clean(self) -> None:
        errors: dict[str, str] = {}
        self.compute()
        loan = self.loan if self.loan_id else None
        if self.principal is not None:
            if self.principal <= 0:
                errors["principal"] = "逾期未收回本金应大于 0。"
            elif loan is not None and self.principal > loan.amount:
                errors["principal"] = (
                    f"逾期未收回本金 {_yuan(self.principal)} 超过贷款金额 {_yuan(loan.amount)}。"
                )
        if loan is not None and self.status in OPEN_CLAIMS:
            if self.status == ClaimStatus.APPLIED and loan.status != LoanStatus.OVERDUE:
                errors["loan"] = f"贷款当前状态为“{loan.status}”，只有逾期的贷款可以申请风险补偿。"
            elif RiskClaim.objects.filter(loan=loan, status__in=OPEN_CLAIMS).exclude(pk=self.pk).exists():
                errors["loan"] = "该贷款已有办理中的风险补偿申请，不能重复申请。"
        if loan is not None and self.applied_on and loan.overdue_on and self.applied_on < loan.overdue_on:
            errors.setdefault("applied_on", "申请日期不能早于贷款逾期日期。")
        if self.status == ClaimStatus.PAID and not self.paid_on:
            errors["paid_on"] = "已代偿的须填写代偿日期。"
        if self.paid_on and self.applied_on and self.paid_on < self.applied_on:
            errors["paid_on"] = "代偿日期不能早于申请日期。"
        if self.recovered is not None:
            if self.recovered < 0:
                errors["recovered"] = "追回金额不能为负数。"
            elif self.recovered > 0 and self.status != ClaimStatus.PAID:
                errors["recovered"] = "代偿之后才登记追回金额。"
            elif self.recovered > self.compensation:
                errors["recovered"] = f"累计追回金额不能超过代偿金额 {_yuan(self.compensation)}。"
        if self.recovered_on and self.paid_on and self.recovered_on < self.paid_on:
            errors["recovered_on"] = "追回日期不能早于代偿日期。"
        if errors:
            raise ValidationError(errors)


class SeedForm(models.TextChoices):
    EQUITY = "股权投资", _("公益性股权投资")
    LOAN = "无息借款", _("免息信用贷款（无息借款）")


class ExitWay(models.TextChoices):
    BUYBACK = "回购", _("回购")
    TRANSFER = "转让", _("转让")
    LIQUIDATION = "清算", _("清算")
    WRITE_OFF = "核销", _("核销")
    REPAID = "到期还款", _("到期还款")


class SeedInvestment(models.Model):
    """A 种子基金 investment: in a registered enterprise or in a team not yet registered (its name and the
    town it works in), as public-benefit equity or an interest-free loan, the investment committee's decision,
    and its exit (way, date, what came back)."""

    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="seed_investments",
        verbose_name=_("被投企业"),
    )
    team_name = models.CharField(
        _("创业团队名称"), max_length=200, blank=True, help_text=_("被投对象尚未登记为企业时填写")
    )
    town = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="seed_investments", verbose_name=_("所在镇乡街道")
    )
    kind = models.CharField(_("投资方式"), max_length=10, choices=SeedForm.choices)
    amount = models.DecimalField(_("投资金额（元）"), max_digits=14, decimal_places=2)
    invested_on = models.DateField(_("投资日期"))
    share_percent = models.DecimalField(
        _("持股比例（%）"), max_digits=5, decimal_places=2, null=True, blank=True, help_text=_("股权投资填写")
    )
    term_months = models.PositiveSmallIntegerField(
        _("借款期限（月）"), null=True, blank=True, help_text=_("无息借款填写")
    )
    decided_on = models.DateField(_("投委会决策日期"), null=True, blank=True)
    decision_number = models.CharField(_("决策文号"), max_length=60, blank=True)
    exited_on = models.DateField(_("退出日期"), null=True, blank=True)
    exit_way = models.CharField(_("退出方式"), max_length=10, choices=ExitWay.choices, blank=True)
    recovered = models.DecimalField(
        _("收回金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    note = models.CharField(_("备注"), max_length=300, blank=True)
    tasks = models.ManyToManyField(
        Task,
        blank=True,
        related_name="seed_investments",
        verbose_name=_("落实的计划任务"),
        help_text=_("本项投资落实的行动方案任务"),
    )

    scope_rule = ScopeRule(department="town", owner="enterprise__users")

    class Meta:
        verbose_name = _("种子基金投资")
        verbose_name_plural = _("种子基金投资")
        ordering = ["-invested_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="seed_amount_positive",
                violation_error_message="投资金额应大于 0。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.investee}（{self.invested_on:%Y-%m-%d} {self.get_kind_display()}）"

    def get_absolute_url(self) -> str:
        return reverse("seed-investments:detail", args=[self.pk])

    @property
    def investee(self) -> str:
        return self.enterprise.name if self.enterprise_id else self.team_name

    @property
    def exited(self) -> bool:
        return self.exited_on is not None

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.enterprise_id:
            self.town = self.enterprise.town
            if self.team_name:
                errors["team_name"] = "被投对象是已登记企业时不填创业团队名称。"
        elif not self.team_name:
            errors["team_name"] = "请填写被投企业或创业团队名称。"
        if self.amount is not None:
            cap = rules.seed_cap(self.invested_on)
            if self.amount <= 0:
                errors["amount"] = "投资金额应大于 0。"
            elif self.amount > cap:
                errors["amount"] = f"投资金额 {_yuan(self.amount)} 超过单个项目上限 {_yuan(cap)}。"
        if self.kind == SeedForm.EQUITY:
            if self.share_percent is None:
                errors["share_percent"] = "股权投资须填写持股比例。"
            elif not Decimal("0") < self.share_percent <= Decimal("100"):
                errors["share_percent"] = "持股比例应大于 0 且不超过 100（按百分数填写）。"
            if self.term_months is not None:
                errors["term_months"] = "股权投资不填借款期限。"
        elif self.kind == SeedForm.LOAN:
            limit = rules.seed_max_term(self.invested_on)
            if self.term_months is None:
                errors["term_months"] = "无息借款须填写借款期限。"
            elif not 1 <= self.term_months <= limit:
                errors["term_months"] = f"借款期限应在 1 至 {limit} 个月之间。"
            if self.share_percent is not None:
                errors["share_percent"] = "无息借款不填持股比例。"
        if self.decided_on and self.invested_on and self.decided_on > self.invested_on:
            errors["decided_on"] = "投委会决策日期不能晚于投资日期。"
        if bool(self.exited_on) != bool(self.exit_way):
            errors["exit_way" if self.exited_on else "exited_on"] = "退出日期与退出方式须同时填写。"
        if self.exited_on and self.invested_on and self.exited_on < self.invested_on:
            errors["exited_on"] = "退出日期不能早于投资日期。"
        if self.exit_way == ExitWay.REPAID and self.kind != SeedForm.LOAN:
            errors["exit_way"] = "“到期还款”只适用于无息借款。"
        if self.recovered is not None:
            if self.recovered < 0:
                errors["recovered"] = "收回金额不能为负数。"
            elif not self.exited_on:
                errors["recovered"] = "退出后才填写收回金额。"
        if errors:
            raise ValidationError(errors)
