from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render

from kechuang.core.access import require_capability
from kechuang.core.forms import run_action
from kechuang.enterprises.models import Enterprise
from kechuang.org.forms import keeping
from kechuang.org.models import Department
from kechuang.org.roles import Capability
from kechuang.org.scope import get_visible_or_404, has_capability, visible_to

from . import actions
from .forms import ProjectForm
from .models import Category, Project, Status

FILTERS = ("year", "category", "status", "department", "q")
UNIT_KINDS = (Department.Kind.TOWN, Department.Kind.DEPARTMENT)


def _units(user, capability=None):
    """Towns and departments a project can sit under, as far as `user` reaches."""
    return visible_to(user, Department.objects.filter(kind__in=UNIT_KINDS), capability).order_by("path")


def filter_projects(queryset, params):
    """Narrow by the list page's filters; unknown or malformed values are ignored."""
    year = params.get("year", "")
    if year.isdigit():
        queryset = queryset.filter(year=int(year))
    if params.get("category") in Category.values:
        queryset = queryset.filter(category=params["category"])
    if params.get("status") in Status.values:
        queryset = queryset.filter(status=params["status"])
    department = params.get("department", "")
    if department.isdigit():
        queryset = queryset.filter(department_id=int(department))
    text = params.get("q", "").strip()
    if text:
        queryset = queryset.filter(
            Q(name__icontains=text)
            | Q(number__icontains=text)
            | Q(unit_name__icontains=text)
            | Q(enterprise__name__icontains=text)
        )
    return queryset


@require_capability(Capability.VIEW_PROJECTS)
def project_list(request):
    projects = filter_projects(
        visible_to(request.user, Project.objects.select_related("department", "enterprise")), request.GET
    )
    page = Paginator(projects.order_by("-year", "number", "pk"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "projects/list.html",
        {
            "page": page,
            # every filter present (empty when not given): the template never looks up a missing key
            "selected": {name: request.GET.get(name, "") for name in FILTERS},
            "years": Project.objects.order_by("-year").values_list("year", flat=True).distinct(),
            "categories": Category.choices,
            "statuses": Status.choices,
            "units": _units(request.user),
            "can_create": has_capability(request.user, Capability.CHANGE_PROJECTS),
        },
    )


def _project(request, pk, capability=None) -> Project:
    return get_visible_or_404(
        request.user, Project.objects.select_related("department", "enterprise"), capability, pk=pk
    )


@require_capability(Capability.VIEW_PROJECTS)
def project_detail(request, pk):
    project = _project(request, pk)
    can_change = (
        has_capability(request.user, Capability.CHANGE_PROJECTS)
        and visible_to(request.user, Project.objects.filter(pk=pk), Capability.CHANGE_PROJECTS).exists()
    )
    return render(
        request,
        "projects/detail.html",
        {
            "project": project,
            "can_change": can_change,
            "can_view_enterprise": has_capability(request.user, Capability.VIEW_ENTERPRISES),
        },
    )


def _form(request, project=None):
    departments = _units(request.user, Capability.CHANGE_PROJECTS)
    if project is not None:
        departments = keeping(departments, [project.department_id])
    return ProjectForm(
        request.POST or None,
        instance=project,
        departments=departments,
        enterprises=visible_to(request.user, Enterprise.objects.all(), Capability.VIEW_ENTERPRISES),
    )


@require_capability(Capability.CHANGE_PROJECTS)
def project_create(request):
    form = _form(request)
    if request.method == "POST" and form.is_valid():
        created = run_action(
            form,
            actions.save_project,
            request.user,
            None,
            reason=form.cleaned_data["reason"],
            **form.fields_for_action(),
        )
        if created is not None:
            messages.success(request, f"已登记项目“{created.name}”。")
            return redirect("projects:detail", created.pk)
    return render(request, "projects/form.html", {"form": form, "title": "登记科技项目", "project": None})


@require_capability(Capability.CHANGE_PROJECTS)
def project_edit(request, pk):
    project = _project(request, pk, Capability.CHANGE_PROJECTS)
    form = _form(request, project)
    if request.method == "POST" and form.is_valid():
        saved = run_action(
            form,
            actions.save_project,
            request.user,
            Project.objects.get(pk=pk),  # the stored record, not the one the form already changed
            reason=form.cleaned_data["reason"],
            **form.fields_for_action(),
        )
        if saved is not None:
            messages.success(request, "项目信息已保存。")
            return redirect("projects:detail", pk)
    return render(
        request,
        "projects/form.html",
        {"form": form, "title": f"编辑项目：{project.name}", "project": project},
    )
