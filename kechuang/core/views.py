from collections import Counter

from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone

from kechuang.core.filtering import InvalidQuery
from kechuang.org.scope import visible_to
from kechuang.plans.choices import TaskStatus
from kechuang.plans.models import Plan, Task
from kechuang.progress.actuals import actuals_by_target


def home(request):
    """Landing page: the plan in force, programme by programme, with task status counts."""
    plan = visible_to(request.user, Plan.objects.filter(is_active=True)).order_by("-issued_on", "-pk").first()
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
    actuals = actuals_by_target([c["programme"] for c in cards], timezone.localdate())
    return render(request, "core/home.html", {"plan": plan, "cards": cards, "actuals": actuals})


def error_400(request, exception=None):
    """A request that cannot be answered as asked, e.g. a bad query-string value: the reason in Chinese
    (from `core.filtering.InvalidQuery`) and a way back to the page without the query."""
    message = str(exception) if isinstance(exception, InvalidQuery) else "请求有误，无法处理。"
    return render(
        request,
        "core/error.html",
        {"code": 400, "message": message, "back": request.path},
        status=400,
    )


def error_404(request, exception=None):
    return render(
        request,
        "core/error.html",
        {"code": 404, "message": "页面不存在，或该记录不在您的数据范围内。"},
        status=404,
    )


def error_403(request, exception=None):
    return render(
        request, "core/error.html", {"code": 403, "message": "您没有访问该页面的权限。"}, status=403
    )


def error_500(request):
    return render(
        request, "core/error.html", {"code": 500, "message": "系统内部错误，已记录。请稍后重试。"}, status=500
    )


def bench_ok(request):
    """The serving benchmark's baseline (only routed with KECHUANG_BENCH_VIEWS=1): everything a request
    costs — middleware, session, login check, audit context — and no work of its own."""
    return JsonResponse({"ok": True})
