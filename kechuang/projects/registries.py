"""The project and call registries, declared once: their filters, lists, forms, actions, sheets, menus and
APIs."""

from django.db.models import Case, CharField, Value, When  # 中期检查
from django.http import Http404
from django.utils import timezone  # 中期检查

from kechuang.enterprises.models import Enterprise
from kechuang.org.models import Department
from kechuang.org.roles import Capability
from kechuang.org.scope import has_capability, visible_to
from kechuang.plans.work import plan_tasks
from kechuang.web import filters
from kechuang.web.forms import keeping
from kechuang.web.registry import Column, Menu, Registry, register

from . import (
    actions,
    calls,
    interim,  # 中期检查
)
from .calls import UNIT_KINDS, units  # where a project can sit (the sheets and forms ask here too)
from .forms import CallForm, ProjectForm
from .models import (
    ApprovalBatch,
    BatchStatus,
    Call,
    CallStatus,
    Category,
    InterimReport,  # 中期检查
    Project,
    ReportStatus,  # 中期检查
    Status,
)


def _current_tasks(instance) -> list[int]:
    return [] if instance is None else [task.pk for task in instance.tasks.all()]


def _units_of(request):
    return units(request.user) if request is not None else Department.objects.filter(kind__in=UNIT_KINDS)


class ProjectFilters(filters.RegistryFilterSet):
    q = filters.SearchFilter(
        "name", "number", "unit_name", "enterprise__name", label="项目名称、编号或承担单位"
    )
    year = filters.YearFilter(field_name="year", label="申报年度")
    category = filters.ChoiceFilter(field_name="category", choices=Category.choices, label="类别")
    status = filters.ChoiceFilter(field_name="status", choices=Status.choices, label="状态")
    department = filters.ModelChoiceFilter(field_name="department", queryset=_units_of, label="所属单位")
    ids = filters.IdsFilter(label="项目编号")

    class Meta:
        model = Project
        fields = []


@register
class ProjectRegistry(Registry):
    key = "projects"
    model = Project
    label = "科技项目"
    filterset = ProjectFilters
    select_related = ("department", "enterprise")
    ordering = ("-year", "number", "pk")
    columns = [
        Column("number", mono=True),
        Column("name", link=True),
        Column("category"),
        Column("applicant", "承担单位"),
        Column("department__name", "镇街/归口单位"),
        Column("year"),
        Column("status", template="projects/_status.html"),
        Column("funding", "财政资助（万元）", money=True),
    ]
    form = ProjectForm
    create_label = "登记项目"
    workflow_title = "项目办理"
    view_capability = Capability.VIEW_PROJECTS
    change_capability = Capability.CHANGE_PROJECTS
    save = staticmethod(actions.save_project)
    sheet = "projects"
    detail_template = "projects/detail.html"
    menu = Menu("科技项目", group="平台与项目", order=40)
    api_fields = [
        "id",
        "year",
        "number",
        "name",
        "category",
        "department_id",
        "enterprise_id",
        "unit_name",
        "status",
        "applied_on",
        "approved_on",
        "planned_end_on",
        "completed_on",
        "funding",
        "self_funding",
        "note",
        "tasks",
    ]
    api_write = True

    def base_queryset(self):
        return super().base_queryset().prefetch_related("tasks")

    def form_kwargs(self, request, instance):
        departments = units(request.user, Capability.CHANGE_PROJECTS)
        if instance is not None:  # the current department stays choosable even outside the user's reach
            departments = keeping(departments, [instance.department_id])
        return {
            "departments": departments,
            "enterprises": visible_to(request.user, Enterprise.objects.all(), Capability.VIEW_ENTERPRISES),
            "tasks": plan_tasks(request.user, _current_tasks(instance)),
        }

    def detail_context(self, request, obj):
        from .application_views import detail_context as application_context  # an online application's part
        from .contract_views import project_context  # after 立项: 任务书, 中期检查, 验收, 拨付
        from .interim_views import project_context as interim_context  # 中期检查

        return {
            "can_view_enterprise": has_capability(request.user, Capability.VIEW_ENTERPRISES),
            **application_context(request, obj),
            **project_context(request, obj),
            **interim_context(request, obj),  # 中期检查
        }


# --- 申报指南 ------------------------------------------------------------------------------------------

CALL_UNIT_KINDS = (Department.Kind.DEPARTMENT,)  # the bureau (or another department) publishes a call


def call_units(user, capability=None):
    """The departments that may publish calls, as far as `user` reaches."""
    return visible_to(user, Department.objects.filter(kind__in=CALL_UNIT_KINDS), capability).order_by("path")


class CallFilters(filters.RegistryFilterSet):
    q = filters.SearchFilter("title", "number", label="指南名称或编号")
    year = filters.YearFilter(field_name="year", label="年度")
    category = filters.ChoiceFilter(field_name="category", choices=Category.choices, label="项目类别")
    status = filters.ChoiceFilter(field_name="status", choices=CallStatus.choices, label="状态")

    class Meta:
        model = Call
        fields = []


@register
class CallRegistry(Registry):
    """申报指南: published calls are read by everyone who sees projects (enterprises apply to them);
    drafts only by who keeps calls for their unit (`calls.readable`) — the list, the detail page, the
    export and the API alike."""

    key = "calls"
    model = Call
    label = "申报指南"
    filterset = CallFilters
    select_related = ("department",)
    ordering = ("-year", "number", "pk")
    columns = [
        Column("number", mono=True),
        Column("title", link=True),
        Column("category"),
        Column("year"),
        Column("opens_on"),
        Column("closes_on"),
        Column("status", template="projects/_call_status.html"),
        Column("budget", "资金预算（万元）", money=True),
    ]
    form = CallForm
    create_label = "发布申报指南"
    workflow_title = "指南办理"
    view_capability = Capability.VIEW_PROJECTS
    change_capability = Capability.CHANGE_PROJECTS
    save = staticmethod(calls.save_call)
    sheet = "calls"
    detail_template = "projects/call_detail.html"
    menu = Menu("申报指南", group="平台与项目", order=35)
    api_fields = [
        "id",
        "year",
        "number",
        "title",
        "category",
        "department_id",
        "topics",
        "budget",
        "max_request",
        "opens_on",
        "closes_on",
        "correction_days",
        "attachments",
        "enterprise_only",
        "qualifications",
        "one_per_applicant",
        "status",
        "note",
        "tasks",
    ]
    api_write = True

    def base_queryset(self):
        return super().base_queryset().prefetch_related("qualifications", "tasks")

    def queryset(self, user, capability=None):
        if capability in (None, self.view_capability):
            return calls.readable(user, self.base_queryset())
        return super().queryset(user, capability)

    def get(self, user, pk, capability=None):
        if capability in (None, self.view_capability):  # a draft answers as missing to who may not keep it
            try:
                return self.queryset(user).get(pk=pk)
            except (Call.DoesNotExist, ValueError, TypeError) as exc:
                raise Http404("记录不存在或不在您的数据范围内") from exc
        return super().get(user, pk, capability)

    def form_kwargs(self, request, instance):
        departments = call_units(request.user, Capability.CHANGE_PROJECTS)
        if instance is not None:  # the current unit stays choosable
            departments = keeping(departments, [instance.department_id])
        return {"departments": departments, "tasks": plan_tasks(request.user, _current_tasks(instance))}

    def detail_context(self, request, obj):
        from .call_views import call_context

        return call_context(request, obj)


# --- 立项批次 ------------------------------------------------------------------------------------------


class BatchFilters(filters.RegistryFilterSet):
    q = filters.SearchFilter("title", "call__title", "document_number", label="批次名称、指南或文号")
    year = filters.YearFilter(field_name="call__year", label="指南年度")
    status = filters.ChoiceFilter(field_name="status", choices=BatchStatus.choices, label="状态")

    class Meta:
        model = ApprovalBatch
        fields = []


@register
class ApprovalBatchRegistry(Registry):
    """立项批次: made from the call's page (`approval.draft`), kept on its own page (lines, 公示, objections,
    下达) — no create or edit form through the kit."""

    key = "approval-batches"
    model = ApprovalBatch
    label = "立项批次"
    filterset = BatchFilters
    select_related = ("call", "call__department")
    ordering = ("-pk",)
    columns = [
        Column("title", link=True),
        Column("call__title", "申报指南"),
        Column("status"),
        Column("publicity_until"),
        Column("document_number", mono=True),
    ]
    workflow_title = "批次办理"
    view_capability = Capability.VIEW_PROJECTS
    change_capability = Capability.CHANGE_PROJECTS
    detail_template = "projects/batch_detail.html"
    detail_fields = []  # the page states its own facts
    menu = Menu("立项批次", group="平台与项目", order=36)
    api_fields = [
        "id",
        "call_id",
        "title",
        "publicity_days",
        "publicity_from",
        "publicity_until",
        "document_number",
        "decided_on",
        "status",
    ]

    def detail_context(self, request, obj):
        from .batch_views import batch_context

        return batch_context(request, obj)


from . import contract_registries  # noqa: E402,F401  (任务书, 结题验收, 资金拨付)

# --- 中期检查 (interim reports) ---------------------------------------------------------------------------


class LatenessFilter(filters.ChoiceFilter):
    """即将到期 / 逾期 / 严重逾期 as of today, in the database (`interim.lateness_condition`)."""

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(interim.lateness_condition(value, timezone.localdate()))


class InterimReportFilters(filters.RegistryFilterSet):
    q = filters.SearchFilter(
        "project__name",
        "project__number",
        "project__unit_name",
        "project__enterprise__name",
        "title",
        label="项目名称、编号或承担单位",
    )
    year = filters.YearFilter(field_name="project__year", label="项目年度")
    status = filters.ChoiceFilter(field_name="status", choices=ReportStatus.choices, label="状态")
    lateness = LatenessFilter(choices=interim.LATENESS, label="逾期情况")
    department = filters.ModelChoiceFilter(
        field_name="project__department", queryset=_units_of, label="所属单位"
    )

    class Meta:
        model = InterimReport
        fields = []


@register
class InterimReportRegistry(Registry):
    """中期检查: every report the user sees (scope through its project); each report is kept on its own page
    (`projects:interim`: the unit's form, the bureau's verdict) — no create or edit form through the kit."""

    key = "interim-reports"
    model = InterimReport
    label = "中期检查"
    filterset = InterimReportFilters
    select_related = ("project", "project__enterprise", "project__department")
    ordering = ("due_on", "project__number", "sequence", "pk")
    columns = [
        Column("project__number", "项目编号", mono=True),
        Column("project__name", "项目名称"),
        Column("project__applicant", "承担单位", sort=""),
        Column("title", link=True),
        Column("period_from", "报告期", template="projects/_interim_period.html"),
        Column("due_on"),
        Column("status", template="projects/_interim_status.html"),
        Column("lateness_label", "逾期情况", sort="", template="projects/_interim_lateness.html"),
    ]
    workflow_title = "中期检查办理"
    view_capability = Capability.VIEW_PROJECTS
    change_capability = Capability.CHANGE_PROJECTS
    detail_fields = []
    sheet = "interim-reports"  # export only (interim_sheets.py)
    menu = Menu("中期检查", group="平台与项目", order=41)
    api_fields = [
        "id",
        "project_id",
        "sequence",
        "title",
        "period_from",
        "period_to",
        "due_on",
        "progress",
        "problems",
        "spent",
        "submitted_on",
        "rectify_by",
        "status",
    ]

    def list_queryset(self, request, queryset):
        today = timezone.localdate()
        return queryset.annotate(
            lateness_label=Case(
                *[
                    When(interim.lateness_condition(name, today), then=Value(name))
                    for name, _ in interim.LATENESS
                ],
                default=Value(""),
                output_field=CharField(),
            )
        )


# --- end of 中期检查 ---------------------------------------------------------------------------------------
