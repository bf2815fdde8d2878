from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from kechuang.core.access import require_capability
from kechuang.org.roles import Capability
from kechuang.org.scope import get_visible_or_404, visible_to
from kechuang.plans.models import Target

from .actuals import actual_for


@require_capability(Capability.VIEW_PLAN)
def target_records(request, pk):
    """Drill-down: the records that make up a computed target's actual value."""
    target = get_visible_or_404(
        request.user, Target.objects.select_related("indicator__programme__plan"), pk=pk
    )
    actual = actual_for(target, timezone.localdate())
    if actual is None:
        raise Http404("该指标由责任单位填报，没有台账明细")
    from kechuang.progress.registry import metrics

    model = metrics[target.indicator.metric_key].record_model()
    # the records are shown only as far as the viewer's own scope reaches
    records = visible_to(request.user, model.objects.filter(pk__in=actual.result.record_ids))
    return render(
        request,
        "progress/target_records.html",
        {
            "target": target,
            "actual": actual,
            "records": records.order_by("pk")[:2000],
            "hidden": actual.record_count - records.count(),
        },
    )


@require_capability(Capability.VIEW_PLAN)
def cockpit_page(request):
    """Leaders' cockpit: the plan in force at a glance, every target with actual, path and status."""
    from datetime import date

    from .cockpit import active_plan, cockpit

    today = timezone.localdate()
    try:
        as_of = date.fromisoformat(request.GET.get("as_of", "")) if request.GET.get("as_of") else today
        error = ""
    except ValueError:
        as_of, error = today, f"日期“{request.GET['as_of']}”无效，已按今天显示。"
    plan = active_plan(request.user)
    if plan is None:
        raise Http404("没有可见的执行中方案")
    return render(
        request,
        "progress/cockpit.html",
        {"data": cockpit(plan, as_of), "as_of": as_of, "error": error, "plan": plan},
    )
