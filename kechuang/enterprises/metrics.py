"""Metrics of the enterprise registry, for the plan's programme-1 targets (and any other plan's)."""

from datetime import date
from decimal import Decimal

from django.db.models import Min, OuterRef, Subquery

from kechuang.metrics.registry import MetricResult, in_scope, metric

from . import summaries, takeup
from .models import Enterprise, EnterpriseYear, Qualification, StageRecord, valid_on_q


@metric(
    "enterprises.first_qualified",
    label="新增资质企业数",
    unit="家",
    kind="increment",
    model="enterprises.Enterprise",
    description="期间内首次获得该资质（kind：cq_tech 重庆市科技型企业、hte 高新技术企业…）的企业，按所在镇乡街道归属。",
    params=("kind",),
)
def first_qualified(scope, period, kind="cq_tech") -> MetricResult:
    value = summaries.first_between(scope, kind, period.start, period.end)
    return MetricResult(value, lambda: _first_ids(scope, period, kind))


def _first_ids(scope, period, kind):
    return (
        Qualification.objects.filter(kind__code=kind)
        .filter(in_scope(scope, "enterprise__town"))
        .values("enterprise_id")
        .annotate(first=Min("issued_on"))
        .filter(first__gte=period.start, first__lte=period.end)
        .order_by("enterprise_id")
        .values_list("enterprise_id", flat=True)
    )


def _valid_ids(scope, day, kind):
    return (
        Qualification.objects.filter(kind__code=kind)
        .filter(valid_on_q(day))
        .filter(in_scope(scope, "enterprise__town"))
        .order_by("enterprise_id")
        .values_list("enterprise_id", flat=True)
        .distinct()
    )


@metric(
    "enterprises.qualified_at_end",
    label="有效资质企业数",
    unit="家",
    kind="stock",
    model="enterprises.Enterprise",
    description="期末当日持有有效资质（未过期、未撤销）的企业。",
    params=("kind",),
)
def qualified_at_end(scope, period, kind="cq_tech") -> MetricResult:
    value = summaries.holding_on(scope, kind, period.end)
    return MetricResult(value, lambda: _valid_ids(scope, period.end, kind))


@metric(
    "enterprises.qualified_multiple",
    label="有效资质企业数相对基期的倍数",
    unit="倍",
    kind="ratio",
    model="enterprises.Enterprise",
    description="期末有效资质企业数 ÷ 基期年末有效资质企业数（倍增计划）。记录为期末企业。",
    params=("kind", "base_year"),
)
def qualified_multiple(scope, period, kind="cq_tech", base_year=2020) -> MetricResult:
    now, base = summaries.cumulative(scope, kind, [period.end, date(int(base_year), 12, 31)], "valid_change")
    value = (Decimal(now) / Decimal(base)).quantize(Decimal("0.0001")) if base else None
    return MetricResult(value, lambda: _valid_ids(scope, period.end, kind), numerator=now, denominator=base)


@metric(
    "enterprises.by_stage",
    label="处于某成长阶段的企业数",
    unit="家",
    kind="stock",
    model="enterprises.Enterprise",
    description="期末所处成长阶段（按截至期末年度的最近一次阶段判定）为 stage 的在册企业。",
    params=("stage",),
)
def by_stage(scope, period, stage="成长期") -> MetricResult:
    latest = (
        StageRecord.objects.filter(enterprise=OuterRef("pk"), data_year__lte=period.end.year)
        .order_by("-data_year", "-decided_at", "-pk")
        .values("stage")[:1]
    )
    ids = (
        Enterprise.objects.filter(in_scope(scope, "town"), is_active=True)
        .annotate(stage_then=Subquery(latest))
        .filter(stage_then=stage)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return MetricResult.from_ids(ids)


@metric(
    "enterprises.by_channel",
    label="按来源渠道的企业数",
    unit="家",
    kind="stock",
    model="enterprises.Enterprise",
    description="期末已注册、在册，来源渠道为 channel（孵化培育/科技人员创办/传统产业改造/科技招商）的企业。",
    params=("channel",),
)
def by_channel(scope, period, channel="孵化培育") -> MetricResult:
    ids = (
        Enterprise.objects.filter(
            in_scope(scope, "town"), is_active=True, source_channel=channel, registered_on__lte=period.end
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return MetricResult.from_ids(ids)


@metric(
    "enterprises.superdeduction_estimated",
    label="研发费用加计扣除额（估算）",
    unit="元",
    kind="increment",
    model="enterprises.Enterprise",
    description=(
        "期间所含年度内，各企业登记的研发费用（全部按费用化）按当年适用比例估算的加计扣除额之和"
        "（takeup.py；2022 年适用 75% 的企业未含 10–12 月按 100% 的部分）。记录为这些企业。"
    ),
)
def superdeduction_estimated(scope, period) -> MetricResult:
    rows = takeup.estimate(
        EnterpriseYear.objects.filter(
            in_scope(scope, "enterprise__town"), year__gte=period.start.year, year__lte=period.end.year
        )
    )
    value = sum((r.extra_deduction for r in rows), Decimal(0))
    return MetricResult(value, sorted({r.enterprise.pk for r in rows}))
