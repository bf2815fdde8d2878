"""Metrics of 科技创新券 (safeguard 2): vouchers issued, the enterprises holding them, the amount redeemed
and the amount settled — by the town of the holding enterprise in scope."""

from kechuang.metrics.registry import MetricResult, in_scope, metric

from .models import Voucher, VoucherStatus

USED = (VoucherStatus.REDEEMED, VoucherStatus.VERIFIED, VoucherStatus.SETTLED)


def _issued(scope, period):
    return Voucher.objects.filter(
        in_scope(scope, "enterprise__town"), issued_on__gte=period.start, issued_on__lte=period.end
    ).exclude(status=VoucherStatus.VOIDED)


@metric(
    "vouchers.issued_in_period",
    label="发放科技创新券张数",
    unit="张",
    kind="increment",
    model="vouchers.Voucher",
    description="期间内（按发放日期）发放且未作废的科技创新券张数。",
)
def issued_in_period(scope, period) -> MetricResult:
    return MetricResult.from_ids(_issued(scope, period).order_by("pk").values_list("pk", flat=True))


@metric(
    "vouchers.enterprises_in_period",
    label="获得科技创新券的企业数",
    unit="家",
    kind="increment",
    model="enterprises.Enterprise",
    description="期间内（按发放日期）获得科技创新券的企业（同一企业多张只计一次）。",
)
def enterprises_in_period(scope, period) -> MetricResult:
    ids = _issued(scope, period).order_by("enterprise_id").values_list("enterprise_id", flat=True).distinct()
    return MetricResult.from_ids(ids)


@metric(
    "vouchers.redeemed_amount_in_period",
    label="科技创新券兑付金额",
    unit="元",
    kind="amount",
    model="vouchers.Voucher",
    description="期间内（按兑付日期）服务机构兑付的创新券抵扣金额合计（元），退回的不计。",
)
def redeemed_amount_in_period(scope, period) -> MetricResult:
    return MetricResult.from_amounts(
        Voucher.objects.filter(
            in_scope(scope, "enterprise__town"),
            status__in=USED,
            redeemed_on__gte=period.start,
            redeemed_on__lte=period.end,
        )
        .order_by("pk")
        .values_list("pk", "redeemed_amount")
    )


@metric(
    "vouchers.settled_amount_in_period",
    label="科技创新券结算金额",
    unit="元",
    kind="amount",
    model="vouchers.Voucher",
    description="期间内（按结算日期）结算给服务机构的创新券金额合计（元）。",
)
def settled_amount_in_period(scope, period) -> MetricResult:
    return MetricResult.from_amounts(
        Voucher.objects.filter(
            in_scope(scope, "enterprise__town"),
            status=VoucherStatus.SETTLED,
            settled_on__gte=period.start,
            settled_on__lte=period.end,
        )
        .order_by("pk")
        .values_list("pk", "redeemed_amount")
    )
