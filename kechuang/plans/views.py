from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from kechuang.core.access import require_capability
from kechuang.core.forms import run_action
from kechuang.org.models import Department
from kechuang.org.roles import Capability
from kechuang.org.scope import get_visible_or_404, visible_to
from kechuang.progress.actuals import actuals_by_target
from kechuang.progress.registry import metrics

from . import actions
from .export import plan_queryset, plan_tree
from .forms import TaskForm
from .models import Plan, Task
from .sourcetext import marked_segments


@require_capability(Capability.VIEW_PLAN)
def plan_list(request):
    plans = visible_to(request.user, Plan.objects.select_related("department")).order_by("-issued_on", "pk")
    return render(request, "plans/plan_list.html", {"plans": plans})


@require_capability(Capability.VIEW_PLAN)
def plan_detail(request, pk):
    plan = get_visible_or_404(request.user, plan_queryset(), pk=pk)
    programmes = plan.programmes.all()
    return render(
        request,
        "plans/plan_detail.html",
        {
            "plan": plan,
            "programmes": programmes,
            "metrics": {m.key: m for m in metrics},
            "actuals": actuals_by_target(programmes, timezone.localdate()),
        },
    )


@require_capability(Capability.VIEW_PLAN)
def programme_detail(request, pk, number):
    plan = get_visible_or_404(request.user, plan_queryset(), pk=pk)
    programme = next((p for p in plan.programmes.all() if p.number == number), None)
    if programme is None:
        return render(
            request, "core/error.html", {"code": 404, "message": "该方案没有这一工程。"}, status=404
        )
    return render(
        request,
        "plans/programme_detail.html",
        {
            "plan": plan,
            "programme": programme,
            "metrics": {m.key: m for m in metrics},
            "actuals": actuals_by_target([programme], timezone.localdate()),
        },
    )


@require_capability(Capability.VIEW_PLAN)
def plan_source(request, pk):
    plan = get_visible_or_404(request.user, plan_queryset(), pk=pk)
    return render(request, "plans/plan_source.html", {"plan": plan, "segments": marked_segments(plan)})


@require_capability(Capability.VIEW_PLAN)
def plan_export(request, pk):
    plan = get_visible_or_404(request.user, plan_queryset(), pk=pk)
    response = JsonResponse(plan_tree(plan), json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = f'attachment; filename="plan-{plan.pk}.json"'
    return response


def _task_queryset():
    return Task.objects.select_related("programme__plan", "lead_department").prefetch_related(
        "co_departments", "indicators__targets"
    )


@require_capability(Capability.VIEW_PLAN)
def task_detail(request, pk):
    task = get_visible_or_404(request.user, _task_queryset(), pk=pk)
    can_change = visible_to(request.user, Task.objects.filter(pk=pk), Capability.CHANGE_PLAN).exists()
    return render(request, "plans/task_detail.html", {"task": task, "can_change": can_change})


@require_capability(Capability.CHANGE_PLAN)
def task_edit(request, pk):
    task = get_visible_or_404(request.user, _task_queryset(), Capability.CHANGE_PLAN, pk=pk)
    region = task.programme.plan.department
    departments = Department.objects.filter(path__startswith=region.path).order_by("path")
    initial = {
        "status": task.status,
        "completed_on": task.completed_on,
        "deadline": task.deadline,
        "lead_department": task.lead_department_id,
        "co_departments": [d.pk for d in task.co_departments.all()],
    }
    form = TaskForm(request.POST or None, initial=initial, departments=departments)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        updated = run_action(
            form,
            actions.update_task,
            request.user,
            task,
            status=d["status"],
            completed_on=d["completed_on"],
            deadline=d["deadline"],
            lead_department=d["lead_department"],
            co_departments=d["co_departments"],
            reason=d["reason"],
        )
        if updated is not None:
            messages.success(request, "任务已更新。")
            return redirect("plans:task", task.pk)
    return render(request, "plans/task_form.html", {"form": form, "task": task})
