from collections import Counter

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone

from kechuang.api.errors import error_response, too_big
from kechuang.core.filtering import InvalidQuery
from kechuang.core.uploads import megabytes
from kechuang.org.roles import Capability, Role
from kechuang.org.scope import has_capability
from kechuang.plans.choices import TaskStatus
from kechuang.plans.models import Task
from kechuang.plans.views import text_limit_label
from kechuang.progress.actuals import actuals_by_target
from kechuang.progress.cockpit import active_plan

from .todo import my_todos


def home(request):
    """Each role's landing page: 我的待办 first (what this user must do now), then the plan in force —
    the same plan the cockpit shows — programme by programme for those who oversee it; a reporter sees
    the tasks and targets of their own unit; external users what is theirs."""
    user = request.user
    today = timezone.localdate()
    plan = active_plan(user)
    todos = my_todos(user, plan, today)
    overview = has_capability(user, Capability.REVIEW_PROGRESS) or has_capability(
        user, Capability.CHANGE_PLAN
    )
    overview = overview or user.grants.filter(role=Role.LEADER).exists()
    context = {"plan": plan, "todos": todos, "overview": overview, "today": today}
    if plan is not None and not overview and has_capability(user, Capability.REPORT_PROGRESS):
        context["own_tasks"] = _own_tasks(user, plan)
    if not overview:
        return render(request, "core/home.html", context)
    cards = []
    if plan is not None:
        status_counts = Counter(
            Task.objects.filter(programme__plan=plan).values_list("programme_id", "status")
        )
        for programme in plan.programmes.prefetch_related("indicators__targets").all():
            targets = [t for i in programme.indicators.all() for t in i.targets.all()]
            counts = {status: n for (pid, status), n in status_counts.items() if pid == programme.pk}
            summary = [(TaskStatus(s).label, counts[s]) for s in TaskStatus.values if counts.get(s)]
            cards.append(
                {
                    "programme": programme,
                    "targets": targets,
                    "status_summary": summary,
                    "task_total": sum(counts.values()),
                }
            )
    context["cards"] = cards
    context["actuals"] = actuals_by_target([c["programme"] for c in cards], today)
    return render(request, "core/home.html", context)


def _own_tasks(user, plan):
    mine = list(user.memberships.values_list("department_id", flat=True))
    tasks = Task.objects.filter(programme__plan=plan).select_related("lead_department", "programme")
    own = tasks.filter(lead_department__in=mine) | tasks.filter(co_departments__in=mine)
    return own.distinct().order_by("programme__number", "code")


def _for_api(request) -> bool:
    """Errors under /api/ answer as the API does, `{"detail": "…"}` (api/errors.py), not with a page."""
    return request.path.startswith("/api/")


def error_400(request, exception=None):
    """A request that cannot be answered as asked, e.g. a bad query-string value: the reason in Chinese
    (from `core.filtering.InvalidQuery`) and a way back to the page without the query. A form larger
    than DATA_UPLOAD_MAX_MEMORY_SIZE is named with its limits (the plan text's the largest field)."""
    back = request.path
    if isinstance(exception, InvalidQuery):
        message = str(exception)
    elif isinstance(exception, RequestDataTooBig):
        if _for_api(request):
            return error_response(400, too_big())
        message = (
            f"提交的内容超过 {megabytes(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)} MB，未处理：粘贴的方案原文"
            f"不能超过 {text_limit_label()}，更大的内容请以文件上传。"
        )
    elif isinstance(exception, TooManyFieldsSent):
        message = "提交的字段过多，未处理。"
    else:
        message = "请求有误，无法处理。"
    if _for_api(request):
        return error_response(400, message)
    return render(request, "core/error.html", {"code": 400, "message": message, "back": back}, status=400)


def error_404(request, exception=None):
    if _for_api(request):
        return error_response(404, f"接口不存在：{request.path}")
    return render(
        request,
        "core/error.html",
        {"code": 404, "message": "页面不存在，或该记录不在您的数据范围内。"},
        status=404,
    )


def error_403(request, exception=None):
    if _for_api(request):
        return error_response(403, "您没有访问该接口的权限。")
    return render(
        request, "core/error.html", {"code": 403, "message": "您没有访问该页面的权限。"}, status=403
    )


def error_500(request):
    if _for_api(request):
        return error_response(500, "系统内部错误，已记录。请稍后重试。")
    return render(
        request, "core/error.html", {"code": 500, "message": "系统内部错误，已记录。请稍后重试。"}, status=500
    )


def bench_ok(request):
    """The serving benchmark's baseline (only routed with KECHUANG_BENCH_VIEWS=1): everything a request
    costs — middleware, session, login check, audit context — and no work of its own."""
    return JsonResponse({"ok": True})
