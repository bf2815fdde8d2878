"""中期检查: the progress reports an approved project owes while it runs.

Their schedule comes from the 任务书 (as a grant system's report configuration): from the start date, one
report every `report_every_months` months, each covering the months since the last and due
`DUE_AFTER_DAYS` days after its period ends; the last period, the one the project ends in, is covered by
the acceptance instead. A report is *due soon* within `DUE_SOON_DAYS` of its date, *late* once the date
has passed unsubmitted and *very late* `VERY_LATE_DAYS` after it. The bureau's verdict on a submitted
report: 正常, 整改 (a follow-up 整改报告 falls due on the date it sets) or 终止 (the project stops).

The actions: the unit saves its report while 待报送 (`save_report`) and submits it (`submit`); the bureau
judges it (`judge`). `remind` is this part of the daily reminders (`kechuang reminders`)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from kechuang.core.context import audit_context
from kechuang.org.actions import ActionRefused
from kechuang.org.roles import Capability
from kechuang.org.scope import holders, may_act_on
from kechuang.workflow import engine as workflow
from kechuang.workflow.notify import notify

from .models import InterimReport, Project, ReportStatus, Status, TaskBook

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
    horizon = timezone.localdate() + timedelta(days=DUE_SOON_DAYS)
    return queryset.filter(project__enterprise__users=user, due_on__lte=horizon)


def may_submit(report: InterimReport, user) -> str | None:
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


LATENESS = (("即将到期", "即将到期"), ("逾期", "逾期"), ("严重逾期", "严重逾期"))


def lateness_condition(name: str, today: date) -> Q:
    """The database's condition for a lateness (the `lateness` filter): the same days as `lateness`."""
    due = Q(status=ReportStatus.DUE)
    if name == "即将到期":
        return due & Q(due_on__gte=today, due_on__lte=today + timedelta(days=DUE_SOON_DAYS))
    if name == "逾期":
        return due & Q(due_on__lt=today, due_on__gte=today - timedelta(days=VERY_LATE_DAYS))
    if name == "严重逾期":
        return due & Q(due_on__lt=today - timedelta(days=VERY_LATE_DAYS))
    raise ValueError(name)


# --- the unit's report --------------------------------------------------------------------------------


def _filing(acting_user, report: InterimReport) -> None:
    if not may_act_on(acting_user, report.project, Capability.APPLY_PROJECTS):
        raise ActionRefused("您没有填报该项目中期报告的权限。")
    if report.status != ReportStatus.DUE:
        raise ActionRefused(f"中期报告的状态为“{report.status}”，不能修改（待报送的报告才能修改）。")


def _still_due(report: InterimReport) -> None:
    status = (
        InterimReport.objects.select_for_update()
        .filter(pk=report.pk)
        .values_list("status", flat=True)
        .first()
    )
    if status != ReportStatus.DUE:
        raise ActionRefused(f"中期报告的状态已变为“{status or '已删除'}”，不能再修改，请刷新页面。")


def _text(value) -> str:
    return str(value or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def save_report(acting_user, report: InterimReport, *, progress, problems, spent) -> InterimReport:
    """保存: the unit's progress, problems and next steps, and the money spent so far (never beyond the
    amount funded) — while the report is 待报送."""
    _filing(acting_user, report)
    spent = Decimal(spent) if spent not in (None, "") else Decimal("0")
    project = Project.objects.get(pk=report.project_id)
    funded = project.funding or Decimal("0")
    if spent < 0:
        raise ValidationError({"spent": "财政资金累计使用不能为负数。"})
    if spent > funded:
        raise ValidationError(
            {"spent": f"财政资金累计使用 {spent:,.2f} 元，超过立项资助金额 {funded:,.2f} 元。"}
        )
    report.progress, report.problems, report.spent = _text(progress), _text(problems), spent
    report.full_clean(exclude=["project"], validate_constraints=False, validate_unique=False)
    with audit_context(actor=acting_user, reason="填写中期报告"), transaction.atomic():
        _still_due(report)
        report.save(update_fields=["progress", "problems", "spent"])
    return report


def submit(acting_user, report: InterimReport) -> InterimReport:
    """报送 (after `may_submit`): dated today."""
    return workflow.perform(report, "submit", acting_user, changes={"submitted_on": timezone.localdate()})


# --- the bureau's verdict -----------------------------------------------------------------------------------

VERDICTS = {
    ReportStatus.NORMAL: "normal",
    ReportStatus.RECTIFY: "rectify",
    ReportStatus.TERMINATE: "terminate",
}


def judge(
    acting_user, report: InterimReport, verdict: str, *, comment: str = "", rectify_by=None
) -> InterimReport:
    """检查结论: 正常; 整改 — by `rectify_by`, when a follow-up 整改报告 falls due —; or 终止, which stops
    the project. Each in one transaction."""
    if verdict not in VERDICTS:
        raise ValidationError({"verdict": "请选择检查结论：正常、整改或终止。"})
    today = timezone.localdate()
    changes = {}
    if verdict == ReportStatus.RECTIFY:
        if rectify_by is None:
            raise ValidationError({"rectify_by": "限期整改须填写整改期限。"})
        if rectify_by <= today:
            raise ValidationError({"rectify_by": "整改期限应晚于今天。"})
        if rectify_by <= report.period_to:
            raise ValidationError({"rectify_by": f"整改期限应晚于报告期止（{report.period_to:%Y-%m-%d}）。"})
        changes["rectify_by"] = rectify_by
    with transaction.atomic():
        report = workflow.perform(report, VERDICTS[verdict], acting_user, comment=comment, changes=changes)
        if verdict == ReportStatus.RECTIFY:
            last = InterimReport.objects.filter(project_id=report.project_id).aggregate(n=Max("sequence"))[
                "n"
            ]
            follow_up = InterimReport(
                project_id=report.project_id,
                sequence=(last or 0) + 1,
                title="整改报告",
                period_from=report.period_to + timedelta(days=1),
                period_to=rectify_by,
                due_on=rectify_by,
            )
            follow_up.full_clean(exclude=["project"])
            with audit_context(actor=acting_user, reason=f"{report.title}限期整改"):
                follow_up.save()
        elif verdict == ReportStatus.TERMINATE:
            project = Project.objects.get(pk=report.project_id)
            workflow.perform(
                project, "terminate", acting_user, comment=f"中期检查（{report.title}）终止：{comment}"
            )
    return report


# --- the daily reminders -----------------------------------------------------------------------------------

REMIND_DAYS = (DUE_SOON_DAYS, 3, 0)  # before the due date: the unit is reminded at each


def _stage(left: int) -> int | None:
    """The reminder a report `left` days from its date is at (the nearest not yet passed)."""
    if left < 0:
        return None
    for days in sorted(REMIND_DAYS):
        if left <= days:
            return days
    return None


def remind(as_of: date) -> dict:
    """The unit's users are reminded of a report due in DUE_SOON_DAYS days, in 3 and on the day, and once
    when it is late; the bureau (who changes the project) once when it is very late. Each once (its key);
    only while the project runs (在研)."""
    counts = {"interim_due": 0, "interim_late": 0, "interim_very_late": 0}
    waiting = (
        InterimReport.objects.filter(
            status=ReportStatus.DUE,
            due_on__lte=as_of + timedelta(days=DUE_SOON_DAYS),
            project__status=Status.ONGOING,  # a project stopped or finished owes no more reports
        )
        .select_related("project__enterprise", "project__department")
        .order_by("due_on", "pk")
    )
    bureau = None
    for report in waiting:
        project = report.project
        left = (report.due_on - as_of).days
        url = report.get_absolute_url()
        unit = list(project.enterprise.users.filter(is_active=True)) if project.enterprise_id else []
        stage = _stage(left)
        if stage is not None and unit:
            when = "今天截止" if left == 0 else f"将于 {report.due_on:%Y-%m-%d} 截止（还有 {left} 天）"
            counts["interim_due"] += notify(
                unit,
                "interim_due",
                f"interim:{report.pk}:due:{stage}",
                f"项目“{project.name}”的{report.title}{when}，请及时报送",
                url,
            )
        if left < 0 and unit:
            counts["interim_late"] += notify(
                unit,
                "interim_late",
                f"interim:{report.pk}:late",
                f"项目“{project.name}”的{report.title}已逾期（截止 {report.due_on:%Y-%m-%d}），请尽快报送",
                url,
            )
        if -left > VERY_LATE_DAYS:
            if bureau is None:
                bureau = list(holders(Capability.CHANGE_PROJECTS))
            keepers = [u for u in bureau if may_act_on(u, project, Capability.CHANGE_PROJECTS)]
            counts["interim_very_late"] += notify(
                keepers,
                "interim_very_late",
                f"interim:{report.pk}:very-late",
                f"项目“{project.name}”（{project.number}）的{report.title}已严重逾期"
                f"（截止 {report.due_on:%Y-%m-%d}，逾期 {-left} 天）",
                url,
            )
    return counts
