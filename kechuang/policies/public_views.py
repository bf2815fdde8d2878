"""The district's policies for the public, without login: the documents in force, their articles and the
rule of each in words — who may benefit, the conditions, the amount — and how each is claimed. Nothing of
who received what shows here, but the 公示 of a window's proposed list (enterprise and amount) while it
runs and after its decision."""

from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .applications import public_windows
from .models import ApplicationStatus, PolicyDocument
from .views import document_context


def _in_force():
    return PolicyDocument.objects.in_force()


@login_not_required
@require_GET
def public_list(request):
    documents = list(
        _in_force().select_related("department").prefetch_related("instruments").order_by("-effective_from")
    )
    notices = list(public_windows().order_by("-publicity_from", "-pk")[:20])
    return render(request, "policies/public_list.html", {"documents": documents, "notices": notices})


@login_not_required
@require_GET
def public_notice(request, pk):
    """A window's 公示: the enterprises proposed (or, after the decision, granted) and their amounts."""
    window = public_windows().filter(pk=pk).first()
    if window is None:
        raise Http404("公示不存在或尚未发布。")
    rows = list(
        window.applications.filter(status__in=[ApplicationStatus.PROPOSED, ApplicationStatus.APPROVED])
        .select_related("enterprise__town")
        .order_by("number")
    )
    total = sum((a.proposed for a in rows), start=0)
    return render(request, "policies/public_notice.html", {"window": window, "rows": rows, "total": total})


@login_not_required
@require_GET
def public_detail(request, pk):
    try:
        document = _in_force().select_related("department").get(pk=pk)
    except PolicyDocument.DoesNotExist as exc:
        raise Http404("政策文件不存在或不在施行期内。") from exc
    return render(
        request, "policies/public_detail.html", {"document": document, **document_context(request, document)}
    )
