"""Demo reporting, calibrated to the plan: the 2020 annual round approved (the baselines of the reported
figures: R&D/GDP 1.42 %, 奖补资金 1,650万元), the 2021 annual round approved (R&D/GDP 1.58 % against 1.55 %
from 研发经费 89,586万元 ÷ GDP 5,670,000万元; 区级奖补资金 2,126万元 against 2,000万元), the 2025 annual
round approved, each with the units' own judgement of their targets — one of them (科技型企业 500家 by
2025) judged 预警 by the unit where the registry says 滞后 — the past rounds closed, and an open 2026Q3
round."""

from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from kechuang.org.models import User
from kechuang.workflow import engine as workflow

from .actions import close_round, open_round, report_indicators, report_targets
from .models import Judgement, ReportedValue, ReportingRound
from .status import DETERIORATING, NO_DATA, RED, progress_of

# period → indicator code → (value in the indicator's unit) or (numerator, denominator) in 万元
FIGURES = {
    "2020": {"8-1": (Decimal(76_680), Decimal(5_400_000)), "6-1": Decimal(1650)},
    "2021": {"8-1": (Decimal(89_586), Decimal(5_670_000)), "6-1": Decimal(2126)},
    "2025": {"8-1": (Decimal(131_400), Decimal(7_300_000)), "6-1": Decimal(2480)},
}
# (period, indicator code, target year, relative) → the unit's judgement where it differs from the
# computed status
DISSENT = {
    ("2025", "1-3", 2025, False): (
        Judgement.Status.AMBER,
        "新认定企业集中在四季度公示，另有 60 余家已完成评价入库、待市科技局公布，预计可基本完成。",
    )
}
REASONS = {
    Judgement.Status.GREEN: "已按期完成年度目标，台账数据与统计口径一致。",
    Judgement.Status.AMBER: "进度略慢于计划，已列入下一阶段重点督办。",
    Judgement.Status.RED: "与目标差距较大，已分析原因并制定补救措施。",
}
MAN_WAN = Decimal(10_000)


def _aware(year, month, day, hour):
    return timezone.make_aware(datetime(year, month, day, hour, 0))


def _approved_round(bureau, plan, period: str, due_on: date, submitted, reviewed) -> None:
    annual = open_round(bureau, plan, period=period, frequency="yearly", due_on=due_on)
    for report in annual.reports.all():
        for indicator in report_indicators(report):
            figure = FIGURES[period].get(indicator.code)
            if figure is None:
                continue
            row = ReportedValue(report=report, indicator=indicator, note="演示：统计年报/财政拨付口径")
            if isinstance(figure, tuple):
                numerator, denominator = figure
                row.numerator, row.denominator = numerator * MAN_WAN, denominator * MAN_WAN
                row.value = (numerator / denominator * 100).quantize(Decimal("0.0001"))
            else:
                row.value = figure * MAN_WAN if indicator.kind == "amount" else figure
            row.save()
        report.narrative = f"{period} 年度任务按计划推进。"
        report.save()
        # through the report's workflow (as the system: the demo records what the units and the bureau did)
        workflow.perform(report, "submit", None, changes={"submitted_at": submitted})
        workflow.perform(
            report,
            "approve",
            None,
            comment="演示：审核通过",
            changes={"reviewed_at": reviewed, "reviewed_by": bureau},
        )
    # judgements are given on the approved figures, as the unit sees them at the period end
    for report in annual.reports.all():
        for target in report_targets(report):
            computed = progress_of(target, annual.period_end, with_forecast=False).status
            if computed == NO_DATA:
                continue
            status, reason = DISSENT.get(
                (period, target.indicator.code, target.year, target.is_relative),
                (RED if computed == DETERIORATING else computed, None),
            )
            Judgement.objects.create(
                report=report, target=target, status=status, reason=reason or REASONS[status]
            )


@transaction.atomic
def load_demo_reporting(plan) -> None:
    bureau = User.objects.get(username="kjj")
    if not ReportingRound.objects.filter(plan=plan, period="2020").exists():  # the year before the plan
        _approved_round(
            bureau, plan, "2020", date(2021, 1, 31), _aware(2021, 1, 25, 10), _aware(2021, 1, 29, 15)
        )
    if not ReportingRound.objects.filter(plan=plan, period="2021").exists():
        _approved_round(
            bureau, plan, "2021", date(2022, 1, 31), _aware(2022, 1, 20, 10), _aware(2022, 1, 28, 15)
        )
    if not ReportingRound.objects.filter(plan=plan, period="2025").exists():
        _approved_round(
            bureau, plan, "2025", date(2026, 1, 31), _aware(2026, 1, 22, 10), _aware(2026, 1, 30, 15)
        )
    for past in ReportingRound.objects.filter(plan=plan, period__in=FIGURES, is_open=True):
        close_round(bureau, past, reason="演示：年度填报已结束")
    if not ReportingRound.objects.filter(plan=plan, period="2026Q3").exists():
        open_round(bureau, plan, period="2026Q3", frequency="quarterly", due_on=date(2026, 10, 15))


def load_demo(plan) -> None:
    """This app's part of `kechuang demo` (the site calls it after the reference data and accounts)."""
    load_demo_reporting(plan)
