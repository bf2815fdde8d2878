"""Where each target stands: baseline, the expected path to the target, the actual, and a status.

Rule (documented in docs/PROGRESS.md): after the target year, green if met else red. Before it, the
actual's progress from the baseline is compared with the progress the path expects by `as_of`
(the Open SDG method): ratio ≥ 0.95 green, ≥ 0.60 amber, below red; an actual that has fallen below
the baseline is "deteriorating". Increment targets (new X in a year) expect a linear share of the year;
stock, ratio and amount targets a straight line from the baseline year's end; relative targets (倍增) a
geometric path.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.urls import reverse

from kechuang.metrics.periods import Period
from kechuang.metrics.registry import metrics

from .actuals import Actual, actual_for, approved_lookup, evaluate, reported_in_unit
from .forecast import Forecast, forecast
from .paths import WITHIN_THE_YEAR, _num, _year_end, expected_at
from .trajectory import trajectory

GREEN, AMBER, RED, DETERIORATING, NO_DATA = "green", "amber", "red", "deteriorating", "no_data"
# kinds measured within the target year from zero: new recognitions, money paid out, a milestone
LABELS = {GREEN: "正常", AMBER: "预警", RED: "滞后", DETERIORATING: "倒退", NO_DATA: "待填报"}
MET, NOT_MET = "met", "not_met"
RESULT_LABELS = {MET: "达成", NOT_MET: "未达成"}
ON_TRACK, AT_RISK = Decimal("0.95"), Decimal("0.60")


@dataclass
class TargetProgress:
    target: object
    actual: Actual | None
    base_year: int | None
    base_value: Decimal | None
    target_value: Decimal | None  # for relative targets: base × factor
    expected: Decimal | None
    current: Decimal | None  # the actual in the target's own terms (a relative target: the count)
    status: str
    detail: str
    forecast: Forecast | None = None
    judgement: object | None = None  # the responsible unit's latest approved own reading (Judgement)
    trajectory: list | None = None
    final: bool = False  # the deadline (the target year's end) has passed: a result, no forecast

    @property
    def result(self) -> str | None:
        """达成 / 未达成 once the deadline has passed (None before it, or without an actual)."""
        if not self.final or self.actual is None or self.actual.met is None:
            return None
        return MET if self.actual.met else NOT_MET

    @property
    def disagrees(self) -> bool | None:
        """Whether the unit's own judgement differs from the computed status (倒退 counts as 滞后)."""
        if self.judgement is None or self.status == NO_DATA:
            return None
        computed = RED if self.status == DETERIORATING else self.status
        return self.judgement.status != computed

    @property
    def status_label(self) -> str:
        return LABELS[self.status]

    def as_dict(self) -> dict:
        t, i = self.target, self.target.indicator
        return {
            "indicator": i.name,
            "indicator_code": i.code,
            "programme": i.programme.number,
            "kind": i.kind,
            "year": t.year,
            "target": _num(self.target_value),
            "unit": t.unit or i.unit,  # relative targets are shown as the absolute goal (base × factor)
            "comparator": t.comparator,
            "relative": {"base_year": t.base_year, "factor": _num(t.factor)} if t.is_relative else None,
            "base_year": self.base_year,
            "base_value": _num(self.base_value),
            "actual": _num(self.current),
            "expected": _num(self.expected),
            "status": self.status,
            "status_label": self.status_label,
            "detail": self.detail,
            "forecast": self.forecast.value if self.forecast else None,
            "forecast_low": self.forecast.low if self.forecast else None,
            "forecast_high": self.forecast.high if self.forecast else None,
            "p_meet": self.forecast.p_meet if self.forecast else None,
            "final": self.final,
            "result": self.result,
            "result_label": RESULT_LABELS.get(self.result),
            "numerator": _num(self.actual.result.numerator) if self.actual else None,
            "denominator": _num(self.actual.result.denominator) if self.actual else None,
            "component_unit": i.component_unit or None,
            "judgement": self.judgement.status if self.judgement else None,
            "judgement_label": self.judgement.get_status_display() if self.judgement else None,
            "judgement_reason": self.judgement.reason if self.judgement else None,
            "judgement_period": self.judgement.report.round.period if self.judgement else None,
            "disagrees": self.disagrees,
            "records_url": reverse("progress:target_records", args=[t.pk]) if self.actual else None,
            "trajectory": self.trajectory or [],
        }


def _baseline(target, scope, approved: dict | None = None) -> tuple[int | None, Decimal | None]:
    """The indicator's recorded baseline before the target year; else, at the end of the year before the
    plan starts, the metric's value (computed stocks) or the approved reported figure of that year."""
    indicator = target.indicator
    recorded = [b for b in indicator.baselines.all() if b.year < target.year and b.value is not None]
    if target.is_relative:
        recorded = [b for b in recorded if b.year == target.base_year]
    if recorded:
        chosen = max(recorded, key=lambda b: b.year)
        return chosen.year, Decimal(chosen.value)
    year = target.base_year if target.is_relative else indicator.programme.plan.period_start - 1
    if (
        indicator.measurement == "computed"
        and indicator.metric_key in metrics
        and indicator.kind != "increment"
    ):
        value = evaluate(indicator, scope, Period.year(year), target.unit).value
        return year, Decimal(value) if value is not None else None
    reads_reports = indicator.measurement == "reported" or indicator.reported_fallback
    if reads_reports and approved is not None and not target.is_relative:
        reported = approved.get((indicator.pk, year))
        if reported is not None:
            return year, Decimal(reported_in_unit(reported, target.unit or indicator.unit))
    return year, None


def progress_of(
    target,
    as_of: date,
    scope=None,
    approved: dict | None = None,
    judgements: dict | None = None,
    with_forecast: bool = True,
) -> TargetProgress:
    """A target's progress on `as_of`; `approved` and `judgements` (approved_lookup, judgement_lookup)
    when the caller batched them for a whole plan. The forecast reads months of history: callers that
    show only the status leave it out."""
    indicator = target.indicator
    scope = scope if scope is not None else indicator.programme.plan.department
    if approved is None and (indicator.measurement == "reported" or indicator.reported_fallback):
        approved = approved_lookup([indicator.programme], as_of)
    actual = actual_for(target, as_of, scope, approved=approved)
    end = _year_end(target.year)
    if indicator.kind in WITHIN_THE_YEAR:
        base_year, base = target.year, Decimal(0)
        goal = Decimal(target.value)
    else:
        base_year, base = _baseline(target, scope, approved)
        goal = Decimal(target.value) if not target.is_relative else None
        if target.is_relative and base is not None:
            goal = base * Decimal(target.factor)
    if actual is None:
        current = None
    else:
        value = actual.result.value if target.is_relative else actual.value
        current = Decimal(value) if value is not None else None
    expected = expected_at(target, base_year, base, goal, as_of)
    if indicator.kind == "milestone":
        status, detail = _milestone_status(current, as_of, end)
    else:
        status, detail = _status(current, base, expected, goal, actual, as_of, end)
    final = as_of > end  # past its deadline a target has a result, not a forecast
    outlook = forecast(target, goal, as_of, scope) if with_forecast and not final else None
    if judgements is None:
        judgements = judgement_lookup([indicator.programme], as_of)
    return TargetProgress(
        target,
        actual,
        base_year,
        base,
        goal,
        expected,
        current,
        status,
        detail,
        outlook,
        judgements.get(target.pk),
        final=final,
    )


def _milestone_status(current, as_of: date, end: date) -> tuple[str, str]:
    """A milestone is done or not: green once done (with evidence), amber while not done before its
    deadline, red when the deadline has passed without it."""
    if current is None:
        return NO_DATA, "尚无经审核的数据"
    if current >= 1:
        return GREEN, "已完成"
    if as_of > end:
        return RED, "期限已过，未完成"
    return AMBER, f"尚未完成，距期限还有 {(end - as_of).days} 天"


def _status(current, base, expected, goal, actual, as_of, end) -> tuple[str, str]:
    if current is None:
        return NO_DATA, "尚无经审核的数据"
    met = actual.met if actual else None
    if as_of > end:
        return (GREEN, "目标年度已过，已达成") if met else (RED, "目标年度已过，未达成")
    if met:
        return GREEN, "已提前达成"
    if base is None or expected is None:
        return AMBER, "缺少基期值，无法计算进度比"
    if current < base:
        return DETERIORATING, f"低于基期值 {_num(base)}"
    needed = expected - base
    if needed <= 0:
        return GREEN, "按计划路径尚无增长要求"
    ratio = (current - base) / needed
    text = f"实际增长为计划增长的 {float(ratio):.0%}"
    if ratio >= ON_TRACK:
        return GREEN, text
    if ratio >= AT_RISK:
        return AMBER, text
    return RED, text


def judgement_lookup(programmes, as_of: date) -> dict:
    """target id → the responsible unit's latest approved judgement from a round ended by `as_of`."""
    from .models import Judgement, Report

    found = {}
    for judgement in (
        Judgement.objects.filter(
            target__indicator__programme__in=list(programmes),
            report__status=Report.Status.APPROVED,
            report__round__period_end__lte=as_of,
        )
        .select_related("report__round")
        .order_by("report__round__period_end", "report__reviewed_at")
    ):
        found[judgement.target_id] = judgement  # later rounds win
    return found


def plan_progress(plan, as_of: date, scope=None, with_trajectory: bool = False) -> list[TargetProgress]:
    """Every target of a plan (prefetched tree) with its progress, in a number of queries that depends
    on the plan, not on the data size."""
    from .actuals import approved_lookup

    programmes = list(plan.programmes.all())
    approved = approved_lookup(programmes, as_of)
    judgements = judgement_lookup(programmes, as_of)
    rows = []
    with metrics.reading():  # one read of each scope's series for all targets, paths and forecasts
        for programme in programmes:
            for indicator in programme.indicators.all():
                for target in indicator.targets.all():
                    row = progress_of(target, as_of, scope, approved, judgements)
                    if with_trajectory:
                        row.trajectory = trajectory(row, as_of, scope, approved)
                    rows.append(row)
    return rows
