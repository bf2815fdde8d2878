"""立项公示 for the public, without login: the batches in 公示 or decided, each with its period, how to
object, and the applications to be funded — project, applicant, amount. Nothing else of the batch shows
(no scores, no declined applications, no objections, no personal data)."""

from datetime import timedelta

from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from .models import ApprovalBatch, BatchStatus, Decision

PUBLIC_STATUSES = (BatchStatus.PUBLICITY, BatchStatus.DECIDED)
RECENT_DAYS = 365  # how long a decided batch stays on the public list


def _public():
    return ApprovalBatch.objects.filter(status__in=PUBLIC_STATUSES).select_related("call__department")


@login_not_required
@require_GET
def public_list(request):
    since = timezone.localdate() - timedelta(days=RECENT_DAYS)
    batches = list(
        _public().exclude(status=BatchStatus.DECIDED, decided_on__lt=since).order_by("-publicity_from", "-pk")
    )
    return render(
        request,
        "projects/public_list.html",
        {
            "publicity": [b for b in batches if b.status == BatchStatus.PUBLICITY],
            "decided": [b for b in batches if b.status == BatchStatus.DECIDED],
        },
    )


@login_not_required
@require_GET
def public_detail(request, pk):
    try:
        batch = _public().get(pk=pk)
    except ApprovalBatch.DoesNotExist as exc:
        raise Http404("公示不存在或尚未发布。") from exc
    lines = list(
        batch.lines.filter(decision=Decision.FUND)
        .select_related("project__enterprise")
        .order_by("rank", "pk")
    )
    rows = [
        {"name": line.project.name, "applicant": line.project.applicant, "funded": line.funded}
        for line in lines
    ]
    return render(
        request,
        "projects/public_detail.html",
        {"batch": batch, "rows": rows, "total": sum(r["funded"] for r in rows)},
    )
