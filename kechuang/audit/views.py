from datetime import datetime, time

from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone

from kechuang.core.access import require_capability
from kechuang.org.roles import Capability
from kechuang.org.scope import get_visible_or_404, visible_to

from .context import Source
from .labels import change_rows
from .models import ChangeEntry, LoginEvent


def _day(value: str, end: bool = False):
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date()
    except (TypeError, ValueError):
        return None
    return timezone.make_aware(datetime.combine(day, time.max if end else time.min))


def _date_filter(request, queryset, errors):
    start, end = request.GET.get("from", ""), request.GET.get("to", "")
    if start:
        moment = _day(start)
        if moment is None:
            errors.append(f"起始日期“{start}”格式不正确，应为 2021-08-23。")
        else:
            queryset = queryset.filter(time__gte=moment)
    if end:
        moment = _day(end, end=True)
        if moment is None:
            errors.append(f"截止日期“{end}”格式不正确，应为 2021-08-23。")
        else:
            queryset = queryset.filter(time__lte=moment)
    return queryset


@require_capability(Capability.VIEW_AUDIT)
def change_list(request):
    entries = visible_to(request.user, ChangeEntry.objects.all(), Capability.VIEW_AUDIT)
    errors: list[str] = []
    g = request.GET
    if g.get("actor"):
        entries = entries.filter(actor_label__icontains=g["actor"])
    if g.get("action") in ChangeEntry.Action.values:
        entries = entries.filter(action=g["action"])
    if g.get("source") in dict(Source.CHOICES):
        entries = entries.filter(source=g["source"])
    if g.get("type", "").isdigit():
        entries = entries.filter(content_type_id=int(g["type"]))
    if g.get("object"):
        entries = entries.filter(object_repr__icontains=g["object"])
    if g.get("request_id"):
        entries = entries.filter(request_id=g["request_id"].strip())
    entries = _date_filter(request, entries, errors)
    page = Paginator(entries.select_related("content_type").order_by("-time", "-pk"), 50).get_page(
        g.get("page")
    )
    types = ContentType.objects.filter(
        pk__in=ChangeEntry.objects.values("content_type_id").distinct()
    ).order_by("app_label", "model")
    return render(
        request,
        "audit/change_list.html",
        {
            "page": page,
            "errors": errors,
            "types": types,
            "actions": ChangeEntry.Action.choices,
            "sources": Source.CHOICES,
        },
    )


@require_capability(Capability.VIEW_AUDIT)
def change_detail(request, pk):
    entry = get_visible_or_404(
        request.user, ChangeEntry.objects.select_related("content_type"), Capability.VIEW_AUDIT, pk=pk
    )
    return render(request, "audit/change_detail.html", {"entry": entry, "rows": change_rows(entry)})


@require_capability(Capability.VIEW_AUDIT)
def login_list(request):
    events = visible_to(request.user, LoginEvent.objects.all(), Capability.VIEW_AUDIT)
    errors: list[str] = []
    g = request.GET
    if g.get("username"):
        events = events.filter(username__icontains=g["username"])
    if g.get("outcome") in LoginEvent.Outcome.values:
        events = events.filter(outcome=g["outcome"])
    if g.get("ip"):
        events = events.filter(ip=g["ip"]) if _valid_ip(g["ip"]) else events.none()
    events = _date_filter(request, events, errors)
    page = Paginator(events.order_by("-time", "-pk"), 50).get_page(g.get("page"))
    return render(
        request,
        "audit/login_list.html",
        {"page": page, "errors": errors, "outcomes": LoginEvent.Outcome.choices},
    )


def _valid_ip(value: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(value.strip())
    except ValueError:
        return False
    return True
