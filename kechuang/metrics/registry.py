"""The metrics registry: the seam between the registries (enterprises, platforms, …) and the plan.

A metric is a named function declared in a domain app's `metrics.py`:

    @metric("plans.tasks_completed", label="完成的任务数", unit="项", kind="increment", model="plans.Task")
    def tasks_completed(scope, period, plan=None):
        ...
        return MetricResult.from_ids(ids)

It answers (scope = a department subtree or None for everything, period) with a value and the ids of
the records behind it — in a fixed number of queries whatever the data size (tests assert this).
An Indicator is bound either to a metric (computed) or to reports (reported).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps
from django.db.models import Q

from .periods import Period


class MetricResult:
    """A metric's value and the ids of the records behind it. Metrics that read summaries give the ids as
    a function, called only when someone drills down (the cockpit needs the value alone)."""

    __slots__ = ("value", "numerator", "denominator", "_ids")

    def __init__(
        self,
        value: Decimal | int | None,
        record_ids: tuple | Callable[[], Iterable] = (),
        numerator: Decimal | int | None = None,
        denominator: Decimal | int | None = None,
    ) -> None:
        self.value, self.numerator, self.denominator = value, numerator, denominator
        self._ids = record_ids if callable(record_ids) else tuple(record_ids)

    @property
    def record_ids(self) -> tuple:
        if callable(self._ids):
            self._ids = tuple(self._ids())
        return self._ids

    @classmethod
    def from_ids(cls, ids: Iterable) -> MetricResult:
        ids = tuple(ids)
        return cls(value=len(ids), record_ids=ids)

    @classmethod
    def from_amounts(cls, rows: Iterable[tuple]) -> MetricResult:
        """(pk, amount) pairs: the exact Decimal sum of the amounts, the pks behind it."""
        rows = tuple(rows)
        return cls(value=sum((a for _, a in rows), Decimal("0")), record_ids=tuple(pk for pk, _ in rows))

    def __repr__(self) -> str:
        return f"MetricResult(value={self.value!r})"


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    unit: str
    kind: str
    model: str  # "app_label.Model" of the records behind the value (drill-down)
    func: Callable[..., MetricResult]
    description: str = ""
    params: tuple[str, ...] = field(default=())

    def record_model(self):
        return apps.get_model(self.model)


class UnknownMetric(KeyError):
    pass


class MetricRegistry:
    def __init__(self) -> None:
        self._metrics: dict[str, Metric] = {}
        self._readers: list[Callable] = []

    def add_reader(self, reader: Callable) -> None:
        """A domain app's context manager under which its metrics may keep what they read for the rest of
        the block (e.g. a scope's whole summary series instead of one query per date)."""
        if reader not in self._readers:
            self._readers.append(reader)

    @contextmanager
    def reading(self):
        """Evaluate many metrics against one state of the data (a cockpit view): readers may load once."""
        with ExitStack() as stack:
            for reader in self._readers:
                stack.enter_context(reader())
            yield

    def register(self, metric: Metric) -> None:
        if metric.key in self._metrics and self._metrics[metric.key].func is not metric.func:
            raise ValueError(f"指标口径 {metric.key} 重复注册")
        self._metrics[metric.key] = metric

    def __contains__(self, key: str) -> bool:
        return key in self._metrics

    def __getitem__(self, key: str) -> Metric:
        try:
            return self._metrics[key]
        except KeyError as exc:
            raise UnknownMetric(f"计算口径“{key}”不存在") from exc

    def __iter__(self) -> Iterator[Metric]:
        return iter(sorted(self._metrics.values(), key=lambda m: m.key))

    def choices(self) -> list[tuple[str, str]]:
        return [(m.key, f"{m.label}（{m.key}）") for m in self]

    def evaluate(self, key: str, scope, period: Period | str, **params) -> MetricResult:
        if isinstance(period, str):
            period = Period.parse(period)
        metric = self[key]
        unknown = set(params) - set(metric.params)
        if unknown:
            raise TypeError(f"计算口径“{key}”不接受参数：{', '.join(sorted(unknown))}")
        return metric.func(scope, period, **params)


metrics = MetricRegistry()


def metric(key: str, *, label: str, unit: str, kind: str, model: str, description: str = "", params=()):
    """Register the decorated function as metric `key`."""

    def decorator(func):
        metrics.register(Metric(key, label, unit, kind, model, func, description, tuple(params)))
        return func

    return decorator


def in_scope(scope, department_lookup: str) -> Q:
    """Q limiting records to a department subtree (`scope` None = no limit)."""
    if scope is None:
        return Q()
    return Q(**{f"{department_lookup}__path__startswith": scope.path})


# --- a target's actual value, as the plan pages show it ------------------------------------------------
# The plan pages (plans) sit below progress, which computes a target's actual value (a metric, or the
# figure of an approved report). Progress registers that computation here; the plan pages ask for it.
_actuals_provider = None


def provides_actuals(func):
    """Decorator: `func(programmes, as_of) → {target id: actual}` answers `actuals_by_target`."""
    global _actuals_provider
    _actuals_provider = func
    return func


def actuals_by_target(programmes, as_of) -> dict:
    """Each target's actual value on `as_of` by target id, from the registered provider ({} without one)."""
    return _actuals_provider(programmes, as_of) if _actuals_provider is not None else {}
