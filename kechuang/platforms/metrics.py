"""Metrics of the platform registry, for the plan's programme-2 targets."""

from kechuang.metrics.registry import MetricResult, in_scope, metric

from .models import SERVICE_TYPES, Institution, active_on_q

LEVELS = {"all": None, "municipal_up": ["国家级", "市级"], "national": ["国家级"]}


def _institutions(scope, category: str, level: str, institution_type: str):
    records = Institution.objects.filter(in_scope(scope, "town"))
    if institution_type:
        records = records.filter(institution_type=institution_type)
    elif category == "rd":
        records = records.exclude(institution_type__in=SERVICE_TYPES)
    elif category == "service":
        records = records.filter(institution_type__in=SERVICE_TYPES)
    if LEVELS.get(level):
        records = records.filter(level__in=LEVELS[level])
    return records


@metric(
    "platforms.active_at_end",
    label="有效平台数",
    unit="家",
    kind="stock",
    model="platforms.Institution",
    description="期末已认定且未撤销的平台。category：rd 研发机构 / service 科技服务机构 / all；"
    "level：all / municipal_up（市级及以上）/ national；institution_type：具体类型（如 新型研发机构）。",
    params=("category", "level", "institution_type"),
)
def active_at_end(scope, period, category="all", level="all", institution_type="") -> MetricResult:
    ids = (
        _institutions(scope, category, level, institution_type)
        .filter(active_on_q(period.end))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return MetricResult.from_ids(ids)


@metric(
    "platforms.recognized_in_period",
    label="新认定平台数",
    unit="家",
    kind="increment",
    model="platforms.Institution",
    description="期间内新认定的平台（参数同“有效平台数”）。",
    params=("category", "level", "institution_type"),
)
def recognized_in_period(scope, period, category="all", level="all", institution_type="") -> MetricResult:
    ids = (
        _institutions(scope, category, level, institution_type)
        .filter(recognized_on__gte=period.start, recognized_on__lte=period.end)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return MetricResult.from_ids(ids)
