"""The enterprise list's filters — shared by the list page and its Excel exports."""

from django.db.models import Q
from django.utils import timezone

from .choices import GrowthStage, HighTechField, SourceChannel
from .models import Qualification, valid_on_q


def filter_enterprises(queryset, params, prefix: str = ""):
    """Apply the list filters (q, town, field, channel, stage, qualification, ids) to enterprises, or to
    records reached through `prefix` (e.g. "enterprise__" for yearly data)."""
    p = prefix
    if params.get("q"):
        q = params["q"].strip()
        queryset = queryset.filter(
            Q(**{f"{p}name__icontains": q}) | Q(**{f"{p}credit_code__icontains": q.upper()})
        )
    if params.get("town", "").isdigit():
        queryset = queryset.filter(**{f"{p}town_id": int(params["town"])})
    if params.get("field") in HighTechField.values:
        queryset = queryset.filter(**{f"{p}hightech_field": params["field"]})
    if params.get("channel") in SourceChannel.values:
        queryset = queryset.filter(**{f"{p}source_channel": params["channel"]})
    if params.get("stage") in GrowthStage.values:
        queryset = queryset.filter(**{f"{p}stage": params["stage"]})
    if params.get("qualification"):
        holders = Qualification.objects.filter(
            valid_on_q(timezone.localdate()), kind__code=params["qualification"]
        )
        queryset = queryset.filter(**{f"{p}pk__in" if not p else f"{p}in": holders.values("enterprise_id")})
    if params.get("ids"):
        ids = [int(i) for i in params["ids"].split(",") if i.strip().isdigit()]
        queryset = queryset.filter(**{f"{p}pk__in" if not p else f"{p}in": ids})
    return queryset
