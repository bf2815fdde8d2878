"""Implausible jumps in an enterprise's own figures: each figure the `plausibility` rule set names is
compared with the same figure of the latest accepted year before it; a rise to `up` times or more, or a
fall to `down` times or less, is flagged with both numbers and must be explained by the enterprise before
its submission goes to review. The thresholds are data (rules/plausibility_*.json), not code."""

from datetime import date
from decimal import Decimal

from django.db import models
from django.utils import timezone

from .models import EnterpriseYear
from .rules import params_for

UNITS = {"employees": "人", "st_staff": "人", "rd_staff": "人", "conversions": "项"}


def label(field: str) -> str:
    """A figure's name without its unit: 研发费用（元） → 研发费用."""
    return str(EnterpriseYear._meta.get_field(field).verbose_name).split("（")[0]


def amount_text(field: str, value) -> str:
    """311_0000 → 311万元; 52 → 52人."""
    value = Decimal(str(value))
    if isinstance(EnterpriseYear._meta.get_field(field), models.DecimalField):
        shown = (value / 10000).quantize(Decimal("0.01")).normalize()
        return f"{shown:,f}万元"
    return f"{value:f}{UNITS.get(field, '')}"


def jumps(enterprise, year: int, figures: dict, on: date | None = None) -> list[dict]:
    """The flags for `figures` proposed for `year`: [{field, label, previous_year, previous, proposed,
    change, message}], in the rule set's order; empty when there is no earlier accepted year."""
    rules = params_for("plausibility", on or timezone.localdate())["figures"]
    previous = (
        EnterpriseYear.objects.filter(enterprise=enterprise, year__lt=year, superseded_at__isnull=True)
        .order_by("-year")
        .first()
    )
    if previous is None:
        return []
    flags = []
    for field, limits in rules.items():
        before, after = getattr(previous, field), figures.get(field)
        if before is None or after in (None, "") or Decimal(str(before)) <= 0:
            continue
        before, after = Decimal(str(before)), Decimal(str(after))
        factor = after / before
        if Decimal(str(limits["down"])) < factor < Decimal(str(limits["up"])):
            continue
        change = round((factor - 1) * 100)
        verb = "增至" if after > before else "降至"
        flags.append(
            {
                "field": field,
                "label": label(field),
                "previous_year": previous.year,
                "previous": str(before),
                "proposed": str(after),
                "change": change,
                "message": f"{label(field)}由 {amount_text(field, before)} {verb} "
                f"{amount_text(field, after)}（{change:+d}%），请核实",
            }
        )
    return flags
