"""Metrics of 科技金融 (programme 6, safeguard 2): 知识价值信用贷款 granted, their amount and the enterprises
they reached, and the seed fund's investments — by the town of the enterprise (or team) in scope."""

from kechuang.metrics.registry import MetricResult, in_scope, metric

from .models import Loan, SeedInvestment

BANK_HELP = "bank：贷款银行名称，空为全部。"


def _loans(scope, period, bank: str):
    records = Loan.objects.filter(
        in_scope(scope, "enterprise__town"), granted_on__gte=period.start, granted_on__lte=period.end
    )
    return records.filter(bank__name=bank) if bank else records


@metric(
    "finance.loans_in_period",
    label="知识价值信用贷款笔数",
    unit="笔",
    kind="increment",
    model="finance.Loan",
    description="期间内（按放款日期）发放的知识价值信用贷款笔数。" + BANK_HELP,
    params=("bank",),
)
def loans_in_period(scope, period, bank="") -> MetricResult:
    return MetricResult.from_ids(_loans(scope, period, bank).order_by("pk").values_list("pk", flat=True))


@metric(
    "finance.loan_amount_in_period",
    label="知识价值信用贷款金额",
    unit="元",
    kind="amount",
    model="finance.Loan",
    description="期间内（按放款日期）发放的知识价值信用贷款金额合计（元）。" + BANK_HELP,
    params=("bank",),
)
def loan_amount_in_period(scope, period, bank="") -> MetricResult:
    # one query gives both the records and the sum (exact Decimal arithmetic)
    return MetricResult.from_amounts(_loans(scope, period, bank).order_by("pk").values_list("pk", "amount"))


@metric(
    "finance.loan_enterprises_in_period",
    label="获得知识价值信用贷款的企业数",
    unit="家",
    kind="increment",
    model="enterprises.Enterprise",
    description="期间内（按放款日期）获得知识价值信用贷款的企业（同一企业多笔只计一次）。" + BANK_HELP,
    params=("bank",),
)
def loan_enterprises_in_period(scope, period, bank="") -> MetricResult:
    ids = (
        _loans(scope, period, bank)
        .order_by("enterprise_id")
        .values_list("enterprise_id", flat=True)
        .distinct()
    )
    return MetricResult.from_ids(ids)


def _seed(scope, period, kind: str):
    records = SeedInvestment.objects.filter(
        in_scope(scope, "town"), invested_on__gte=period.start, invested_on__lte=period.end
    )
    return records.filter(kind=kind) if kind else records


SEED_HELP = "kind：投资方式（股权投资 / 无息借款），空为全部。"


@metric(
    "finance.seed_investments_in_period",
    label="种子基金投资项目数",
    unit="项",
    kind="increment",
    model="finance.SeedInvestment",
    description="期间内（按投资日期）种子基金投资的项目数。" + SEED_HELP,
    params=("kind",),
)
def seed_investments_in_period(scope, period, kind="") -> MetricResult:
    return MetricResult.from_ids(_seed(scope, period, kind).order_by("pk").values_list("pk", flat=True))


@metric(
    "finance.seed_amount_in_period",
    label="种子基金投资金额",
    unit="元",
    kind="amount",
    model="finance.SeedInvestment",
    description="期间内（按投资日期）种子基金投资金额合计（元）。" + SEED_HELP,
    params=("kind",),
)
def seed_amount_in_period(scope, period, kind="") -> MetricResult:
    return MetricResult.from_amounts(_seed(scope, period, kind).order_by("pk").values_list("pk", "amount"))
