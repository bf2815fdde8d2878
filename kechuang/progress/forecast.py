"""Forecast of a computed target's value at its deadline, with an 80 % interval and the probability of
meeting it, from the monthly history (method and back-test in docs/PROGRESS.md).

- Stock, ratio and amount targets (and 倍增 goals): a random walk with drift on the month-end values of
  the last `WINDOW` months — forecast = last value + mean monthly change × months left; spread =
  sd of the monthly changes × √(h + h²/n) (the second term is the uncertainty of the drift itself).
- Increment targets (new X within a year): the year-to-date count divided by the share of a year's total
  that earlier years had reached by the same date (recognitions are seasonal: 高企 are announced in Q4);
  the spread comes from how much that share varied between the earlier years.
- A target year that is over has no uncertainty left: the forecast is the actual.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from statistics import NormalDist, mean, quantiles, stdev

from kechuang.metrics.periods import Period, _month_end
from kechuang.metrics.registry import metrics

from .actuals import evaluate

WINDOW = 24
CALIBRATION = 12  # months of earlier history used to calibrate the interval width
HISTORY_YEARS = 3
Z80 = NormalDist().inv_cdf(0.9)  # 1.2816
MAX_MULTIPLIER = 2.5 * Z80  # one past jump in a calm series must not blow the interval up
MIN_POINTS = 3


@dataclass
class Forecast:
    value: float
    low: float
    high: float
    p_meet: float
    points: int


def _month_ends(start: date, end: date) -> list[date]:
    days, year, month = [], start.year, start.month
    while True:
        day = _month_end(year, month)
        if day > end:
            return days
        days.append(day)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _value(indicator, scope, start: date, end: date) -> float | None:
    period = Period(start, end, f"{start:%Y-%m-%d}~{end:%Y-%m-%d}")
    value = evaluate(indicator, scope, period).value
    return None if value is None else float(value)


def _p_meet(estimate: float, spread: float, goal: float, comparator: str) -> float:
    if spread <= 0:
        reached = (
            estimate >= goal
            if comparator in ("eq", "gte", "approx")
            else (estimate > goal if comparator == "gt" else estimate <= goal)
        )
        return 1.0 if reached else 0.0
    p_above = 1 - NormalDist(estimate, spread).cdf(goal)
    return round(p_above if comparator in ("eq", "gte", "gt", "approx") else 1 - p_above, 3)


def _settled(indicator, target, goal, scope) -> Forecast:
    actual = _value(indicator, scope, date(target.year, 1, 1), date(target.year, 12, 31)) or 0.0
    return Forecast(actual, actual, actual, _p_meet(actual, 0, goal, target.comparator), 0)


def _result(estimate, spread, floor, goal, comparator, points) -> Forecast:
    spread = max(spread, 0.5)  # counts move in whole units
    low = max(floor, estimate - Z80 * spread) if floor is not None else estimate - Z80 * spread
    return Forecast(
        round(estimate, 2),
        round(low, 2),
        round(estimate + Z80 * spread, 2),
        _p_meet(estimate, spread, goal, comparator),
        points,
    )


def forecast(target, goal, as_of: date, scope) -> Forecast | None:
    indicator = target.indicator
    if indicator.measurement != "computed" or indicator.metric_key not in metrics or goal is None:
        return None
    goal = float(goal)
    deadline = date(target.year, 12, 31)
    if as_of >= deadline:
        return _settled(indicator, target, goal, scope)
    if indicator.kind == "increment":
        return _seasonal_share(indicator, target, goal, as_of, scope, deadline)
    months = _month_ends(date(as_of.year - 4, as_of.month, 1), as_of)[-(WINDOW + CALIBRATION) :]
    history = [_value(indicator, scope, d.replace(day=1), d) for d in months]
    history = [v for v in history if v is not None]
    values = history[-WINDOW:]
    if len(values) < MIN_POINTS:
        return None
    h = (deadline.year - as_of.year) * 12 + deadline.month - as_of.month
    estimate, spread = _drift_walk(values, h)
    spread *= _calibration(history, h) / Z80
    floor = 0.0 if min(history) >= 0 else None  # counts and amounts do not go below zero
    return _result(estimate, spread, floor, goal, target.comparator, len(values))


def _drift_walk(values: list[float], h: int) -> tuple[float, float]:
    """Random walk with drift: the estimate h months ahead and its standard error."""
    changes = [b - a for a, b in zip(values, values[1:], strict=False)]
    n = len(changes)
    estimate = values[-1] + mean(changes) * h
    noise = (stdev(changes) if n > 1 else 0.0) * math.sqrt(h + h * h / n)
    # the drift itself moves (registries grow in bursts): half the gap between the drifts of the two
    # halves of the window, carried over the horizon
    half = n // 2
    shift = abs(mean(changes[half:]) - mean(changes[:half])) / 2 * h if half else 0.0
    return estimate, math.sqrt(noise**2 + shift**2)


def _calibration(history: list[float], h: int) -> float:
    """The multiplier of the standard error that gives an 80 % interval for this series: the method is
    run from earlier month ends of the same series whose outcome (up to CALIBRATION months later) is
    known, and the 80th percentile of |error| ÷ standard error is taken — never narrower than normal."""
    ahead = max(1, min(h, CALIBRATION))
    scores = []
    for cutoff in range(MIN_POINTS - 1, len(history) - ahead):
        window = history[max(0, cutoff + 1 - WINDOW) : cutoff + 1]
        estimate, spread = _drift_walk(window, ahead)
        if spread > 0:
            scores.append(abs(history[cutoff + ahead] - estimate) / spread)
    if len(scores) < 4:
        return Z80
    return min(MAX_MULTIPLIER, max(Z80, quantiles(scores, n=10)[7]))


def _seasonal_share(indicator, target, goal, as_of, scope, deadline) -> Forecast | None:
    start = date(target.year, 1, 1)
    if as_of < start:
        return None
    so_far = _value(indicator, scope, start, as_of) or 0.0
    shares, totals = [], []
    for year in range(target.year - HISTORY_YEARS, target.year):
        total = _value(indicator, scope, date(year, 1, 1), date(year, 12, 31)) or 0.0
        if total <= 0:
            continue
        same_day = date(year, as_of.month, min(as_of.day, 28))
        shares.append((_value(indicator, scope, date(year, 1, 1), same_day) or 0.0) / total)
        totals.append(total)
    if len(shares) < 2:
        return None
    share = mean(shares)
    if share >= 0.1:
        estimate = so_far / share
        spread = estimate * stdev(shares) / share
    else:  # too early in the season to scale up: last years' level, trend-adjusted
        estimate = max(so_far, totals[-1] + (totals[-1] - totals[0]) / max(1, len(totals) - 1))
        spread = stdev(totals) if len(totals) > 1 else estimate * 0.2
    # counts of recognitions still to come vary like a Poisson count on top of the seasonal uncertainty
    spread = math.sqrt(spread**2 + max(estimate - so_far, 0.0))
    return _result(estimate, spread, so_far, goal, target.comparator, len(shares))


def backtest(plan, today: date, scope=None) -> dict:
    """Forecast every computed target from each past quarter-end before its deadline and compare with
    what happened: coverage of the 80 % interval, mean absolute percentage error, Brier score of p_meet."""
    from .actuals import _meets, actual_for

    scope = scope if scope is not None else plan.department
    hits = n = 0
    errors, brier = [], []
    for programme in plan.programmes.all():
        for indicator in programme.indicators.all():
            for target in indicator.targets.all():
                deadline = date(target.year, 12, 31)
                if indicator.measurement != "computed" or target.is_relative or deadline > today:
                    continue
                outcome = actual_for(target, today, scope)
                if outcome is None or outcome.value is None:
                    continue
                truth = float(outcome.value)
                met = 1.0 if _meets(outcome.value, target.value, target.comparator) else 0.0
                first = max(date(target.year - 3, 1, 1), date(plan.period_start, 1, 1))
                for cutoff in [d for d in _month_ends(first, deadline) if d.month % 3 == 0 and d < deadline]:
                    guess = forecast(target, target.value, cutoff, scope)
                    if guess is None:
                        continue
                    n += 1
                    hits += guess.low <= truth <= guess.high
                    if truth:
                        errors.append(abs(guess.value - truth) / abs(truth))
                    brier.append((guess.p_meet - met) ** 2)
    return {
        "forecasts": n,
        "coverage80": round(hits / n, 3) if n else None,
        "mape": round(mean(errors), 3) if errors else None,
        "brier": round(mean(brier), 3) if brier else None,
    }
