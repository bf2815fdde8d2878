"""Metrics of the policies: money paid under them (target 6-1) and committed."""

from kechuang.metrics.registry import MetricResult, in_scope, metric


@metric(
    "policies.paid_in_period",
    label="区级财政科技奖补资金拨付额",
    unit="元",
    kind="amount",
    model="policies.Disbursement",
    description=(
        "期间内（按拨付日期）拨付到企业的政策奖补资金合计（元），作废的不计；"
        "kind：政策类别（如 rd_subsidy 研发投入补助），空为全部。"
    ),
    params=("kind",),
)
def paid_in_period(scope, period, kind="") -> MetricResult:
    from .models import Disbursement, DisbursementStatus, InstrumentKind

    records = Disbursement.objects.filter(
        in_scope(scope, "grant__enterprise__town"),
        status=DisbursementStatus.PAID,
        paid_on__gte=period.start,
        paid_on__lte=period.end,
    )
    if kind:
        if kind not in InstrumentKind.values:
            raise ValueError(f"未知的政策类别“{kind}”")
        records = records.filter(grant__instrument__kind=kind)
    return MetricResult.from_amounts(records.order_by("pk").values_list("pk", "amount"))


@metric(
    "policies.committed_in_period",
    label="政策奖补审定金额",
    unit="元",
    kind="amount",
    model="policies.Grant",
    description="期间内（按审定日期）审定的政策奖补金额合计（元），撤销的不计；kind：政策类别，空为全部。",
    params=("kind",),
)
def committed_in_period(scope, period, kind="") -> MetricResult:
    from .grants import COMMITTED
    from .models import Grant, InstrumentKind

    records = Grant.objects.filter(
        in_scope(scope, "enterprise__town"),
        status__in=COMMITTED,
        decided_on__gte=period.start,
        decided_on__lte=period.end,
    )
    if kind:
        if kind not in InstrumentKind.values:
            raise ValueError(f"未知的政策类别“{kind}”")
        records = records.filter(instrument__kind=kind)
    return MetricResult.from_amounts(records.order_by("pk").values_list("pk", "amount"))
