"""Metrics of the project registry (programme 3, 科技成果转化攻坚工程)."""

from kechuang.metrics.registry import MetricResult, in_scope, metric

from .models import Category, Project


def _approved_in(scope, period, category: str):
    # A project counts in the period it was approved (立项日期), whatever became of it later: a project
    # terminated since was still approved then. Unapproved ones have no 立项日期 (the model insists).
    records = Project.objects.filter(
        in_scope(scope, "department"), approved_on__gte=period.start, approved_on__lte=period.end
    )
    if category:
        if category not in Category.values:
            raise ValueError(f"未知的项目类别“{category}”")
        records = records.filter(category=category)
    return records.order_by("pk")


CATEGORY_HELP = "category：项目类别（" + " / ".join(Category.values) + "），空为全部。"


@metric(
    "projects.approved_in_period",
    label="立项项目数",
    unit="项",
    kind="increment",
    model="projects.Project",
    description="期间内立项（按立项日期）的科技项目，含其后结题或终止的。" + CATEGORY_HELP,
    params=("category",),
)
def approved_in_period(scope, period, category="") -> MetricResult:
    return MetricResult.from_ids(_approved_in(scope, period, category).values_list("pk", flat=True))


@metric(
    "projects.funding_in_period",
    label="立项项目财政资助金额",
    unit="元",
    kind="amount",
    model="projects.Project",
    description="期间内立项的科技项目的财政资助金额合计（元）。" + CATEGORY_HELP,
    params=("category",),
)
def funding_in_period(scope, period, category="") -> MetricResult:
    # one query gives both the records and the sum (exact Decimal arithmetic, no float rounding)
    return MetricResult.from_amounts(_approved_in(scope, period, category).values_list("pk", "funding"))


@metric(
    "projects.paid_in_period",
    label="科技项目资金拨付金额",
    unit="元",
    kind="amount",
    model="projects.Payment",
    description=(
        "期间内（按拨付日期）已拨付的科技项目资金合计（元），作废的不计。"
        + CATEGORY_HELP
        + "call：申报指南编号，空为全部；payer：出资方（区级财政 / 需求方），空为区级财政。"
    ),
    params=("category", "call", "payer"),
)
def paid_in_period(scope, period, category="", call="", payer="") -> MetricResult:
    from .models import Payer, Payment, PaymentStatus

    payer = payer or Payer.DISTRICT
    if payer not in Payer.values:
        raise ValueError(f"未知的出资方“{payer}”")
    records = Payment.objects.filter(
        in_scope(scope, "project__department"),
        status=PaymentStatus.PAID,
        payer=payer,
        paid_on__gte=period.start,
        paid_on__lte=period.end,
    )
    if category:
        if category not in Category.values:
            raise ValueError(f"未知的项目类别“{category}”")
        records = records.filter(project__category=category)
    if call:
        records = records.filter(project__call__number=call)
    return MetricResult.from_amounts(records.order_by("pk").values_list("pk", "amount"))
