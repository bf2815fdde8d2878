"""中期检查: the progress reports an approved project owes while it runs.

Their schedule comes from the 任务书 (as a grant system's report configuration): from the start date, one
report every `report_every_months` months, each covering the months since the last and due
`DUE_AFTER_DAYS` days after its period ends; the last period, the one the project ends in, is covered by
the acceptance instead. A report is *due soon* within `DUE_SOON_DAYS` of its date, *late* once the date
has passed unsubmitted and *very late* `VERY_LATE_DAYS` after it. The bureau's verdict on a submitted
report: 正常, 整改 (a follow-up 整改报告 falls due on the date it sets) or 终止 (the project stops)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Max

from .models import InterimReport, ReportStatus, TaskBook

DUE_AFTER_DAYS = 15
DUE_SOON_DAYS = 14
VERY_LATE_DAYS = 30


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it is shorter: 1-31 + 1 month = 2-28/29)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Period:
    sequence: int
    period_from: date
    period_to: date
    due_on: date


def periods(starts_on: date, ends_on: date, every_months: int) -> list[Period]:
    """The report periods of a project running from `starts_on` to `ends_on`: every full period that ends
    before the project does."""
    found = []
    sequence = 1
    begin = starts_on
    while True:
        end = add_months(starts_on, sequence * every_months) - timedelta(days=1)
        if end >= ends_on:
            break
        found.append(Period(sequence, begin, end, end + timedelta(days=DUE_AFTER_DAYS)))
        begin = end + timedelta(days=1)
        sequence += 1
    return found


def schedule(task_book: TaskBook) -> list[InterimReport]:
    """Lay out (or lay out again, after a 变更) the project's reports from its 任务书: reports already
    submitted or judged stay as they are; those not yet begun are replaced by the new schedule's."""
    project = task_book.project
    kept = InterimReport.objects.filter(project=project).exclude(status=ReportStatus.DUE)
    untouched = InterimReport.objects.filter(project=project, status=ReportStatus.DUE, submitted_on=None)
    untouched.filter(progress="", problems="").delete()
    taken = set(InterimReport.objects.filter(project=project).values_list("period_to", flat=True))
    last = InterimReport.objects.filter(project=project).aggregate(n=Max("sequence"))["n"] or 0
    created = []
    done_until = max(kept.values_list("period_to", flat=True), default=None)
    for period in periods(task_book.starts_on, task_book.ends_on, task_book.report_every_months):
        if period.period_to in taken or (done_until and period.period_to <= done_until):
            continue
        last += 1
        report = InterimReport(
            project=project,
            sequence=last,
            title=f"第{period.sequence}期进展报告",
            period_from=period.period_from,
            period_to=period.period_to,
            due_on=period.due_on,
        )
        report.full_clean()
        report.save()
        created.append(report)
    return created


def lateness(report: InterimReport, today: date) -> str:
    """ "" (submitted, judged or not near), "即将到期", "逾期" or "严重逾期"."""
    if report.status != ReportStatus.DUE:
        return ""
    overdue = (today - report.due_on).days
    if overdue > VERY_LATE_DAYS:
        return "严重逾期"
    if overdue > 0:
        return "逾期"
    if -overdue <= DUE_SOON_DAYS:
        return "即将到期"
    return ""


def own_due(user, queryset):
    """The reports `user` files for their own enterprises that are due soon or overdue (我的待办)."""
    from django.utils import timezone

    horizon = timezone.localdate() + timedelta(days=DUE_SOON_DAYS)
    return queryset.filter(project__enterprise__users=user, due_on__lte=horizon)


def may_submit(report: InterimReport, user) -> str | None:
    from django.utils import timezone

    if not report.progress.strip():
        return "请填写进展情况。"
    if report.period_from > timezone.localdate():
        return f"报告期自 {report.period_from:%Y-%m-%d} 开始，尚不能报送。"
    return None


def drop_outstanding(project, event=None) -> int:
    """A project that ended (结题 or 终止) owes no more reports: those not begun are removed (audited);
    one the unit has started writing stays, for the record."""
    untouched = InterimReport.objects.filter(
        project=project, status=ReportStatus.DUE, submitted_on=None, progress="", problems=""
    )
    count = 0
    for report in untouched:
        report.delete()
        count += 1
    return count
