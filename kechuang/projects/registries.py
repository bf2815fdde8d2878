"""The project registry, declared once: its filters, list, form, action, sheet, menu and API."""

from kechuang.enterprises.models import Enterprise
from kechuang.org.models import Department
from kechuang.org.roles import Capability
from kechuang.org.scope import has_capability, visible_to
from kechuang.web import filters
from kechuang.web.forms import keeping
from kechuang.web.registry import Column, Menu, Registry, register

from . import actions
from .forms import ProjectForm
from .models import Category, Project, Status

UNIT_KINDS = (Department.Kind.TOWN, Department.Kind.DEPARTMENT)


def units(user, capability=None):
    """Towns and departments a project can sit under, as far as `user` reaches."""
    return visible_to(user, Department.objects.filter(kind__in=UNIT_KINDS), capability).order_by("path")


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
    ]
    api_write = True

    def form_kwargs(self, request, instance):
        departments = units(request.user, Capability.CHANGE_PROJECTS)
        if instance is not None:  # the current department stays choosable even outside the user's reach
            departments = keeping(departments, [instance.department_id])
        return {
            "departments": departments,
            "enterprises": visible_to(request.user, Enterprise.objects.all(), Capability.VIEW_ENTERPRISES),
        }

    def detail_context(self, request, obj):
        from .application_views import detail_context as application_context  # an online application's part

        return {
            "can_view_enterprise": has_capability(request.user, Capability.VIEW_ENTERPRISES),
            **application_context(request, obj),
        }
