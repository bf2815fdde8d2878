"""The voucher registries, declared through the kit: voucher types, the service institutions that redeem
them and the vouchers — lists, filters, pages, exports and API. Vouchers are never made through a kit form
(an enterprise claims one, the bureau issues them from the type's page); an institution redeems from its
兑付 page (`views.py`); the rest of a voucher's life is its workflow panel."""

from datetime import date
from decimal import Decimal

from ninja import Schema

from kechuang.org.models import Department
from kechuang.org.roles import Capability
from kechuang.org.scope import has_capability, visible_to
from kechuang.policies.models import Instrument
from kechuang.web import filters
from kechuang.web.forms import keeping
from kechuang.web.registry import Column, Menu, Registry, register

from . import actions
from .forms import REGIONS, ProviderForm, VoucherTypeForm
from .models import ServiceProvider, Voucher, VoucherStatus, VoucherType

GROUP = "科技创新券"


def _towns(request):
    towns = Department.objects.filter(kind=Department.Kind.TOWN)
    return visible_to(request.user, towns).order_by("path") if request is not None else towns


def _regions(request):
    return (
        Department.objects.filter(kind__in=REGIONS, voucher_types__isnull=False).distinct().order_by("path")
    )


class TypeFilters(filters.RegistryFilterSet):
    q = filters.SearchFilter("name", "services", label="名称或服务")
    department = filters.ModelChoiceFilter(field_name="department", queryset=_regions, label="发放单位")
    year = filters.YearFilter(field_name="year", label="年度")
    is_open = filters.BooleanFilter(field_name="is_open", label="开放申领")

    class Meta:
        model = VoucherType
        fields = []


@register
class VoucherTypeRegistry(Registry):
    key = "voucher-types"
    model = VoucherType
    label = "创新券类型"
    filterset = TypeFilters
    select_related = ("department", "instrument", "redeem_requires")
    ordering = ("-year", "name", "pk")
    columns = [
        Column("name", link=True),
        Column("department__name", "发放单位"),
        Column("year"),
        Column("face_value", "面值（元）", money=True),
        Column("valid_from"),
        Column("valid_to"),
        Column("annual_cap", "年度上限（元）", money=True),
        Column("is_open"),
    ]
    form = VoucherTypeForm
    create_label = "新增创新券类型"
    view_capability = Capability.VIEW_VOUCHERS
    change_capability = Capability.MANAGE_VOUCHERS
    save = staticmethod(actions.save_type)
    detail_template = "vouchers/type_detail.html"
    menu = Menu("创新券类型", group=GROUP, order=10)
    api_fields = [
        "id",
        "department_id",
        "name",
        "year",
        "instrument_id",
        "face_value",
        "valid_from",
        "valid_to",
        "eligible_kinds",
        "redeem_requires_id",
        "annual_cap",
        "total_count",
        "max_share",
        "same_day_flag",
        "services",
        "is_open",
        "is_demo",
    ]

    def base_queryset(self):
        return super().base_queryset().prefetch_related("eligible_kinds")

    def form_kwargs(self, request, instance):
        regions = Department.objects.filter(kind__in=REGIONS)
        departments = visible_to(request.user, regions, Capability.MANAGE_VOUCHERS).order_by("path")
        if instance is not None:
            departments = keeping(departments, [instance.department_id])
        instruments = Instrument.objects.filter(kind="voucher", document__department__in=departments)
        if instance is not None and instance.instrument_id:
            instruments = instruments | Instrument.objects.filter(pk=instance.instrument_id)
        return {
            "instruments": instruments.distinct().order_by("document", "sort_order"),
            "departments": departments,
        }

    def edit_refusal(self, user, obj) -> str | None:
        if not actions.manages(user, obj):
            return f"该创新券类型由“{obj.department.name}”发放，由其科技局维护。"
        return None

    def detail_context(self, request, obj):
        from .views import type_context

        return type_context(request, obj)


class ProviderFilters(filters.RegistryFilterSet):
    q = filters.SearchFilter(
        "name", "credit_code", "services", upper=("credit_code",), label="名称、信用代码或服务"
    )
    town = filters.ModelChoiceFilter(field_name="town", queryset=_towns, label="镇乡街道")
    is_active = filters.BooleanFilter(field_name="is_active", label="在册")

    class Meta:
        model = ServiceProvider
        fields = []


@register
class ServiceProviderRegistry(Registry):
    key = "voucher-providers"
    model = ServiceProvider
    label = "创新券服务机构"
    filterset = ProviderFilters
    select_related = ("town",)
    ordering = ("name", "pk")
    columns = [
        Column("name", link=True),
        Column("credit_code", mono=True),
        Column("town__name", "镇乡街道"),
        Column("services"),
        Column("registered_on"),
        Column("is_active"),
    ]
    form = ProviderForm
    create_label = "登记服务机构"
    view_capability = Capability.VIEW_VOUCHERS
    change_capability = Capability.MANAGE_VOUCHERS
    save = staticmethod(actions.save_provider)
    detail_template = "vouchers/provider_detail.html"
    menu = Menu("服务机构", group=GROUP, order=30)
    api_fields = [
        "id",
        "name",
        "credit_code",
        "town_id",
        "legal_representative",
        "services",
        "registered_on",
        "is_active",
    ]

    def form_kwargs(self, request, instance):
        towns = visible_to(
            request.user, Department.objects.filter(kind=Department.Kind.TOWN), Capability.MANAGE_VOUCHERS
        )
        if instance is not None:
            towns = keeping(towns, [instance.town_id])
        return {"towns": towns.order_by("path")}

    def detail_context(self, request, obj):
        from .views import provider_context

        return provider_context(request, obj)


class VoucherOut(Schema):
    """A voucher as the API shows it: its flags a list of sentences."""

    id: int
    number: str
    type_id: int
    enterprise_id: int
    face_value: Decimal
    issued_on: date
    expires_on: date
    status: str
    provider_id: int | None
    redeemed_on: date | None
    contract_number: str
    contract_amount: Decimal | None
    invoice_number: str
    invoice_amount: Decimal | None
    redeemed_amount: Decimal | None
    flags: list[str]
    settled_on: date | None
    settlement_number: str


class VoucherFilters(filters.RegistryFilterSet):
    q = filters.SearchFilter(
        "number",
        "enterprise__name",
        "enterprise__credit_code",
        "provider__name",
        "invoice_number",
        upper=("number", "enterprise__credit_code"),
        label="券号、企业、服务机构或发票号",
    )
    type = filters.ModelChoiceFilter(
        field_name="type",
        queryset=lambda request: VoucherType.objects.order_by("-year", "name"),
        label="类型",
    )
    year = filters.YearFilter(field_name="type__year", label="年度")
    status = filters.ChoiceFilter(field_name="status", choices=VoucherStatus.choices, label="状态")
    provider = filters.ModelChoiceFilter(
        field_name="provider",
        queryset=lambda request: ServiceProvider.objects.order_by("name"),
        label="服务机构",
    )
    flagged = filters.BooleanFilter(field_name="flags", method="filter_flagged", label="有核查提示")
    town = filters.ModelChoiceFilter(field_name="enterprise__town", queryset=_towns, label="镇乡街道")
    ids = filters.IdsFilter(label="创新券编号")

    class Meta:
        model = Voucher
        fields = []

    def filter_flagged(self, queryset, name, value):
        return queryset.exclude(flags=[]) if value else queryset.filter(flags=[])


@register
class VoucherRegistry(Registry):
    key = "vouchers"
    model = Voucher
    label = "科技创新券"
    filterset = VoucherFilters
    select_related = ("type", "enterprise", "enterprise__town", "provider")
    ordering = ("-issued_on", "number", "pk")
    columns = [
        Column("number", mono=True, link=True),
        Column("type__name", "类型"),
        Column("enterprise__name", "持券企业"),
        Column("face_value", "面值（元）", money=True),
        Column("expires_on"),
        Column("provider__name", "兑付机构"),
        Column("redeemed_amount", "抵扣（元）", money=True),
        Column("status"),
    ]
    view_capability = Capability.VIEW_VOUCHERS
    change_capability = Capability.MANAGE_VOUCHERS
    detail_template = "vouchers/voucher_detail.html"
    detail_fields = [
        "type",
        "enterprise",
        "number",
        "face_value",
        "issued_on",
        "expires_on",
        "status",
        "provider",
        "redeemed_on",
        "service_content",
        "contract_number",
        "contract_amount",
        "invoice_number",
        "invoice_amount",
        "redeemed_amount",
        "verify_note",
        "settled_on",
        "settlement_number",
    ]
    workflow_title = "创新券办理"
    sheet = "vouchers"
    menu = Menu("科技创新券", group=GROUP, order=20)
    api_schema = VoucherOut

    def detail_context(self, request, obj):
        return {
            "attachments": obj.attachments.all(),
            "can_view_enterprise": has_capability(request.user, Capability.VIEW_ENTERPRISES),
        }
