"""榜单公开 without login: the published lists — title, goal, main indicators, field, the money (the owner's
co-funding and the district's support), the deadline and how to bid — and, during the 公示, the selected
bidder and how to object. Nothing confidential: not the owner's confidential details, no contact, no bid but
the winner's name and price. The pages read plain values (`PUBLIC_FIELDS`), never the record."""

from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .models import PUBLIC_STATUSES, Challenge, Status

PUBLIC_FIELDS = (
    "pk",
    "year",
    "title",
    "goal",
    "indicators",
    "co_funding",
    "support",
    "deadline",
    "published_on",
    "status",
    "publicity_days",
    "publicity_from",
    "publicity_until",
    "enterprise__name",
    "discipline__name",
    "department__name",
    "winner__bidder_name",
    "winner__price",
)


def _public():
    return Challenge.objects.filter(status__in=PUBLIC_STATUSES).values(*PUBLIC_FIELDS)


def _shown(row: dict) -> dict:
    row["budget"] = (row["co_funding"] or 0) + (row["support"] or 0)
    if row["status"] not in (Status.PUBLICITY, Status.SIGNED):  # the winner only once it is published
        row["winner__bidder_name"] = row["winner__price"] = None
    return row


@login_not_required
@require_GET
def public_list(request):
    rows = [_shown(r) for r in _public().order_by("-published_on", "-pk")]
    return render(
        request,
        "challenges/public_list.html",
        {
            "open": [r for r in rows if r["status"] == Status.PUBLISHED],
            "publicity": [r for r in rows if r["status"] == Status.PUBLICITY],
            "done": [r for r in rows if r["status"] in (Status.REVIEW, Status.SIGNED)],
        },
    )


@login_not_required
@require_GET
def public_detail(request, pk):
    row = _public().filter(pk=pk).first()
    if row is None:
        raise Http404("榜单不存在或尚未发布。")
    return render(request, "challenges/public_detail.html", {"c": _shown(row)})
