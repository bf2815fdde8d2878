"""The actual value behind a target, computed from the registries through the target's metric.

A first, plain reading of progress: the value for the target's year (or the year to date), whether it
meets the target, and the records behind it. Trajectories, status and forecasts build on this.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from kechuang.metrics.periods import Period
from kechuang.metrics.registry import MetricResult, metrics, provides_actuals
from kechuang.plans.units import from_yuan


@dataclass
class Actual:
    value: Decimal | int | None
    period: Period
    result: MetricResult
    met: bool | None
    base_value: Decimal | int | None = None  # relative (倍增) targets: the base year's value
    reported: bool = False  # the figure of an approved report (its records are reports)

    @property
    def record_count(self) -> int:
        return len(self.result.record_ids)


def evaluate(indicator, scope, period: Period, unit: str = "") -> MetricResult:
    """The indicator's metric over `period`, its value in `unit` (the target's, else the indicator's):
    a metric counting 元 is shown in the 万元 a plan writes its money targets in."""
    result = metrics.evaluate(indicator.metric_key, scope, period, **indicator.metric_params)
    if metrics[indicator.metric_key].unit == "元" and result.value is not None:
        result.value = from_yuan(result.value, unit or indicator.unit)
    return result


def period_for(year: int, as_of: date) -> Period:
    """The whole year once it is over, else the year to `as_of`."""
    if year < as_of.year:
        return Period.year(year)
    if year > as_of.year:
        return Period(date(as_of.year, 1, 1), as_of, f"{as_of:%Y-%m-%d}")
    return Period(date(year, 1, 1), as_of, f"{year}年截至{as_of:%m月%d日}")


def _meets(actual, target_value, comparator: str) -> bool | None:
    if actual is None or target_value is None:
        return None
    actual, target_value = Decimal(actual), Decimal(target_value)
    return {
        "eq": actual >= target_value,  # 达到: reaching the figure counts
        "gte": actual >= target_value,
        "gt": actual > target_value,
        "lte": actual <= target_value,
        "lt": actual < target_value,
        "approx": abs(actual - target_value) <= abs(target_value) * Decimal("0.05"),
    }[comparator]


def approved_lookup(programmes, as_of: date | None = None) -> dict:
    """(indicator id, year) → the latest approved figure of the programmes' indicators whose period has
    ended by `as_of`, in one query."""
    from .models import Report, ReportedValue

    found = {}
    rows = ReportedValue.objects.filter(
        indicator__programme__in=list(programmes),
        value__isnull=False,
        report__status=Report.Status.APPROVED,
    )
    if as_of is not None:
        rows = rows.filter(report__round__period_end__lte=as_of)
    for row in rows.select_related("report__round", "indicator").order_by(
        "report__round__period_end", "report__reviewed_at"
    ):
        found[(row.indicator_id, row.report.round.period_end.year)] = row  # later rows win
    return found


def reported_in_unit(reported, unit: str):
    """An approved figure in the unit the target is written in (amounts are stored in 元)."""
    if reported.indicator.kind == "amount":
        return from_yuan(reported.value, unit)
    return reported.value


def _reported_actual(target, as_of: date, approved: dict | None) -> Actual | None:
    """The latest approved figure of the target's year (from `approved`, see approved_lookup)."""
    indicator = target.indicator
    if approved is None:
        approved = approved_lookup([indicator.programme], as_of)
    reported = approved.get((indicator.pk, target.year))
    if reported is None or target.is_relative:
        return None
    period = Period(
        reported.report.round.period_start, reported.report.round.period_end, reported.report.round.period
    )
    value = reported_in_unit(reported, target.unit or indicator.unit)
    result = MetricResult(
        value=value,
        record_ids=(reported.report_id,),
        numerator=from_yuan(reported.numerator, indicator.component_unit),
        denominator=from_yuan(reported.denominator, indicator.component_unit),
    )
    return Actual(value, period, result, _meets(value, target.value, target.comparator), reported=True)


def actual_for(target, as_of: date, scope=None, approved: dict | None = None) -> Actual | None:
    """The actual behind a target: computed from the registries, or for reported indicators the latest
    approved figure of the target's year (from `approved`, see approved_lookup, when the caller batched
    it). None when there is none yet."""
    indicator = target.indicator
    if indicator.measurement == "reported":
        return _reported_actual(target, as_of, approved)
    if indicator.metric_key not in metrics:
        return None
    scope = scope if scope is not None else indicator.programme.plan.department
    period = period_for(target.year, as_of)
    result = evaluate(indicator, scope, period, target.unit)
    if indicator.reported_fallback and not result.record_ids:
        reported = _reported_actual(target, as_of, approved)
        if reported is not None:
            return reported
    if target.is_relative:
        base = evaluate(indicator, scope, Period.year(target.base_year), target.unit)
        ratio = (
            (Decimal(result.value) / Decimal(base.value)).quantize(Decimal("0.01")) if base.value else None
        )
        return Actual(ratio, period, result, _meets(ratio, target.factor, target.comparator), base.value)
    return Actual(result.value, period, result, _meets(result.value, target.value, target.comparator))


@provides_actuals
def actuals_by_target(programmes, as_of: date) -> dict[int, Actual]:
    """Computed actuals of every target of the given programmes, by target id (reported targets get
    theirs from reviewed reports and are absent here)."""
    found = {}
    programmes = list(programmes)
    approved = approved_lookup(programmes, as_of)
    with metrics.reading():
        for programme in programmes:
            for indicator in programme.indicators.all():
                for target in indicator.targets.all():
                    actual = actual_for(target, as_of, approved=approved)
                    if actual is not None:
                        found[target.pk] = actual
    return found
