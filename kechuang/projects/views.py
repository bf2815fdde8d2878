from django.contrib import messages
from django.shortcuts import redirect, render

from kechuang.core.access import require_capability
from kechuang.core.filtering import paginate
from kechuang.core.forms import run_action
from kechuang.enterprises.models import Enterprise
from kechuang.org.models import Department
from kechuang.org.roles import Capability
from kechuang.org.scope import get_visible_or_404, has_capability, visible_to

from . import actions
from .filters import ProjectFilter
from .forms import ProjectForm
from .models import Category, Project, Status

UNIT_KINDS = (Department.Kind.TOWN, Department.Kind.DEPARTMENT)


def _units(user, capability=None):
    """Towns and departments a project can sit under, as far as `user` reaches."""
    return visible_to(user, Department.objects.filter(kind__in=UNIT_KINDS), capability).order_by("path")


@require_capability(Capability.VIEW_PROJECTS)
def project_list(request):
    filters = ProjectFilter(
        request.GET,
        queryset=visible_to(request.user, Project.objects.select_related("department", "enterprise")),
    )
    page = paginate(request.GET, filters.qs.order_by("-year", "number", "pk"))
    return render(
        request,
        "projects/list.html",
        {
            "page": page,
            # every filter present (empty when not given): the template never looks up a missing key
            "selected": {name: filters.given.get(name, "") for name in ProjectFilter.filters},
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
    if project is not None:  # keep the current department choosable even when it is outside the user's reach
        departments = (departments | Department.objects.filter(pk=project.department_id)).distinct()
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
