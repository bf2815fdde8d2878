"""The registries after 立项: 任务书, 结题验收 and 资金拨付 — their lists, filters, pages, exports and API,
declared through the kit. Each record's page is the kit's detail page with its own part
(`contract_views`); none is created or edited through a kit form (立项 opens the 任务书, the unit starts
its acceptance, the bureau arranges a payment from the project's page)."""

from kechuang.org.roles import Capability
from kechuang.web import filters
from kechuang.web.registry import Column, Menu, Registry, register

from .models import (
    Acceptance,
    AcceptanceStatus,
    Payer,
    Payment,
    PaymentStatus,
    TaskBook,
    TaskBookStatus,
    Tranche,
)

PROJECT_SEARCH = ("project__name", "project__number", "project__unit_name", "project__enterprise__name")


class TaskBookFilters(filters.RegistryFilterSet):
    q = filters.SearchFilter(*PROJECT_SEARCH, "number", label="项目名称、编号、承担单位或任务书编号")
    year = filters.YearFilter(field_name="project__year", label="申报年度")
    status = filters.ChoiceFilter(field_name="status", choices=TaskBookStatus.choices, label="状态")

    class Meta:
        model = TaskBook
        fields = []


@register
class TaskBookRegistry(Registry):
    key = "task-books"
    model = TaskBook
    label = "任务书"
    filterset = TaskBookFilters
    select_related = ("project", "project__enterprise")
    ordering = ("-project__year", "project__number", "pk")
    columns = [
        Column("project__number", "项目编号", mono=True),
        Column("project__name", "项目名称", link=True),
        Column("project__applicant", "承担单位", sort=""),
        Column("starts_on"),
        Column("ends_on"),
        Column("status"),
    ]
    workflow_title = "任务书办理"
    view_capability = Capability.VIEW_PROJECTS
    change_capability = Capability.CHANGE_PROJECTS
    detail_template = "projects/task_book_detail.html"
    detail_fields = []
    menu = Menu("任务书", group="平台与项目", order=41)
    api_fields = [
        "id",
        "project_id",
        "number",
        "starts_on",
        "ends_on",
        "report_every_months",
        "owner_funding",
        "signed_on",
        "status",
    ]

    def detail_context(self, request, obj):
        from .contract_views import task_book_context

        return task_book_context(request, obj)


class AcceptanceFilters(filters.RegistryFilterSet):
    q = filters.SearchFilter(*PROJECT_SEARCH, label="项目名称、编号或承担单位")
    year = filters.YearFilter(field_name="project__year", label="申报年度")
    status = filters.ChoiceFilter(field_name="status", choices=AcceptanceStatus.choices, label="状态")

    class Meta:
        model = Acceptance
        fields = []


@register
class AcceptanceRegistry(Registry):
    key = "acceptances"
    model = Acceptance
    label = "结题验收"
    filterset = AcceptanceFilters
    select_related = ("project", "project__enterprise")
    ordering = ("-pk",)
    columns = [
        Column("project__number", "项目编号", mono=True),
        Column("project__name", "项目名称", link=True),
        Column("project__applicant", "承担单位", sort=""),
        Column("applied_on"),
        Column("decided_on"),
        Column("status"),
    ]
    workflow_title = "验收办理"
    view_capability = Capability.VIEW_PROJECTS
    change_capability = Capability.CHANGE_PROJECTS
    detail_template = "projects/acceptance_detail.html"
    detail_fields = []
    menu = Menu("结题验收", group="平台与项目", order=43)
    api_fields = ["id", "project_id", "applied_on", "decided_on", "extended_to", "spent", "status"]

    def detail_context(self, request, obj):
        from .contract_views import acceptance_context

        return acceptance_context(request, obj)


class PaymentFilters(filters.RegistryFilterSet):
    q = filters.SearchFilter(*PROJECT_SEARCH, "voucher", label="项目名称、编号、承担单位或凭证号")
    year = filters.YearFilter(field_name="paid_on__year", label="拨付年度")
    call = filters.SearchFilter("project__call__number", "project__call__title", label="申报指南")
    tranche = filters.ChoiceFilter(field_name="tranche", choices=Tranche.choices, label="拨付节点")
    payer = filters.ChoiceFilter(field_name="payer", choices=Payer.choices, label="出资方")
    status = filters.ChoiceFilter(field_name="status", choices=PaymentStatus.choices, label="状态")

    class Meta:
        model = Payment
        fields = []


@register
class PaymentRegistry(Registry):
    key = "payments"
    model = Payment
    label = "资金拨付"
    filterset = PaymentFilters
    select_related = ("project", "project__enterprise", "milestone")
    ordering = ("-pk",)
    columns = [
        Column("project__number", "项目编号", mono=True),
        Column("project__name", "项目名称"),
        Column("tranche", link=True),
        Column("payer"),
        Column("amount", "金额（万元）", money=True),
        Column("paid_on"),
        Column("voucher", mono=True),
        Column("status"),
    ]
    workflow_title = "拨付办理"
    view_capability = Capability.VIEW_PROJECTS
    change_capability = Capability.CHANGE_PROJECTS
    detail_template = "projects/payment_detail.html"
    menu = Menu("资金拨付", group="平台与项目", order=44)
    sheet = "payments"
    api_fields = [
        "id",
        "project_id",
        "tranche",
        "milestone_id",
        "payer",
        "amount",
        "paid_on",
        "voucher",
        "note",
        "status",
    ]

    def detail_context(self, request, obj):
        from .contract_views import payment_context

        return payment_context(request, obj)
