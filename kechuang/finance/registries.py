"""The finance registries, declared once each: banks, 知识价值信用贷款, 风险补偿申请 and 种子基金投资 — their
filters, lists, forms, actions, sheets, menu entries and API."""

from kechuang.enterprises.models import Enterprise
from kechuang.org.models import Department
from kechuang.org.roles import Capability
from kechuang.org.scope import has_capability, visible_to
from kechuang.plans.work import plan_tasks
from kechuang.web import filters
from kechuang.web.forms import keeping
from kechuang.web.registry import Column, Menu, Registry, register

from . import actions, claims
from .forms import BankForm, LoanForm, RiskClaimForm, SeedInvestmentForm
from .models import (
    Bank,
    ClaimStatus,
    ExitWay,
    Grade,
    Loan,
    LoanStatus,
    RiskClaim,
    SeedForm,
    SeedInvestment,
)

GROUP = "科技金融"


def _towns_of(request):
    towns = Department.objects.filter(kind=Department.Kind.TOWN)
    return visible_to(request.user, towns).order_by("path") if request is not None else towns


def _current_tasks(instance) -> list[int]:
    return [] if instance is None else [task.pk for task in instance.tasks.all()]


def _enterprises(request, instance=None):
    """The enterprises the user may name (and the record's current one, kept when saved unchanged)."""
    found = visible_to(request.user, Enterprise.objects.all(), Capability.CHANGE_FINANCE)
    if instance is not None and instance.enterprise_id:
        found = (found | Enterprise.objects.filter(pk=instance.enterprise_id)).distinct()
    return found


class BankFilters(filters.RegistryFilterSet):
    q = filters.SearchFilter("name", label="银行名称")

    class Meta:
        model = Bank
        fields = []


@register
class BankRegistry(Registry):
    key = "banks"
    model = Bank
    label = "合作银行"
    filterset = BankFilters
    ordering = ("name", "pk")
    columns = [Column("name", link=True), Column("note")]
    form = BankForm
    create_label = "新增合作银行"
    view_capability = Capability.VIEW_FINANCE
    change_capability = Capability.CHANGE_FINANCE
    save = staticmethod(actions.save_bank)
    menu = Menu("合作银行", group=GROUP, order=90, capability=Capability.CHANGE_FINANCE)
    api_fields = ["id", "name", "note"]


class LoanFilters(filters.RegistryFilterSet):
    q = filters.SearchFilter(
        "contract_number",
        "enterprise__name",
        "enterprise__credit_code",
        upper=("enterprise__credit_code",),
        label="合同编号或企业",
    )
    bank = filters.ModelChoiceFilter(
        field_name="bank", queryset=Bank.objects.order_by("name"), label="贷款银行"
    )
    grade = filters.ChoiceFilter(field_name="grade", choices=Grade.choices, label="评价等级")
    status = filters.ChoiceFilter(field_name="status", choices=LoanStatus.choices, label="状态")
    year = filters.YearFilter(field_name="granted_on__year", label="放款年度")
    town = filters.ModelChoiceFilter(field_name="enterprise__town", queryset=_towns_of, label="镇乡街道")
    ids = filters.IdsFilter(label="贷款编号")

    class Meta:
        model = Loan
        fields = []


@register
class LoanRegistry(Registry):
    key = "loans"
    model = Loan
    label = "知识价值信用贷款"
    filterset = LoanFilters
    select_related = ("enterprise", "enterprise__town", "bank")
    ordering = ("-granted_on", "pk")
    columns = [
        Column("contract_number", link=True, mono=True),
        Column("enterprise__name", "贷款企业"),
        Column("enterprise__town__name", "镇乡街道"),
        Column("bank__name", "贷款银行"),
        Column("grade", "等级"),
        Column("amount", "金额（万元）", money=True),
        Column("granted_on"),
        Column("term_months", "期限（月）"),
        Column("status"),
    ]
    form = LoanForm
    create_label = "登记贷款"
    workflow_title = "贷款办理"
    view_capability = Capability.VIEW_FINANCE
    change_capability = Capability.CHANGE_FINANCE
    save = staticmethod(actions.save_loan)
    delete = staticmethod(actions.delete_loan)
    sheet = "loans"
    detail_template = "finance/loan_detail.html"
    menu = Menu("知识价值信用贷款", group=GROUP, order=10)
    api_fields = [
        "id",
        "enterprise_id",
        "bank_id",
        "grade",
        "credit_line",
        "contract_number",
        "amount",
        "granted_on",
        "term_months",
        "annual_rate",
        "purpose",
        "status",
        "settled_on",
        "overdue_on",
        "note",
        "tasks",
    ]
    api_write = True

    def base_queryset(self):
        return super().base_queryset().prefetch_related("tasks")

    def form_kwargs(self, request, instance):
        return {
            "enterprises": _enterprises(request, instance),
            "tasks": plan_tasks(request.user, _current_tasks(instance)),
        }

    def detail_context(self, request, obj):
        return {
            "can_view_enterprise": has_capability(request.user, Capability.VIEW_ENTERPRISES),
            "claims": visible_to(request.user, obj.claims.all()).order_by("-applied_on", "pk"),
        }


class ClaimFilters(filters.RegistryFilterSet):
    q = filters.SearchFilter(
        "loan__contract_number", "loan__enterprise__name", "voucher", label="合同编号、企业或凭证号"
    )
    bank = filters.ModelChoiceFilter(
        field_name="loan__bank", queryset=Bank.objects.order_by("name"), label="贷款银行"
    )
    grade = filters.ChoiceFilter(field_name="loan__grade", choices=Grade.choices, label="评价等级")
    status = filters.ChoiceFilter(field_name="status", choices=ClaimStatus.choices, label="状态")
    year = filters.YearFilter(field_name="applied_on__year", label="申请年度")
    town = filters.ModelChoiceFilter(
        field_name="loan__enterprise__town", queryset=_towns_of, label="镇乡街道"
    )

    class Meta:
        model = RiskClaim
        fields = []


@register
class RiskClaimRegistry(Registry):
    key = "risk-claims"
    model = RiskClaim
    label = "风险补偿申请"
    filterset = ClaimFilters
    select_related = ("loan", "loan__enterprise", "loan__bank")
    ordering = ("-applied_on", "pk")
    columns = [
        Column("loan__contract_number", "合同编号", link=True, mono=True),
        Column("loan__enterprise__name", "贷款企业"),
        Column("loan__bank__name", "贷款银行"),
        Column("applied_on"),
        Column("principal", "逾期本金（万元）", money=True),
        Column("compensation", "代偿金额（万元）", money=True),
        Column("status"),
        Column("paid_on"),
    ]
    form = RiskClaimForm
    create_label = "登记风险补偿申请"
    workflow_title = "补偿办理"
    view_capability = Capability.VIEW_FINANCE
    change_capability = Capability.CHANGE_FINANCE
    save = staticmethod(claims.save_claim)
    delete = staticmethod(claims.delete_claim)
    sheet = "risk-claims"
    detail_template = "finance/claim_detail.html"
    menu = Menu("风险补偿", group=GROUP, order=20)
    api_fields = [
        "id",
        "loan_id",
        "applied_on",
        "principal",
        "compensation",
        "city_share",
        "district_share",
        "status",
        "paid_on",
        "voucher",
        "recovered",
        "recovered_on",
        "note",
    ]
    api_write = True

    def form_kwargs(self, request, instance):
        loans = visible_to(request.user, Loan.objects.all(), Capability.CHANGE_FINANCE)
        if instance is None:
            loans = loans.filter(status=LoanStatus.OVERDUE)
        else:
            loans = (loans | Loan.objects.filter(pk=instance.loan_id)).distinct()
        return {"loans": loans.select_related("enterprise").order_by("-granted_on", "pk")}


class SeedFilters(filters.RegistryFilterSet):
    q = filters.SearchFilter(
        "team_name",
        "enterprise__name",
        "enterprise__credit_code",
        "decision_number",
        upper=("enterprise__credit_code",),
        label="被投对象或决策文号",
    )
    kind = filters.ChoiceFilter(field_name="kind", choices=SeedForm.choices, label="投资方式")
    year = filters.YearFilter(field_name="invested_on__year", label="投资年度")
    town = filters.ModelChoiceFilter(field_name="town", queryset=_towns_of, label="镇乡街道")
    exited = filters.BooleanFilter(field_name="exited_on", method="filter_exited", label="已退出")
    exit_way = filters.ChoiceFilter(field_name="exit_way", choices=ExitWay.choices, label="退出方式")

    class Meta:
        model = SeedInvestment
        fields = []

    def filter_exited(self, queryset, name, value):
        return queryset.filter(exited_on__isnull=not value)


@register
class SeedInvestmentRegistry(Registry):
    key = "seed-investments"
    model = SeedInvestment
    label = "种子基金投资"
    filterset = SeedFilters
    select_related = ("enterprise", "town")
    ordering = ("-invested_on", "pk")
    columns = [
        Column("investee", "被投对象", link=True, sort="team_name"),
        Column("town__name", "镇乡街道"),
        Column("kind"),
        Column("amount", "金额（万元）", money=True),
        Column("invested_on"),
        Column("exit_way"),
        Column("exited_on"),
    ]
    form = SeedInvestmentForm
    create_label = "登记种子基金投资"
    view_capability = Capability.VIEW_FINANCE
    change_capability = Capability.CHANGE_FINANCE
    save = staticmethod(actions.save_seed_investment)
    delete = staticmethod(actions.delete_seed_investment)
    sheet = "seed-investments"
    detail_template = "finance/seed_detail.html"
    menu = Menu("种子基金", group=GROUP, order=30)
    api_fields = [
        "id",
        "enterprise_id",
        "team_name",
        "town_id",
        "kind",
        "amount",
        "invested_on",
        "share_percent",
        "term_months",
        "decided_on",
        "decision_number",
        "exited_on",
        "exit_way",
        "recovered",
        "note",
        "tasks",
    ]
    api_write = True

    def base_queryset(self):
        return super().base_queryset().prefetch_related("tasks")

    def form_kwargs(self, request, instance):
        towns = visible_to(
            request.user, Department.objects.filter(kind=Department.Kind.TOWN), Capability.CHANGE_FINANCE
        )
        if instance is not None:
            towns = keeping(towns, [instance.town_id])
        return {
            "towns": towns.order_by("path"),
            "enterprises": _enterprises(request, instance),
            "tasks": plan_tasks(request.user, _current_tasks(instance)),
        }

    def detail_context(self, request, obj):
        return {"can_view_enterprise": has_capability(request.user, Capability.VIEW_ENTERPRISES)}
