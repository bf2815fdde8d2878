"""The policy registries, declared through the kit: policy documents, their instruments, 免申即享 lists,
grants (兑现) and payments (拨付) — lists, filters, pages, exports and API. A round, a grant and an
instrument have their own part on the kit's detail page (`views.py`); grants and payments are never
created through a kit form (a confirmed list or a decided application makes the grant, the bureau
records a payment from the grant's page)."""

from kechuang.org.models import Department
from kechuang.org.roles import Capability
from kechuang.org.scope import visible_to
from kechuang.web import filters
from kechuang.web.registry import Column, Menu, Registry, register

from . import actions, applications
from .forms import InstrumentForm, PolicyDocumentForm, WindowForm
from .models import (
    ApplicationStatus,
    ApplicationWindow,
    BenefitRound,
    Disbursement,
    DisbursementStatus,
    Grant,
    GrantStatus,
    Instrument,
    InstrumentKind,
    Mode,
    PolicyApplication,
    PolicyDocument,
    RoundStatus,
    WindowStatus,
)

GROUP = "政策扶持"


def _towns(request):
    towns = Department.objects.filter(kind=Department.Kind.TOWN)
    return visible_to(request.user, towns) if request is not None else towns


def _instruments(request):
    return Instrument.objects.select_related("document").order_by("document", "sort_order", "pk")


class PolicyDocumentFilters(filters.RegistryFilterSet):
    q = filters.SearchFilter("number", "title", label="文号或文件名称")
    demo = filters.BooleanFilter(field_name="is_demo", label="演示数据")

    class Meta:
        model = PolicyDocument
        fields = []


@register
class PolicyDocumentRegistry(Registry):
    key = "policy-documents"
    model = PolicyDocument
    label = "政策文件"
    filterset = PolicyDocumentFilters
    select_related = ("department",)
    ordering = ("-effective_from", "number", "pk")
    columns = [
        Column("number", mono=True),
        Column("title", link=True),
        Column("issued_on"),
        Column("effective_from"),
        Column("effective_to"),
        Column("is_demo"),
    ]
    form = PolicyDocumentForm
    create_label = "登记政策文件"
    view_capability = Capability.VIEW_POLICIES
    change_capability = Capability.MANAGE_POLICIES
    save = staticmethod(actions.save_document)
    detail_template = "policies/document_detail.html"
    menu = Menu("政策文件", group=GROUP, order=10)
    api_fields = [
        "id",
        "department_id",
        "number",
        "title",
        "issued_on",
        "effective_from",
        "effective_to",
        "is_demo",
    ]

    def form_kwargs(self, request, instance):
        return {"user": request.user, "instance_department": instance.department_id if instance else None}

    def detail_context(self, request, obj):
        from .views import document_context

        return document_context(request, obj)


class InstrumentFilters(filters.RegistryFilterSet):
    q = filters.SearchFilter("name", "article", "document__title", "document__number", label="政策名称或文件")
    kind = filters.ChoiceFilter(field_name="kind", choices=InstrumentKind.choices, label="政策类别")
    mode = filters.ChoiceFilter(field_name="mode", choices=Mode.choices, label="兑现方式")
    document = filters.ModelChoiceFilter(
        field_name="document", queryset=lambda request: PolicyDocument.objects.all(), label="政策文件"
    )

    class Meta:
        model = Instrument
        fields = []


@register
class InstrumentRegistry(Registry):
    key = "policy-instruments"
    model = Instrument
    label = "政策条款"
    filterset = InstrumentFilters
    select_related = ("document", "lead_department")
    ordering = ("document", "sort_order", "pk")
    columns = [
        Column("name", link=True),
        Column("document__number", "文号", mono=True),
        Column("article"),
        Column("kind"),
        Column("mode"),
        Column("lead_department__name", "牵头单位"),
    ]
    form = InstrumentForm
    create_label = "登记政策条款"
    view_capability = Capability.VIEW_POLICIES
    change_capability = Capability.MANAGE_POLICIES
    save = staticmethod(actions.save_instrument)
    detail_template = "policies/instrument_detail.html"
    sheet = "policy-instruments"
    menu = Menu("政策条款", group=GROUP, order=20)
    api_fields = [
        "id",
        "document_id",
        "article",
        "name",
        "kind",
        "mode",
        "beneficiary",
        "lead_department_id",
        "expert_review",
        "description",
    ]

    def form_kwargs(self, request, instance):
        return {"user": request.user}

    def detail_context(self, request, obj):
        from .views import instrument_context

        return instrument_context(request, obj)


class RoundFilters(filters.RegistryFilterSet):
    year = filters.YearFilter(field_name="data_year", label="数据年度")
    budget_year = filters.YearFilter(field_name="budget_year", label="兑现年度")
    status = filters.ChoiceFilter(field_name="status", choices=RoundStatus.choices, label="状态")
    instrument = filters.ModelChoiceFilter(field_name="instrument", queryset=_instruments, label="政策条款")

    class Meta:
        model = BenefitRound
        fields = []


@register
class BenefitRoundRegistry(Registry):
    key = "benefit-rounds"
    model = BenefitRound
    label = "免申即享名单"
    filterset = RoundFilters
    select_related = ("instrument", "instrument__document", "rule")
    ordering = ("-data_year", "instrument__sort_order", "pk")
    columns = [
        Column("instrument__name", "政策条款", link=True),
        Column("data_year"),
        Column("budget_year"),
        Column("status"),
        Column("decision_number", mono=True),
        Column("confirmed_on"),
    ]
    view_capability = Capability.MANAGE_POLICIES
    change_capability = Capability.MANAGE_POLICIES
    detail_template = "policies/round_detail.html"
    detail_fields = []
    workflow_title = "名单办理"
    menu = Menu("免申即享", group=GROUP, order=30)
    api_fields = [
        "id",
        "instrument_id",
        "data_year",
        "budget_year",
        "rule_id",
        "status",
        "decision_number",
        "confirmed_on",
    ]

    def detail_context(self, request, obj):
        from .views import round_context

        return round_context(request, obj)


class GrantFilters(filters.RegistryFilterSet):
    q = filters.SearchFilter(
        "enterprise__name",
        "enterprise__credit_code",
        upper=("enterprise__credit_code",),
        label="企业名称或信用代码",
    )
    year = filters.YearFilter(field_name="budget_year", label="兑现年度")
    instrument = filters.ModelChoiceFilter(field_name="instrument", queryset=_instruments, label="政策条款")
    kind = filters.ChoiceFilter(
        field_name="instrument__kind", choices=InstrumentKind.choices, label="政策类别"
    )
    status = filters.ChoiceFilter(field_name="status", choices=GrantStatus.choices, label="状态")
    town = filters.ModelChoiceFilter(field_name="enterprise__town", queryset=_towns, label="镇乡街道")
    ids = filters.IdsFilter(label="兑现编号")

    class Meta:
        model = Grant
        fields = []


@register
class GrantRegistry(Registry):
    key = "grants"
    model = Grant
    label = "奖补兑现"
    filterset = GrantFilters
    select_related = ("instrument", "enterprise", "enterprise__town")
    ordering = ("-budget_year", "instrument__sort_order", "enterprise__name", "pk")
    columns = [
        Column("enterprise__name", "企业", link=True),
        Column("instrument__name", "政策条款"),
        Column("budget_year"),
        Column("amount", money=True),
        Column("decision_number", mono=True),
        Column("status"),
    ]
    view_capability = Capability.VIEW_POLICIES
    change_capability = Capability.MANAGE_POLICIES
    detail_template = "policies/grant_detail.html"
    detail_fields = []
    workflow_title = "兑现办理"
    sheet = "grants"
    menu = Menu("奖补兑现", group=GROUP, order=40)
    api_fields = [
        "id",
        "instrument_id",
        "budget_year",
        "enterprise_id",
        "amount",
        "decision_number",
        "decided_on",
        "status",
        "account_confirmed_at",
    ]

    def detail_context(self, request, obj):
        from .views import grant_context

        return grant_context(request, obj)


class DisbursementFilters(filters.RegistryFilterSet):
    q = filters.SearchFilter(
        "voucher",
        "grant__enterprise__name",
        "grant__enterprise__credit_code",
        label="凭证号、企业名称或信用代码",
    )
    year = filters.YearFilter(field_name="paid_on__year", label="拨付年度")
    instrument = filters.ModelChoiceFilter(
        field_name="grant__instrument", queryset=_instruments, label="政策条款"
    )
    kind = filters.ChoiceFilter(
        field_name="grant__instrument__kind", choices=InstrumentKind.choices, label="政策类别"
    )
    status = filters.ChoiceFilter(field_name="status", choices=DisbursementStatus.choices, label="状态")
    town = filters.ModelChoiceFilter(field_name="grant__enterprise__town", queryset=_towns, label="镇乡街道")
    ids = filters.IdsFilter(label="拨付编号")

    class Meta:
        model = Disbursement
        fields = []


@register
class DisbursementRegistry(Registry):
    key = "disbursements"
    model = Disbursement
    label = "奖补拨付"
    filterset = DisbursementFilters
    select_related = ("grant", "grant__enterprise", "grant__instrument")
    ordering = ("-paid_on", "-pk")
    columns = [
        Column("voucher", mono=True, link=True),
        Column("grant__enterprise__name", "企业"),
        Column("grant__instrument__name", "政策条款"),
        Column("amount", money=True),
        Column("paid_on"),
        Column("status"),
    ]
    view_capability = Capability.VIEW_POLICIES
    change_capability = Capability.MANAGE_POLICIES
    detail_fields = [
        "grant",
        "amount",
        "paid_on",
        "voucher",
        "account_name",
        "bank_name",
        "account_number",
        "status",
    ]
    menu = Menu("奖补拨付", group=GROUP, order=50)
    api_fields = ["id", "grant_id", "amount", "paid_on", "voucher", "status"]


# --- 申请兑现 ----------------------------------------------------------------------------------------------


class WindowFilters(filters.RegistryFilterSet):
    q = filters.SearchFilter("title", "instrument__name", label="批次或政策名称")
    year = filters.YearFilter(field_name="budget_year", label="兑现年度")
    status = filters.ChoiceFilter(field_name="status", choices=WindowStatus.choices, label="状态")
    instrument = filters.ModelChoiceFilter(field_name="instrument", queryset=_instruments, label="政策条款")

    class Meta:
        model = ApplicationWindow
        fields = []


@register
class ApplicationWindowRegistry(Registry):
    key = "application-windows"
    model = ApplicationWindow
    label = "申报批次"
    filterset = WindowFilters
    select_related = ("instrument", "instrument__document")
    ordering = ("-budget_year", "instrument__sort_order", "pk")
    columns = [
        Column("title", link=True),
        Column("instrument__name", "政策条款"),
        Column("budget_year"),
        Column("opens_on"),
        Column("closes_on"),
        Column("status"),
    ]
    form = WindowForm
    create_label = "开设申报批次"
    view_capability = Capability.VIEW_POLICIES
    change_capability = Capability.MANAGE_POLICIES
    save = staticmethod(applications.save_window)
    detail_template = "policies/window_detail.html"
    detail_fields = []
    workflow_title = "批次办理"
    menu = Menu("申报批次", group=GROUP, order=32)
    api_fields = [
        "id",
        "instrument_id",
        "title",
        "data_year",
        "budget_year",
        "opens_on",
        "closes_on",
        "checker",
        "publicity_days",
        "publicity_from",
        "publicity_until",
        "decision_number",
        "decided_on",
        "status",
    ]

    def form_kwargs(self, request, instance):
        return {"user": request.user}

    def edit_refusal(self, user, obj):
        return applications.edit_refusal(obj)

    def detail_context(self, request, obj):
        from .application_views import window_context

        return window_context(request, obj)


class ApplicationFilters(filters.RegistryFilterSet):
    q = filters.SearchFilter(
        "number",
        "enterprise__name",
        "enterprise__credit_code",
        upper=("enterprise__credit_code",),
        label="申请编号、企业名称或信用代码",
    )
    year = filters.YearFilter(field_name="window__budget_year", label="兑现年度")
    window = filters.ModelChoiceFilter(
        field_name="window", queryset=lambda request: ApplicationWindow.objects.all(), label="申报批次"
    )
    status = filters.ChoiceFilter(field_name="status", choices=ApplicationStatus.choices, label="状态")
    town = filters.ModelChoiceFilter(field_name="enterprise__town", queryset=_towns, label="镇乡街道")
    ids = filters.IdsFilter(label="申请编号")

    class Meta:
        model = PolicyApplication
        fields = []


@register
class PolicyApplicationRegistry(Registry):
    key = "policy-applications"
    model = PolicyApplication
    label = "政策兑现申请"
    filterset = ApplicationFilters
    select_related = ("window", "window__instrument", "enterprise", "enterprise__town", "checker")
    ordering = ("-window__budget_year", "window", "number", "pk")
    columns = [
        Column("number", mono=True, link=True),
        Column("enterprise__name", "企业"),
        Column("window__title", "申报批次"),
        Column("checker__name", "初审单位"),
        Column("requested", money=True),
        Column("proposed", money=True),
        Column("status"),
    ]
    view_capability = Capability.VIEW_POLICIES
    change_capability = Capability.MANAGE_POLICIES
    detail_template = "policies/application_detail.html"
    detail_fields = []
    workflow_title = "申请办理"
    sheet = "policy-applications"
    menu = Menu("兑现申请", group=GROUP, order=34)
    api_fields = [
        "id",
        "number",
        "window_id",
        "enterprise_id",
        "checker_id",
        "computed",
        "requested",
        "proposed",
        "review_score",
        "submitted_on",
        "status",
    ]

    def detail_context(self, request, obj):
        from .application_views import application_context

        return application_context(request, obj)
