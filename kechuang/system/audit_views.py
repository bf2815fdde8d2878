from django.contrib.contenttypes.models import ContentType
from django.shortcuts import render

from kechuang.audit.labels import change_rows
from kechuang.audit.models import ChangeEntry, LoginEvent, PersonalDataView
from kechuang.core.context import Source
from kechuang.core.filtering import paginate
from kechuang.org.roles import Capability
from kechuang.org.scope import get_visible_or_404, visible_to
from kechuang.web.access import require_capability
from kechuang.web.filters import FilterError, apply

from .audit_filters import ChangeFilter, LoginFilter, PersonalViewFilter


def _filtered(filterset, params, queryset):
    """The list narrowed by its filters; bad values are named above an empty list (status 400)."""
    try:
        found, _ = apply(filterset, params, queryset)
    except FilterError as exc:
        return queryset.none(), exc.messages, 400
    return found, [], 200


def _logged_types(log):
    """The kinds of record a log has entries of (its type filter's choices)."""
    return ContentType.objects.filter(pk__in=log.objects.values("content_type_id").distinct()).order_by(
        "app_label", "model"
    )


@require_capability(Capability.VIEW_AUDIT)
def change_list(request):
    entries, errors, status = _filtered(
        ChangeFilter,
        request.GET,
        visible_to(request.user, ChangeEntry.objects.all(), Capability.VIEW_AUDIT),
    )
    page = paginate(request.GET, entries.select_related("content_type").order_by("-time", "-pk"))
    types = _logged_types(ChangeEntry)
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
        status=status,
    )


@require_capability(Capability.VIEW_AUDIT)
def change_detail(request, pk):
    entry = get_visible_or_404(
        request.user, ChangeEntry.objects.select_related("content_type"), Capability.VIEW_AUDIT, pk=pk
    )
    return render(request, "audit/change_detail.html", {"entry": entry, "rows": change_rows(entry)})


@require_capability(Capability.VIEW_AUDIT)
def login_list(request):
    events, errors, status = _filtered(
        LoginFilter, request.GET, visible_to(request.user, LoginEvent.objects.all(), Capability.VIEW_AUDIT)
    )
    page = paginate(request.GET, events.order_by("-time", "-pk"))
    return render(
        request,
        "audit/login_list.html",
        {"page": page, "errors": errors, "outcomes": LoginEvent.Outcome.choices},
        status=status,
    )


@require_capability(Capability.VIEW_AUDIT)
def personal_view_list(request):
    """Who saw whose personal data in full, when and from where."""
    views, errors, status = _filtered(
        PersonalViewFilter,
        request.GET,
        visible_to(request.user, PersonalDataView.objects.all(), Capability.VIEW_AUDIT),
    )
    page = paginate(request.GET, views.select_related("content_type").order_by("-time", "-pk"))
    types = _logged_types(PersonalDataView)
    return render(
        request,
        "audit/personal_list.html",
        {"page": page, "errors": errors, "types": types},
        status=status,
    )
