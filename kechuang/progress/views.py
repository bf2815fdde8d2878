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
