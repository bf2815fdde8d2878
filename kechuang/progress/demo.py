"""Demo reporting: the 2021 annual round, with the reported figures approved (calibrated to the plan:
R&D/GDP 1.58 % against 1.55 %, 区级奖补资金 2,126万元 against 2,000万元), and an open 2026Q3 round."""

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from kechuang.org.models import User

from .actions import open_round, report_indicators
from .models import Report, ReportedValue, ReportingRound

FIGURES = {"8-1": Decimal("1.58"), "6-1": Decimal("2126")}


@transaction.atomic
def load_demo_reporting(plan) -> None:
    bureau = User.objects.get(username="kjj")
    if not ReportingRound.objects.filter(plan=plan, period="2021").exists():
        annual = open_round(bureau, plan, period="2021", frequency="yearly", due_on=date(2022, 1, 31))
        for report in annual.reports.all():
            indicators = list(report_indicators(report))
            for indicator in indicators:
                figure = FIGURES.get(indicator.code)
                if figure is not None:
                    ReportedValue.objects.create(
                        report=report, indicator=indicator, value=figure, note="演示：统计年报/财政拨付口径"
                    )
            report.status = Report.Status.APPROVED
            report.narrative = "2021 年度任务按计划推进。"
            report.submitted_at = timezone.make_aware(timezone.datetime(2022, 1, 20, 10, 0))
            report.reviewed_at = timezone.make_aware(timezone.datetime(2022, 1, 28, 15, 0))
            report.reviewed_by = bureau
            report.save()
    if not ReportingRound.objects.filter(plan=plan, period="2026Q3").exists():
        open_round(bureau, plan, period="2026Q3", frequency="quarterly", due_on=date(2026, 10, 15))
