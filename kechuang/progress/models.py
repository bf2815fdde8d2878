"""Reporting rounds: the bureau asks the responsible units for their figures and task progress; only
approved values count as actuals of reported indicators."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kechuang.org.models import Department
from kechuang.org.roles import Capability
from kechuang.org.scoperule import ScopeRule
from kechuang.plans.choices import TaskStatus
from kechuang.plans.models import Indicator, Plan, Target, Task
from kechuang.workflow.engine import Todo, Transition, Workflow


class ReportingRound(models.Model):
    """One call for reports on a plan, for one period (2021, 2021Q3 or 2021-07)."""

    class Frequency(models.TextChoices):
        MONTHLY = "monthly", _("月报")
        QUARTERLY = "quarterly", _("季报")
        YEARLY = "yearly", _("年报")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="rounds", verbose_name=_("方案"))
    frequency = models.CharField(_("频次"), max_length=10, choices=Frequency.choices)
    period = models.CharField(_("期间"), max_length=10, help_text=_("如 2021、2021Q3、2021-07"))
    period_start = models.DateField(_("期间起"))
    period_end = models.DateField(_("期间止"))
    due_on = models.DateField(_("截止日期"))
    very_late_days = models.PositiveSmallIntegerField(_("严重逾期天数"), default=15)
    is_open = models.BooleanField(_("开放填报"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    scope_rule = ScopeRule(department="plan__department", public_in_region=True)

    class Meta:
        verbose_name = _("填报轮次")
        verbose_name_plural = _("填报轮次")
        ordering = ["-period_end", "-pk"]
        constraints = [models.UniqueConstraint(fields=["plan", "period"], name="round_period_unique")]

    def __str__(self) -> str:
        return f"{self.period} {self.get_frequency_display()}"

    def scope_department(self) -> Department:
        return self.plan.department


# a round's frequency → the kind of period (periods.Period.kind) it asks about
PERIOD_KIND = {
    ReportingRound.Frequency.YEARLY: "year",
    ReportingRound.Frequency.QUARTERLY: "quarter",
    ReportingRound.Frequency.MONTHLY: "month",
}


def _own_open(user, reports):
    """The reports of the user's own units in open rounds."""
    return reports.filter(
        round__is_open=True, department__in=user.memberships.values("department_id")
    ).select_related("round", "department")


class Report(models.Model):
    """A responsible unit's report in a round: figures, task progress, narrative; reviewed by the bureau."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("已提交")
        APPROVED = "approved", _("已审核")
        RETURNED = "returned", _("已退回")

    round = models.ForeignKey(
        ReportingRound, on_delete=models.CASCADE, related_name="reports", verbose_name=_("轮次")
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="reports", verbose_name=_("填报单位")
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    narrative = models.TextField(_("工作进展"), blank=True, max_length=5000)
    # the latest submission and review, kept on the row for the queries that filter and order by them
    # (punctuality, "approved as of", the cockpit's waiting list); written only by the submit / approve /
    # return transitions, in the same transaction as their event — the thread holds every earlier one
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("提交人"),
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审核人"),
    )
    review_comment = models.CharField(_("审核意见"), max_length=500, blank=True)

    scope_rule = ScopeRule(department="department")

    # draft → submitted → approved (the figures count, the period locks) or returned with a comment;
    # an approval is undone only by an explicit, audited reopen
    workflow = Workflow(
        states=Status,
        view_capability=Capability.VIEW_PROGRESS,
        validate=False,  # actions.save_report checks every figure and names each mistake
        transitions=[
            Transition(
                "submit",
                "提交",
                [Status.DRAFT, Status.RETURNED],
                Status.SUBMITTED,
                Capability.REPORT_PROGRESS,
                allowed=lambda report, user: (
                    None if report.round.is_open else f"{report.round} 轮次已关闭，不能再提交。"
                ),
                by="page",  # from the report form, with its figures
            ),
            Transition(
                "approve",
                "审核通过",
                [Status.SUBMITTED],
                Status.APPROVED,
                Capability.REVIEW_PROGRESS,
                then=["kechuang.progress.actions.apply_task_updates"],
                by="page",
            ),
            Transition(
                "return",
                "退回修改",
                [Status.SUBMITTED],
                Status.RETURNED,
                Capability.REVIEW_PROGRESS,
                comment_required=True,
                after_commit=["kechuang.progress.reminders.notify_returned"],
                by="page",
            ),
            Transition(
                "reopen",
                "撤销审核（退回修改）",
                [Status.APPROVED],
                Status.RETURNED,
                Capability.REVIEW_PROGRESS,
                comment_required=True,
                reopen=True,
                after_commit=["kechuang.progress.reminders.notify_returned"],
            ),
        ],
        todos=[
            Todo(
                Status.DRAFT,
                "待填报的报告",
                Capability.REPORT_PROGRESS,
                narrow=lambda u, qs: _own_open(u, qs),
            ),
            Todo(
                Status.RETURNED,
                "被退回的报告",
                Capability.REPORT_PROGRESS,
                narrow=lambda u, qs: _own_open(u, qs),
            ),
            Todo(Status.SUBMITTED, "待审核的报告", Capability.REVIEW_PROGRESS),
        ],
    )

    class Meta:
        verbose_name = _("进展报告")
        verbose_name_plural = _("进展报告")
        ordering = ["round", "department__path"]
        constraints = [models.UniqueConstraint(fields=["round", "department"], name="report_unique")]

    def __str__(self) -> str:
        return f"{self.round} · {self.department}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("progress:report", args=[self.pk])

    @property
    def editable(self) -> bool:
        return self.round.is_open and self.status in (self.Status.DRAFT, self.Status.RETURNED)

    def lateness(self, today=None) -> str:
        """ "" on time, "late" after the due date, "very_late" after the grace days too — as it stood on
        `today` (a report handed in later than `today` was still outstanding then)."""
        today = today or timezone.localdate()
        handed_in = timezone.localdate(self.submitted_at) if self.submitted_at else None
        if handed_in is not None and handed_in > today:
            handed_in = None
        day = handed_in or today
        overdue = (day - self.round.due_on).days
        if overdue <= 0 or (self.submitted_at is None and self.status == self.Status.APPROVED):
            return ""
        return "very_late" if overdue > self.round.very_late_days else "late"

    def scope_department(self) -> Department:
        return self.department


class ReportedValue(models.Model):
    """A figure for one reported indicator, with its evidence."""

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="values", verbose_name=_("报告")
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="reported_values", verbose_name=_("指标")
    )
    # amounts are stored in 元 whatever unit the indicator is shown in (see kechuang.plans.units)
    value = models.DecimalField(_("数值"), max_digits=20, decimal_places=4, null=True, blank=True)
    numerator = models.DecimalField(_("分子"), max_digits=20, decimal_places=4, null=True, blank=True)
    denominator = models.DecimalField(_("分母"), max_digits=20, decimal_places=4, null=True, blank=True)
    evidence = models.FileField(_("佐证材料"), upload_to="evidence/%Y/", blank=True)
    note = models.CharField(_("说明"), max_length=500, blank=True)

    scope_rule = ScopeRule(department="report__department")

    class Meta:
        verbose_name = _("填报数值")
        verbose_name_plural = _("填报数值")
        constraints = [models.UniqueConstraint(fields=["report", "indicator"], name="reported_value_unique")]

    def __str__(self) -> str:
        return f"{self.indicator.name}：{self.value}"

    def scope_department(self) -> Department:
        return self.report.department


class Judgement(models.Model):
    """The responsible unit's own reading of a target in a report (正常/预警/滞后) with its reason, shown
    beside the computed status so that leaders see where the two disagree."""

    class Status(models.TextChoices):
        GREEN = "green", _("正常")
        AMBER = "amber", _("预警")
        RED = "red", _("滞后")

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="judgements", verbose_name=_("报告")
    )
    target = models.ForeignKey(
        Target, on_delete=models.CASCADE, related_name="judgements", verbose_name=_("目标")
    )
    status = models.CharField(_("自评状态"), max_length=10, choices=Status.choices)
    reason = models.CharField(_("理由"), max_length=500)

    scope_rule = ScopeRule(department="report__department")

    class Meta:
        verbose_name = _("单位自评")
        verbose_name_plural = _("单位自评")
        constraints = [models.UniqueConstraint(fields=["report", "target"], name="judgement_unique")]

    def __str__(self) -> str:
        return f"{self.target} {self.get_status_display()}"

    def scope_department(self) -> Department:
        return self.report.department


class TaskUpdate(models.Model):
    """A responsible unit's account of one of its tasks in a report."""

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="task_updates", verbose_name=_("报告")
    )
    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="updates", verbose_name=_("任务"))
    status = models.CharField(_("进展状态"), max_length=20, choices=TaskStatus.choices)
    narrative = models.CharField(_("进展说明"), max_length=1000, blank=True)

    scope_rule = ScopeRule(department="report__department")

    class Meta:
        verbose_name = _("任务进展")
        verbose_name_plural = _("任务进展")
        constraints = [models.UniqueConstraint(fields=["report", "task"], name="task_update_unique")]

    def __str__(self) -> str:
        return f"{self.task.code} {self.get_status_display()}"

    def scope_department(self) -> Department:
        return self.report.department
