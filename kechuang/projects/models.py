"""科技成果转化攻坚工程 (programme 3, capability M6): S&T projects — district and municipal plan projects,
key-technology projects, 揭榜挂帅 challenges, transfer projects — from application to acceptance, with
the public money granted and the applicant's own funds. The registry behind the project metrics."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kechuang.enterprises.models import Enterprise
from kechuang.org.models import Department
from kechuang.org.roles import Capability
from kechuang.org.scoperule import ScopeRule
from kechuang.workflow.engine import Todo, Transition, Workflow

MONEY = {"max_digits": 18, "decimal_places": 2, "default": Decimal("0")}  # 元, as kechuang.plans.units


class Category(models.TextChoices):
    DISTRICT = "区级科技计划项目", _("区级科技计划项目")
    MUNICIPAL = "市级科技计划项目", _("市级科技计划项目")
    NATIONAL = "国家级科技计划项目", _("国家级科技计划项目")
    KEY_TECHNOLOGY = "关键核心技术攻关", _("关键核心技术攻关")
    CHALLENGE = "揭榜挂帅", _("揭榜挂帅")
    TRANSFER = "科技成果转化", _("科技成果转化")


class Status(models.TextChoices):
    """The lifecycle: 申报 → 受理 (or 退回) → 立项 (or 未立项) → 在研 → 结题 (or 终止)."""

    APPLIED = "申报", _("申报")
    ACCEPTED = "受理", _("受理")
    RETURNED = "退回", _("退回")
    REJECTED = "未立项", _("未立项")
    APPROVED = "立项", _("立项")
    ONGOING = "在研", _("在研")
    COMPLETED = "结题", _("结题")
    TERMINATED = "终止", _("终止")


# Statuses a project reaches only by being approved: each needs its 立项日期.
APPROVED_STATUSES = {Status.APPROVED, Status.ONGOING, Status.COMPLETED, Status.TERMINATED}


def _list_of(status):
    return lambda user: f"{reverse('projects:list')}?status={status}"


class Project(models.Model):
    """One project of one applicant in one application year."""

    year = models.PositiveSmallIntegerField(_("申报年度"))
    number = models.CharField(_("项目编号"), max_length=40, help_text=_("同一申报年度内不能重复"))
    name = models.CharField(_("项目名称"), max_length=200)
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices)
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="projects",
        verbose_name=_("所在镇街/归口单位"),
        help_text=_("项目所在的镇乡街道，或归口管理的部门；决定谁能看到该项目"),
    )
    # PROTECT: a funded project is part of the public-money record; its applicant cannot just vanish.
    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects",
        verbose_name=_("承担企业"),
    )
    unit_name = models.CharField(
        _("承担单位名称"),
        max_length=200,
        blank=True,
        help_text=_("承担单位不是登记企业时填写（高校、院所、医院、事业单位等）"),
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.APPLIED)
    applied_on = models.DateField(_("申报日期"))
    approved_on = models.DateField(_("立项日期"), null=True, blank=True)
    planned_end_on = models.DateField(_("计划结题日期"), null=True, blank=True)
    completed_on = models.DateField(_("结题日期"), null=True, blank=True)
    funding = models.DecimalField(_("财政资助金额（元）"), **MONEY)
    self_funding = models.DecimalField(_("自筹金额（元）"), **MONEY)
    note = models.CharField(_("备注"), max_length=300, blank=True)

    scope_rule = ScopeRule(department="department", owner="enterprise__users")

    # 申报 → 受理/退回 → 立项/未立项 → 在研 → 结题/终止; back out of a final state only by an explicit
    # reopen with a reason. Edits through the form never change the status.
    workflow = Workflow(
        states=Status,
        view_capability=Capability.VIEW_PROJECTS,
        transitions=[
            Transition("accept", "受理", [Status.APPLIED], Status.ACCEPTED, Capability.CHANGE_PROJECTS),
            Transition(
                "return",
                "退回",
                [Status.APPLIED],
                Status.RETURNED,
                Capability.CHANGE_PROJECTS,
                comment_required=True,
            ),
            Transition("resubmit", "重新申报", [Status.RETURNED], Status.APPLIED, Capability.CHANGE_PROJECTS),
            Transition(
                "approve",
                "立项",
                [Status.ACCEPTED],
                Status.APPROVED,
                Capability.CHANGE_PROJECTS,
                form="kechuang.projects.forms.ApproveForm",
            ),
            Transition(
                "reject",
                "不予立项",
                [Status.ACCEPTED],
                Status.REJECTED,
                Capability.CHANGE_PROJECTS,
                comment_required=True,
            ),
            Transition("start", "开始实施", [Status.APPROVED], Status.ONGOING, Capability.CHANGE_PROJECTS),
            Transition(
                "complete",
                "结题",
                [Status.ONGOING],
                Status.COMPLETED,
                Capability.CHANGE_PROJECTS,
                form="kechuang.projects.forms.CompleteForm",
            ),
            Transition(
                "terminate",
                "终止",
                [Status.APPROVED, Status.ONGOING],
                Status.TERMINATED,
                Capability.CHANGE_PROJECTS,
                comment_required=True,
            ),
            Transition(
                "reopen",
                "撤销结题/终止（恢复在研）",
                [Status.COMPLETED, Status.TERMINATED],
                Status.ONGOING,
                Capability.CHANGE_PROJECTS,
                comment_required=True,
                reopen=True,
                sets={"completed_on": None},
            ),
            Transition(
                "reconsider",
                "撤销不予立项（重新审查）",
                [Status.REJECTED],
                Status.ACCEPTED,
                Capability.CHANGE_PROJECTS,
                comment_required=True,
                reopen=True,
            ),
        ],
        todos=[
            Todo(
                Status.APPLIED, "待受理的项目申报", Capability.CHANGE_PROJECTS, url=_list_of(Status.APPLIED)
            ),
            Todo(
                Status.ACCEPTED, "待立项审查的项目", Capability.CHANGE_PROJECTS, url=_list_of(Status.ACCEPTED)
            ),
        ],
    )

    class Meta:
        verbose_name = _("科技项目")
        verbose_name_plural = _("科技项目")
        ordering = ["-year", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "number"],
                name="project_number_per_year",
                violation_error_message="该申报年度已有相同编号的项目。",
            ),
            # the bulk writer bypasses clean(): the database refuses negative money itself
            models.CheckConstraint(
                condition=Q(funding__gte=0) & Q(self_funding__gte=0),
                name="project_amounts_not_negative",
                violation_error_message="金额不能为负数。",
            ),
        ]
        indexes = [models.Index(fields=["approved_on"], name="project_approved_on")]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("projects:detail", args=[self.pk])

    def scope_department(self) -> Department:
        return self.department

    @property
    def applicant(self) -> str:
        """The name of whoever carries the project (select_related("enterprise") to avoid a query)."""
        return self.enterprise.name if self.enterprise_id else self.unit_name

    @property
    def total_funding(self) -> Decimal:
        return (self.funding or 0) + (self.self_funding or 0)

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}

        def add(field: str, message: str) -> None:
            errors.setdefault(field, []).append(message)

        if self.funding is not None and self.funding < 0:
            add("funding", "财政资助金额不能为负数。")
        if self.self_funding is not None and self.self_funding < 0:
            add("self_funding", "自筹金额不能为负数。")
        if not self.enterprise_id and not self.unit_name.strip():
            add("unit_name", "请填写承担单位：选择登记企业，或填写非企业承担单位的名称。")
        elif self.enterprise_id and self.unit_name.strip():
            add("unit_name", "已选择承担企业时不再填写承担单位名称。")
        if self.year and self.applied_on and self.applied_on.year not in (self.year - 1, self.year):
            add("applied_on", f"申报日期应在申报年度（{self.year}年）或其前一年内。")

        approved = self.status in APPROVED_STATUSES
        if approved and not self.approved_on:
            add("approved_on", f"状态为“{self.status}”的项目必须填写立项日期。")
        if not approved and self.approved_on:
            add("approved_on", f"状态为“{self.status}”的项目尚未立项，不能填写立项日期。")
        if self.approved_on and self.applied_on and self.approved_on < self.applied_on:
            add("approved_on", "立项日期不能早于申报日期。")
        if self.planned_end_on and not self.approved_on:
            add("planned_end_on", "尚未立项的项目不能填写计划结题日期。")
        if self.planned_end_on and self.approved_on and self.planned_end_on < self.approved_on:
            add("planned_end_on", "计划结题日期不能早于立项日期。")
        if self.status == Status.COMPLETED and not self.completed_on:
            add("completed_on", "已结题的项目必须填写结题日期。")
        if self.completed_on and self.status != Status.COMPLETED:
            add("completed_on", f"状态为“{self.status}”的项目不能填写结题日期。")
        if self.completed_on and self.approved_on and self.completed_on < self.approved_on:
            add("completed_on", "结题日期不能早于立项日期。")
        if errors:
            raise ValidationError(errors)
