"""The district's policies for the public, without login: the documents in force, their articles and the
rule of each in words — who may benefit, the conditions, the amount — and how each is claimed. Nothing of
who received what shows here."""

from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .models import PolicyDocument
from .views import document_context


def _in_force():
    return PolicyDocument.objects.in_force()


@login_not_required
@require_GET
def public_list(request):
    documents = list(
        _in_force().select_related("department").prefetch_related("instruments").order_by("-effective_from")
    )
    return render(request, "policies/public_list.html", {"documents": documents})


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
