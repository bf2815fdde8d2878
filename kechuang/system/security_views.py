"""The security officer's page: accounts locked at an address, and the alerts raised."""

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from kechuang.org.roles import Capability
from kechuang.web.access import require_capability

from . import security


@require_capability(Capability.MANAGE_SECURITY)
def lockouts(request):
    from kechuang.workflow.models import Notification

    since = timezone.now() - settings.AXES_COOLOFF_TIME
    locked = AccessAttempt.objects.filter(
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gte=since
    ).order_by("-attempt_time")
    alerts = Notification.objects.filter(user=request.user, kind__in=security.ALERT_KINDS).order_by("-pk")[
        :50
    ]
    return render(
        request,
        "security/lockouts.html",
        {
            "locked": locked,
            "alerts": alerts,
            "limit": settings.AXES_FAILURE_LIMIT,
            "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
            "throttle": settings.LOGIN_THROTTLE_FAILURES,
            "window": int(settings.LOGIN_THROTTLE_WINDOW.total_seconds() // 60),
        },
    )


@require_POST
@require_capability(Capability.MANAGE_SECURITY)
def unlock(request, pk):
    attempt = get_object_or_404(AccessAttempt, pk=pk)
    reason = request.POST.get("reason", "").strip()[:500]
    if not reason:
        messages.error(request, "解锁须填写原因（如：已电话核实为本人）。")
        return redirect("security:lockouts")
    security.unlock(request.user, attempt, reason=reason)
    messages.success(request, f"已解锁：{attempt.username}（{attempt.ip_address}）。")
    return redirect("security:lockouts")
