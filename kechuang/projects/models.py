"""科技成果转化攻坚工程 (programme 3, capability M6): S&T projects — district and municipal plan projects,
key-technology projects, 揭榜挂帅 challenges, transfer projects — from application to acceptance, with
the public money granted and the applicant's own funds. The registry behind the project metrics.

A call for applications (`Call`, 申报指南) is published by the bureau; an enterprise applies online: the
application is a `Project` in 草稿 with its co-applicants, budget lines and attachments, submitted before
the call closes, accepted or returned for correction (形式审查), reviewed by experts, then decided."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kechuang.core.personal import PersonalField
from kechuang.enterprises.models import Enterprise, QualificationKind
from kechuang.org.models import Department
from kechuang.org.roles import Capability
from kechuang.org.scoperule import ScopeRule
from kechuang.plans.models import Task
from kechuang.reviews.models import Discipline
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
    """The lifecycle: (草稿 →) 申报 → 受理 (or 退回) → 立项 (or 未立项) → 在研 → 结题 (or 终止)."""

    DRAFT = "草稿", _("草稿")
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


class CallStatus(models.TextChoices):
    DRAFT = "草稿", _("草稿")
    OPEN = "已发布", _("已发布")
    CLOSED = "已截止", _("已截止")
    FINISHED = "已完成", _("已完成")


class Call(models.Model):
    """申报指南: a call for applications — its category and year, what it supports, its budget, when it
    opens and closes, the attachments every application must carry and who may apply (checked against the
    registry when an applicant applies)."""

    year = models.PositiveSmallIntegerField(_("年度"))
    number = models.CharField(_("指南编号"), max_length=40, help_text=_("同一年度内不能重复"))
    title = models.CharField(_("指南名称"), max_length=200)
    category = models.CharField(_("项目类别"), max_length=20, choices=Category.choices)
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="calls",
        verbose_name=_("发布单位"),
        help_text=_("发布并受理申报的单位；申报单位须在其所在区县内"),
    )
    topics = models.TextField(_("支持方向"), help_text=_("每行一项"))
    budget = models.DecimalField(_("资金预算（元）"), **MONEY)
    max_request = models.DecimalField(_("单项申请资助上限（元）"), **MONEY, help_text=_("0 表示不设上限"))
    opens_on = models.DateField(_("申报开始日期"))
    closes_on = models.DateField(_("申报截止日期"), help_text=_("当日（含）之前提交有效"))
    correction_days = models.PositiveSmallIntegerField(
        _("退回补正期限（天）"), default=5, help_text=_("形式审查退回后，申报单位须在此天数内重新提交")
    )
    attachments = models.TextField(
        _("须提交的附件"), blank=True, help_text=_("每行一项，如：营业执照、项目可行性报告、财务报表")
    )
    enterprise_only = models.BooleanField(
        _("仅限本区登记企业申报"), default=True, help_text=_("不勾选时，医院、学校等单位可经科技局代为申报")
    )
    qualifications = models.ManyToManyField(
        QualificationKind,
        blank=True,
        related_name="+",
        verbose_name=_("须持有的资质（之一）"),
        help_text=_("申报企业须在申报时持有所选资质之一（如科技型企业）；不选表示不限"),
    )
    one_per_applicant = models.BooleanField(_("同一单位限报一项"), default=True)
    status = models.CharField(_("状态"), max_length=10, choices=CallStatus.choices, default=CallStatus.DRAFT)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    # the plan's tasks the call carries out (its applications inherit them when started)
    tasks = models.ManyToManyField(
        Task,
        blank=True,
        related_name="calls",
        verbose_name=_("落实的计划任务"),
        help_text=_("本指南落实的行动方案任务"),
    )

    # published calls are read by every signed-in user (enterprises apply to them); drafts only within
    # the bureau's scope — the registry narrows (registries.CallRegistry.queryset)
    scope_rule = ScopeRule(department="department")

    workflow = Workflow(
        states=CallStatus,
        view_capability=Capability.VIEW_PROJECTS,
        transitions=[
            Transition(
                "publish",
                "发布",
                [CallStatus.DRAFT],
                CallStatus.OPEN,
                Capability.CHANGE_PROJECTS,
                allowed="kechuang.projects.calls.may_publish",
            ),
            Transition("close", "截止受理", [CallStatus.OPEN], CallStatus.CLOSED, Capability.CHANGE_PROJECTS),
            Transition(
                "reopen",
                "重新开放申报",
                [CallStatus.CLOSED],
                CallStatus.OPEN,
                Capability.CHANGE_PROJECTS,
                comment_required=True,
                reopen=True,
                allowed="kechuang.projects.calls.may_reopen",
            ),
            Transition(
                "finish", "办结", [CallStatus.CLOSED], CallStatus.FINISHED, Capability.CHANGE_PROJECTS
            ),
        ],
    )

    class Meta:
        verbose_name = _("申报指南")
        verbose_name_plural = _("申报指南")
        ordering = ["-year", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "number"],
                name="call_number_per_year",
                violation_error_message="该年度已有相同编号的申报指南。",
            ),
            models.CheckConstraint(
                condition=Q(budget__gte=0) & Q(max_request__gte=0),
                name="call_amounts_not_negative",
                violation_error_message="金额不能为负数。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}年 {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("calls:detail", args=[self.pk])

    @property
    def topic_list(self) -> list[str]:
        return [line.strip() for line in self.topics.splitlines() if line.strip()]

    @property
    def attachment_list(self) -> list[str]:
        return [line.strip() for line in self.attachments.splitlines() if line.strip()]

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if self.opens_on and self.closes_on and self.closes_on < self.opens_on:
            errors["closes_on"] = ["申报截止日期不能早于申报开始日期。"]
        if self.year and self.opens_on and self.opens_on.year not in (self.year - 1, self.year):
            errors["opens_on"] = [f"申报开始日期应在指南年度（{self.year}年）或其前一年内。"]
        if self.topics is not None and not self.topic_list:
            errors["topics"] = ["请至少填写一个支持方向。"]
        if self.budget and self.max_request and self.max_request > self.budget:
            errors["max_request"] = ["单项申请资助上限不能超过资金预算。"]
        names = self.attachment_list
        if len(names) != len(set(names)):
            errors["attachments"] = ["附件名称有重复。"]
        if errors:
            raise ValidationError(errors)


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
    # an online application: the call it answers, what it is about and the field its experts come from
    call = models.ForeignKey(
        Call,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("申报指南"),
    )
    topic = models.CharField(_("支持方向"), max_length=200, blank=True)
    discipline = models.ForeignKey(
        Discipline,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("评审领域"),
        help_text=_("专家按此领域匹配"),
    )
    summary = models.TextField(_("项目简介"), blank=True, help_text=_("研究内容、技术路线、预期成果"))
    contact_name = models.CharField(_("项目联系人"), max_length=50, blank=True)
    contact_phone = PersonalField(_("联系电话"), kind="phone", max_length=30, blank=True)
    tasks = models.ManyToManyField(
        Task,
        blank=True,
        related_name="projects",
        verbose_name=_("落实的计划任务"),
        help_text=_("本项目落实的行动方案任务"),
    )

    scope_rule = ScopeRule(department="department", owner="enterprise__users")

    # 申报 → 受理/退回 → 立项/未立项 → 在研 → 结题/终止; back out of a final state only by an explicit
    # reopen with a reason. Edits through the form never change the status.
    workflow = Workflow(
        states=Status,
        view_capability=Capability.VIEW_PROJECTS,
        transitions=[
            # the applicant's page submits (applications.submit: the call's deadline and checks, the date)
            Transition(
                "submit",
                "提交申报",
                [Status.DRAFT],
                Status.APPLIED,
                Capability.APPLY_PROJECTS,
                allowed="kechuang.projects.applications.may_submit",
                by="page",
            ),
            Transition("accept", "受理", [Status.APPLIED], Status.ACCEPTED, Capability.CHANGE_PROJECTS),
            Transition(
                "return",
                "退回",
                [Status.APPLIED],
                Status.RETURNED,
                Capability.CHANGE_PROJECTS,
                comment_required=True,
            ),
            Transition(
                "resubmit",
                "重新申报",
                [Status.RETURNED],
                Status.APPLIED,
                Capability.APPLY_PROJECTS,
                allowed="kechuang.projects.applications.may_submit",
                by="page",
            ),
            Transition(
                "approve",
                "立项",
                [Status.ACCEPTED],
                Status.APPROVED,
                Capability.CHANGE_PROJECTS,
                form="kechuang.projects.forms.ApproveForm",
                then=("kechuang.projects.contracts.open_task_book",),
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
                then=("kechuang.projects.interim.drop_outstanding",),
            ),
            Transition(
                "terminate",
                "终止",
                [Status.APPROVED, Status.ONGOING],
                Status.TERMINATED,
                Capability.CHANGE_PROJECTS,
                comment_required=True,
                then=("kechuang.projects.interim.drop_outstanding",),
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
                Status.DRAFT,
                "未提交的项目申报",
                Capability.APPLY_PROJECTS,
                narrow="kechuang.projects.applications.own",
                link="kechuang.projects.applications.page_of",
            ),
            Todo(
                Status.RETURNED,
                "退回补正的项目申报",
                Capability.APPLY_PROJECTS,
                narrow="kechuang.projects.applications.own",
                link="kechuang.projects.applications.page_of",
            ),
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

        if self.call_id:
            call = self.call
            if self.category != call.category:
                add("category", f"申报指南“{call.title}”的项目类别为“{call.category}”。")
            if self.year != call.year:
                add("year", f"申报指南“{call.title}”的年度为 {call.year} 年。")
            if call.max_request and self.funding and self.funding > call.max_request:
                add(
                    "funding",
                    f"申请财政资助 {self.funding:,.2f} 元超过指南的单项上限 {call.max_request:,.2f} 元。",
                )

        approved = self.status in APPROVED_STATUSES
        if approved and not self.approved_on:
            add("approved_on", f"状态为“{self.status}”的项目必须填写立项日期。")
        if not approved and self.approved_on:
            add("approved_on", f"状态为“{self.status}”的项目尚未立项，不能填写立项日期。")
        if self.approved_on and self.applied_on and self.approved_on < self.applied_on:
            add("approved_on", "立项日期不能早于申报日期。")
        if self.planned_end_on and not self.approved_on:
            if not self.call_id:
                add("planned_end_on", "尚未立项的项目不能填写计划结题日期。")
            elif self.applied_on and self.planned_end_on < self.applied_on:
                # an online application proposes its planned end; 立项 may set another
                add("planned_end_on", "计划结题日期不能早于申报日期。")
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


class CoApplicant(models.Model):
    """合作单位: an organisation applying together with the applicant (experts of it stand aside)."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="co_applicants", verbose_name=_("项目")
    )
    name = models.CharField(_("合作单位名称"), max_length=200)
    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="co_applications",
        verbose_name=_("登记企业"),
    )
    share = models.CharField(_("分工"), max_length=200, blank=True)

    scope_rule = ScopeRule(department="project__department", owner="project__enterprise__users")

    class Meta:
        verbose_name = _("合作单位")
        verbose_name_plural = _("合作单位")
        ordering = ["project", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "name"],
                name="co_applicant_once",
                violation_error_message="该合作单位已在本项目中。",
            )
        ]

    def __str__(self) -> str:
        return self.name


class BudgetItem(models.TextChoices):
    EQUIPMENT = "设备费", _("设备费")
    MATERIALS = "材料费", _("材料费")
    TESTING = "测试化验加工费", _("测试化验加工费")
    FUEL = "燃料动力费", _("燃料动力费")
    TRAVEL = "差旅/会议/国际合作与交流费", _("差旅/会议/国际合作与交流费")
    PUBLICATION = "出版/文献/信息传播/知识产权事务费", _("出版/文献/信息传播/知识产权事务费")
    LABOUR = "劳务费", _("劳务费")
    CONSULTING = "专家咨询费", _("专家咨询费")
    OTHER = "其他支出", _("其他支出")
    INDIRECT = "间接费用", _("间接费用")


class BudgetLine(models.Model):
    """One line of an application's budget: what the public money and the applicant's own funds pay for.
    The lines add up to the amounts requested (checked when the application is submitted)."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="budget_lines", verbose_name=_("项目")
    )
    item = models.CharField(_("预算科目"), max_length=30, choices=BudgetItem.choices)
    funding = models.DecimalField(_("申请财政资助（元）"), **MONEY)
    self_funding = models.DecimalField(_("自筹（元）"), **MONEY)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    scope_rule = ScopeRule(department="project__department", owner="project__enterprise__users")

    class Meta:
        verbose_name = _("预算明细")
        verbose_name_plural = _("预算明细")
        ordering = ["project", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "item"],
                name="budget_item_once",
                violation_error_message="该预算科目已填写，请直接修改金额。",
            ),
            models.CheckConstraint(
                condition=Q(funding__gte=0) & Q(self_funding__gte=0),
                name="budget_line_not_negative",
                violation_error_message="金额不能为负数。",
            ),
        ]

    def __str__(self) -> str:
        return self.item


def _attachment_path(instance, filename: str) -> str:
    return f"applications/{instance.project_id}/{filename}"


class Attachment(models.Model):
    """An application's attachment: one of the call's required kinds (or another), checked by its content
    and size when uploaded (core.documents)."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("项目")
    )
    kind = models.CharField(_("附件类别"), max_length=100, help_text=_("申报指南要求的附件名称"))
    # evidence of a 结题验收 application; None: an attachment of the application itself
    acceptance = models.ForeignKey(
        "Acceptance",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="evidence",
        verbose_name=_("结题验收"),
    )
    file = models.FileField(_("文件"), upload_to=_attachment_path, max_length=300)
    name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("上传人"),
    )

    scope_rule = ScopeRule(department="project__department", owner="project__enterprise__users")

    class Meta:
        verbose_name = _("申报附件")
        verbose_name_plural = _("申报附件")
        ordering = ["project", "kind", "pk"]

    def __str__(self) -> str:
        return f"{self.kind}：{self.name}"


class BatchStatus(models.TextChoices):
    DRAFT = "拟定", _("拟定")
    PUBLICITY = "公示中", _("公示中")
    DECIDED = "已下达", _("已下达")


class ApprovalBatch(models.Model):
    """立项批次: the bureau's proposed decision on a call's applications (funded amounts, which may differ
    from the request, with reasons), published as 公示 for a number of working days with objections
    recorded and resolved, then decided (文号): each application is approved or declined by it."""

    call = models.ForeignKey(
        Call, on_delete=models.PROTECT, related_name="batches", verbose_name=_("申报指南")
    )
    title = models.CharField(_("名称"), max_length=200)
    publicity_days = models.PositiveSmallIntegerField(
        _("公示期（工作日）"), default=5, help_text=_("不少于 5 个工作日")
    )
    publicity_from = models.DateField(_("公示开始日期"), null=True, blank=True)
    publicity_until = models.DateField(_("公示截止日期"), null=True, blank=True)
    contact = models.CharField(
        _("异议受理方式"),
        max_length=200,
        blank=True,
        help_text=_("如：区科技局 023-52222222，开州区汉丰街道…"),
    )
    document_number = models.CharField(_("立项文号"), max_length=60, blank=True)
    decided_on = models.DateField(_("下达日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=BatchStatus.choices, default=BatchStatus.DRAFT
    )

    scope_rule = ScopeRule(department="call__department")

    # 拟定 → 公示中 (the period counted in working days) → 已下达 (文号; each application approved or
    # declined); withdrawn from 公示 back to 拟定 to change it after an objection is upheld (a new period).
    workflow = Workflow(
        states=BatchStatus,
        view_capability=Capability.VIEW_PROJECTS,
        transitions=[
            Transition(
                "publish",
                "发布公示",
                [BatchStatus.DRAFT],
                BatchStatus.PUBLICITY,
                Capability.CHANGE_PROJECTS,
                allowed="kechuang.projects.approval.may_publish",
                by="page",
            ),
            Transition(
                "withdraw",
                "撤回公示（修改名单）",
                [BatchStatus.PUBLICITY],
                BatchStatus.DRAFT,
                Capability.CHANGE_PROJECTS,
                comment_required=True,
                reopen=True,
                sets={"publicity_from": None, "publicity_until": None},
            ),
            Transition(
                "decide",
                "下达立项",
                [BatchStatus.PUBLICITY],
                BatchStatus.DECIDED,
                Capability.CHANGE_PROJECTS,
                allowed="kechuang.projects.approval.may_decide",
                by="page",
            ),
        ],
        todos=[
            Todo(BatchStatus.DRAFT, "待发布公示的立项名单", Capability.CHANGE_PROJECTS),
            Todo(BatchStatus.PUBLICITY, "公示中的立项名单", Capability.CHANGE_PROJECTS),
        ],
    )

    class Meta:
        verbose_name = _("立项批次")
        verbose_name_plural = _("立项批次")
        ordering = ["-pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("approval-batches:detail", args=[self.pk])

    def clean(self) -> None:
        if self.publicity_days is not None and self.publicity_days < 5:
            raise ValidationError({"publicity_days": "公示期不少于 5 个工作日。"})
        if self.status == BatchStatus.DECIDED and not self.document_number.strip():
            raise ValidationError({"document_number": "下达立项须填写立项文号。"})


class Decision(models.TextChoices):
    FUND = "立项", _("立项")
    DECLINE = "不予立项", _("不予立项")


class BatchLine(models.Model):
    """One application in a batch: the proposed decision, the amount funded and why."""

    batch = models.ForeignKey(
        ApprovalBatch, on_delete=models.CASCADE, related_name="lines", verbose_name=_("立项批次")
    )
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="batch_lines", verbose_name=_("申报项目")
    )
    rank = models.PositiveIntegerField(_("评审排名"), null=True, blank=True)
    score = models.CharField(_("评审得分"), max_length=20, blank=True)
    requested = models.DecimalField(_("申请财政资助（元）"), **MONEY)
    decision = models.CharField(_("拟定结果"), max_length=10, choices=Decision.choices, default=Decision.FUND)
    funded = models.DecimalField(_("拟资助金额（元）"), **MONEY)
    reason = models.CharField(
        _("说明"), max_length=300, blank=True, help_text=_("资助金额与申请不同或不予立项时须说明")
    )

    scope_rule = ScopeRule(department="batch__call__department")

    class Meta:
        verbose_name = _("立项名单")
        verbose_name_plural = _("立项名单")
        ordering = ["batch", "rank", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "project"],
                name="batch_line_once",
                violation_error_message="该项目已在本批次中。",
            ),
            models.CheckConstraint(
                condition=Q(funded__gte=0),
                name="batch_line_not_negative",
                violation_error_message="金额不能为负数。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project}：{self.decision}"


class ObjectionStatus(models.TextChoices):
    OPEN = "待处理", _("待处理")
    RESOLVED = "已处理", _("已处理")


class ObjectionRecord(models.Model):
    """异议 received during a 公示 — by whom, when, what — and how it was resolved (once: `approval.
    settle_objection`). The 公示 it belongs to is the concrete model's (a 立项 batch, a 揭榜 list, a policy
    window)."""

    received_on = models.DateField(_("收到日期"))
    name = models.CharField(_("异议人"), max_length=100, help_text=_("实名提出；单位或个人"))
    contact = PersonalField(_("联系方式"), kind="phone", max_length=60, blank=True)
    content = models.TextField(_("异议内容"))
    status = models.CharField(
        _("状态"), max_length=10, choices=ObjectionStatus.choices, default=ObjectionStatus.OPEN
    )
    upheld = models.BooleanField(_("异议成立"), null=True, blank=True)
    resolution = models.TextField(_("处理结果"), blank=True)
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("处理人"),
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.name}（{self.received_on:%Y-%m-%d}）"


class Objection(ObjectionRecord):
    """异议: an objection received during a 公示, about the list or one project, and how it was resolved."""

    batch = models.ForeignKey(
        ApprovalBatch, on_delete=models.CASCADE, related_name="objections", verbose_name=_("立项批次")
    )
    line = models.ForeignKey(
        BatchLine,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="objections",
        verbose_name=_("所涉项目"),
    )

    scope_rule = ScopeRule(department="batch__call__department")

    class Meta:
        verbose_name = _("公示异议")
        verbose_name_plural = _("公示异议")
        ordering = ["batch", "received_on", "pk"]


# --- after 立项: 任务书, 中期检查, 结题验收, 拨付 ----------------------------------------------------------


class TaskBookStatus(models.TextChoices):
    DRAFT = "编制中", _("编制中")
    SUBMITTED = "待签订", _("待签订")
    SIGNED = "已签订", _("已签订")


class TaskBook(models.Model):
    """任务书 / 合同: what an approved project promises — its period, milestones with deliverables, the
    budget of the money granted, the indicators it will reach — and how often it reports (中期检查).
    Drafted by the project's unit, signed by the bureau; signing starts the project (在研) and lays out
    its report schedule. For a 揭榜挂帅 project the owner of the need co-funds it (`owner_funding`)."""

    project = models.OneToOneField(
        Project, on_delete=models.CASCADE, related_name="task_book", verbose_name=_("科技项目")
    )
    number = models.CharField(_("任务书编号"), max_length=60, blank=True)
    starts_on = models.DateField(_("实施开始日期"))
    ends_on = models.DateField(_("实施结束日期"))
    goals = models.TextField(_("主要内容与考核目标"), blank=True)
    report_every_months = models.PositiveSmallIntegerField(
        _("中期报告周期（月）"), default=6, help_text=_("自实施开始日期起每隔几个月报送一次进展报告")
    )
    owner_funding = models.DecimalField(
        _("需求方出资（元）"), **MONEY, help_text=_("揭榜挂帅项目由发榜单位承担的部分；其他项目为 0")
    )
    signed_on = models.DateField(_("签订日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=TaskBookStatus.choices, default=TaskBookStatus.DRAFT
    )

    scope_rule = ScopeRule(department="project__department", owner="project__enterprise__users")

    # 编制中 (the unit fills it) → 待签订 (submitted) → 已签订 (the bureau signs: the project starts, its
    # reports are scheduled); returned to 编制中 with a reason; a signed one is changed only by 变更,
    # explicitly and audited (its schedule is laid out again from the new dates).
    workflow = Workflow(
        states=TaskBookStatus,
        view_capability=Capability.VIEW_PROJECTS,
        transitions=[
            Transition(
                "submit",
                "提交任务书",
                [TaskBookStatus.DRAFT],
                TaskBookStatus.SUBMITTED,
                Capability.APPLY_PROJECTS,
                allowed="kechuang.projects.contracts.may_submit",
            ),
            Transition(
                "return",
                "退回修改",
                [TaskBookStatus.SUBMITTED],
                TaskBookStatus.DRAFT,
                Capability.CHANGE_PROJECTS,
                comment_required=True,
            ),
            Transition(
                "sign",
                "签订任务书",
                [TaskBookStatus.SUBMITTED],
                TaskBookStatus.SIGNED,
                Capability.CHANGE_PROJECTS,
                allowed="kechuang.projects.contracts.may_sign",
                by="page",
            ),
            Transition(
                "amend",
                "任务书变更（重新编制）",
                [TaskBookStatus.SIGNED],
                TaskBookStatus.DRAFT,
                Capability.CHANGE_PROJECTS,
                comment_required=True,
                reopen=True,
            ),
        ],
        todos=[
            Todo(
                TaskBookStatus.DRAFT,
                "待编制的任务书",
                Capability.APPLY_PROJECTS,
                narrow="kechuang.projects.applications.own_through_project",
            ),
            Todo(TaskBookStatus.SUBMITTED, "待签订的任务书", Capability.CHANGE_PROJECTS),
        ],
    )

    class Meta:
        verbose_name = _("任务书")
        verbose_name_plural = _("任务书")
        ordering = ["-project__year", "project__number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(owner_funding__gte=0),
                name="task_book_not_negative",
                violation_error_message="金额不能为负数。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project}任务书"

    def get_absolute_url(self) -> str:
        return reverse("task-books:detail", args=[self.pk])

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on <= self.starts_on:
            raise ValidationError({"ends_on": "实施结束日期应晚于开始日期。"})
        if self.report_every_months is not None and not 1 <= self.report_every_months <= 24:
            raise ValidationError({"report_every_months": "中期报告周期应在 1 至 24 个月之间。"})


class MilestoneStatus(models.TextChoices):
    PENDING = "未考核", _("未考核")
    PASSED = "通过", _("通过")
    ADJUST = "调整", _("调整")
    TERMINATED = "终止", _("终止")


class Milestone(models.Model):
    """A milestone of a 任务书: what is delivered by when, and — for 揭榜挂帅 — the money released when it
    passes its check (里程碑考核: 通过 / 调整 / 终止)."""

    task_book = models.ForeignKey(
        TaskBook, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("任务书")
    )
    sequence = models.PositiveSmallIntegerField(_("序号"))
    title = models.CharField(_("里程碑"), max_length=200)
    due_on = models.DateField(_("完成日期"))
    deliverable = models.CharField(_("交付成果"), max_length=300)
    district_payment = models.DecimalField(
        _("通过后区级拨付（元）"), **MONEY, help_text=_("通过考核后拨付的财政资金；不按里程碑拨付为 0")
    )
    owner_payment = models.DecimalField(_("通过后需求方支付（元）"), **MONEY)
    status = models.CharField(
        _("考核结果"), max_length=10, choices=MilestoneStatus.choices, default=MilestoneStatus.PENDING
    )
    checked_on = models.DateField(_("考核日期"), null=True, blank=True)

    scope_rule = ScopeRule(
        department="task_book__project__department", owner="task_book__project__enterprise__users"
    )

    # 未考核 → 通过 / 调整 (a new date, checked again) / 终止 (the project stops); the bureau checks it.
    workflow = Workflow(
        states=MilestoneStatus,
        view_capability=Capability.VIEW_PROJECTS,
        transitions=[
            Transition(
                "pass",
                "考核通过",
                [MilestoneStatus.PENDING, MilestoneStatus.ADJUST],
                MilestoneStatus.PASSED,
                Capability.CHANGE_PROJECTS,
                allowed="kechuang.projects.contracts.may_check_milestone",
                by="page",
            ),
            Transition(
                "adjust",
                "考核调整",
                [MilestoneStatus.PENDING, MilestoneStatus.ADJUST],
                MilestoneStatus.ADJUST,
                Capability.CHANGE_PROJECTS,
                comment_required=True,
                allowed="kechuang.projects.contracts.may_check_milestone",
                by="page",
            ),
            Transition(
                "terminate",
                "考核终止",
                [MilestoneStatus.PENDING, MilestoneStatus.ADJUST],
                MilestoneStatus.TERMINATED,
                Capability.CHANGE_PROJECTS,
                comment_required=True,
                allowed="kechuang.projects.contracts.may_check_milestone",
                by="page",
            ),
        ],
    )

    class Meta:
        verbose_name = _("里程碑")
        verbose_name_plural = _("里程碑")
        ordering = ["task_book", "sequence", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["task_book", "sequence"],
                name="milestone_sequence_once",
                violation_error_message="任务书中已有相同序号的里程碑。",
            ),
            models.CheckConstraint(
                condition=Q(district_payment__gte=0) & Q(owner_payment__gte=0),
                name="milestone_not_negative",
                violation_error_message="金额不能为负数。",
            ),
        ]

    def __str__(self) -> str:
        return f"里程碑{self.sequence}：{self.title}"

    def get_absolute_url(self) -> str:
        return reverse("task-books:detail", args=[self.task_book_id])


class ContractBudgetLine(models.Model):
    """The 任务书's budget: the money granted (and the unit's own) by 预算科目; the granted part adds up to
    the amount funded at 立项."""

    task_book = models.ForeignKey(
        TaskBook, on_delete=models.CASCADE, related_name="budget_lines", verbose_name=_("任务书")
    )
    item = models.CharField(_("预算科目"), max_length=30, choices=BudgetItem.choices)
    funding = models.DecimalField(_("财政资助（元）"), **MONEY)
    self_funding = models.DecimalField(_("自筹（元）"), **MONEY)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    scope_rule = ScopeRule(
        department="task_book__project__department", owner="task_book__project__enterprise__users"
    )

    class Meta:
        verbose_name = _("任务书预算")
        verbose_name_plural = _("任务书预算")
        ordering = ["task_book", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["task_book", "item"],
                name="contract_budget_item_once",
                violation_error_message="该预算科目已填写。",
            ),
            models.CheckConstraint(
                condition=Q(funding__gte=0) & Q(self_funding__gte=0),
                name="contract_budget_not_negative",
                violation_error_message="金额不能为负数。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item}：{self.funding:,.2f} 元"


class PromisedIndicator(models.Model):
    """An indicator the project promises in its 任务书 (e.g. 申请发明专利 3 件, 新产品销售收入 500 万元), and
    what it achieved, stated in its acceptance application."""

    task_book = models.ForeignKey(
        TaskBook, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("任务书")
    )
    name = models.CharField(_("考核指标"), max_length=100)
    unit = models.CharField(_("单位"), max_length=20)
    promised = models.DecimalField(_("承诺值"), max_digits=18, decimal_places=2)
    achieved = models.DecimalField(_("完成值"), max_digits=18, decimal_places=2, null=True, blank=True)

    scope_rule = ScopeRule(
        department="task_book__project__department", owner="task_book__project__enterprise__users"
    )

    class Meta:
        verbose_name = _("考核指标")
        verbose_name_plural = _("考核指标")
        ordering = ["task_book", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["task_book", "name"],
                name="promised_indicator_once",
                violation_error_message="任务书中已有同名考核指标。",
            ),
            models.CheckConstraint(
                condition=Q(promised__gte=0) & (Q(achieved__isnull=True) | Q(achieved__gte=0)),
                name="promised_indicator_not_negative",
                violation_error_message="指标值不能为负数。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.unit}）"

    @property
    def reached(self) -> bool | None:
        return None if self.achieved is None else self.achieved >= self.promised


class ReportStatus(models.TextChoices):
    DUE = "待报送", _("待报送")
    SUBMITTED = "已报送", _("已报送")
    NORMAL = "正常", _("正常")
    RECTIFY = "整改", _("整改")
    TERMINATE = "终止", _("终止")


class InterimReport(models.Model):
    """中期检查: a progress report due on a date of the 任务书's schedule (or a 整改 follow-up), filed by the
    project's unit and judged by the bureau: 正常 / 整改 (a follow-up report is due) / 终止 (the project
    stops). Late and very late are computed from the due date (`contracts.lateness`)."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="interim_reports", verbose_name=_("科技项目")
    )
    sequence = models.PositiveSmallIntegerField(_("期次"))
    title = models.CharField(_("名称"), max_length=100)
    period_from = models.DateField(_("报告期起"))
    period_to = models.DateField(_("报告期止"))
    due_on = models.DateField(_("报送截止日期"))
    progress = models.TextField(_("进展情况"), blank=True)
    problems = models.TextField(_("存在问题与下一步计划"), blank=True)
    spent = models.DecimalField(_("财政资金累计使用（元）"), **MONEY)
    submitted_on = models.DateField(_("报送日期"), null=True, blank=True)
    rectify_by = models.DateField(_("整改期限"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.DUE
    )

    scope_rule = ScopeRule(department="project__department", owner="project__enterprise__users")

    # 待报送 → 已报送 (the unit) → 正常 / 整改 / 终止 (the bureau); 已报送 back to 待报送 when returned.
    workflow = Workflow(
        states=ReportStatus,
        view_capability=Capability.VIEW_PROJECTS,
        transitions=[
            Transition(
                "submit",
                "报送",
                [ReportStatus.DUE],
                ReportStatus.SUBMITTED,
                Capability.APPLY_PROJECTS,
                allowed="kechuang.projects.interim.may_submit",
                by="page",
            ),
            Transition(
                "return",
                "退回补充",
                [ReportStatus.SUBMITTED],
                ReportStatus.DUE,
                Capability.CHANGE_PROJECTS,
                comment_required=True,
                sets={"submitted_on": None},
            ),
            Transition(
                "normal",
                "检查正常",
                [ReportStatus.SUBMITTED],
                ReportStatus.NORMAL,
                Capability.CHANGE_PROJECTS,
            ),
            Transition(
                "rectify",
                "限期整改",
                [ReportStatus.SUBMITTED],
                ReportStatus.RECTIFY,
                Capability.CHANGE_PROJECTS,
                comment_required=True,
                by="page",
            ),
            Transition(
                "terminate",
                "终止项目",
                [ReportStatus.SUBMITTED],
                ReportStatus.TERMINATE,
                Capability.CHANGE_PROJECTS,
                comment_required=True,
                by="page",
            ),
        ],
        todos=[
            Todo(
                ReportStatus.DUE,
                "待报送的中期报告",
                Capability.APPLY_PROJECTS,
                narrow="kechuang.projects.interim.own_due",
            ),
            Todo(ReportStatus.SUBMITTED, "待检查的中期报告", Capability.CHANGE_PROJECTS),
        ],
    )

    class Meta:
        verbose_name = _("中期检查")
        verbose_name_plural = _("中期检查")
        ordering = ["project", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "sequence"],
                name="interim_report_once",
                violation_error_message="该项目已有相同期次的中期报告。",
            ),
            models.CheckConstraint(
                condition=Q(spent__gte=0),
                name="interim_spent_not_negative",
                violation_error_message="金额不能为负数。",
            ),
        ]
        indexes = [models.Index(fields=["status", "due_on"], name="interim_status_due")]

    def __str__(self) -> str:
        return f"{self.project.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("projects:interim", args=[self.pk])


class AcceptanceStatus(models.TextChoices):
    DRAFT = "草稿", _("草稿")
    APPLIED = "已申请", _("已申请")
    REVIEW = "评审中", _("评审中")
    PASSED = "通过", _("通过")
    FAILED = "不通过", _("不通过")
    EXTENDED = "延期", _("延期")


class Acceptance(models.Model):
    """结题验收: the unit applies with what it achieved (each promised indicator's value) and its evidence;
    experts review it (a 验收评审 round); the bureau's verdict — 通过 (the project is 结题), 不通过 (终止),
    延期 (a new planned end; it applies again)."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="acceptances", verbose_name=_("科技项目")
    )
    summary = models.TextField(_("完成情况总结"), blank=True)
    spent = models.DecimalField(_("财政资金实际使用（元）"), **MONEY)
    applied_on = models.DateField(_("申请日期"), null=True, blank=True)
    decided_on = models.DateField(_("验收日期"), null=True, blank=True)
    extended_to = models.DateField(_("延期至"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=AcceptanceStatus.choices, default=AcceptanceStatus.DRAFT
    )

    scope_rule = ScopeRule(department="project__department", owner="project__enterprise__users")

    workflow = Workflow(
        states=AcceptanceStatus,
        view_capability=Capability.VIEW_PROJECTS,
        transitions=[
            Transition(
                "apply",
                "提交验收申请",
                [AcceptanceStatus.DRAFT],
                AcceptanceStatus.APPLIED,
                Capability.APPLY_PROJECTS,
                allowed="kechuang.projects.acceptance.may_apply",
                by="page",
            ),
            Transition(
                "return",
                "退回补充",
                [AcceptanceStatus.APPLIED],
                AcceptanceStatus.DRAFT,
                Capability.CHANGE_PROJECTS,
                comment_required=True,
                sets={"applied_on": None},
            ),
            Transition(
                "review",
                "组织验收评审",
                [AcceptanceStatus.APPLIED],
                AcceptanceStatus.REVIEW,
                Capability.CHANGE_PROJECTS,
                by="page",
            ),
            Transition(
                "pass",
                "验收通过",
                [AcceptanceStatus.APPLIED, AcceptanceStatus.REVIEW],
                AcceptanceStatus.PASSED,
                Capability.CHANGE_PROJECTS,
                by="page",
            ),
            Transition(
                "fail",
                "验收不通过",
                [AcceptanceStatus.APPLIED, AcceptanceStatus.REVIEW],
                AcceptanceStatus.FAILED,
                Capability.CHANGE_PROJECTS,
                comment_required=True,
                by="page",
            ),
            Transition(
                "extend",
                "延期验收",
                [AcceptanceStatus.APPLIED, AcceptanceStatus.REVIEW],
                AcceptanceStatus.EXTENDED,
                Capability.CHANGE_PROJECTS,
                comment_required=True,
                by="page",
            ),
        ],
        todos=[
            Todo(
                AcceptanceStatus.DRAFT,
                "未提交的验收申请",
                Capability.APPLY_PROJECTS,
                narrow="kechuang.projects.applications.own_through_project",
            ),
            Todo(AcceptanceStatus.APPLIED, "待组织的结题验收", Capability.CHANGE_PROJECTS),
            Todo(AcceptanceStatus.REVIEW, "评审中的结题验收", Capability.CHANGE_PROJECTS),
        ],
    )

    class Meta:
        verbose_name = _("结题验收")
        verbose_name_plural = _("结题验收")
        ordering = ["project", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(spent__gte=0),
                name="acceptance_spent_not_negative",
                violation_error_message="金额不能为负数。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project.number} 结题验收"

    def get_absolute_url(self) -> str:
        return reverse("acceptances:detail", args=[self.pk])


class Tranche(models.TextChoices):
    APPROVAL = "立项拨付", _("立项拨付")
    MILESTONE = "里程碑兑现", _("里程碑兑现")
    ACCEPTANCE = "验收拨付", _("验收拨付")


class Payer(models.TextChoices):
    DISTRICT = "区级财政", _("区级财政")
    OWNER = "需求方", _("需求方（发榜单位）")


class PaymentStatus(models.TextChoices):
    PLANNED = "待拨付", _("待拨付")
    PAID = "已拨付", _("已拨付")
    CANCELLED = "已作废", _("已作废")


class Payment(models.Model):
    """拨付: a tranche of a project's money — after 立项, on a milestone passed, after 验收 通过 — arranged
    and then recorded as paid (date, voucher). The district's tranches never add up to more than the
    amount funded; a 揭榜挂帅 need owner's never to more than its share in the 任务书."""

    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="payments", verbose_name=_("科技项目")
    )
    tranche = models.CharField(_("拨付节点"), max_length=10, choices=Tranche.choices)
    milestone = models.ForeignKey(
        Milestone,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payments",
        verbose_name=_("里程碑"),
    )
    payer = models.CharField(_("出资方"), max_length=10, choices=Payer.choices, default=Payer.DISTRICT)
    amount = models.DecimalField(_("金额（元）"), max_digits=18, decimal_places=2)
    paid_on = models.DateField(_("拨付日期"), null=True, blank=True)
    voucher = models.CharField(_("凭证号"), max_length=60, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.PLANNED
    )

    scope_rule = ScopeRule(department="project__department", owner="project__enterprise__users")

    workflow = Workflow(
        states=PaymentStatus,
        view_capability=Capability.VIEW_PROJECTS,
        transitions=[
            Transition(
                "pay",
                "确认拨付",
                [PaymentStatus.PLANNED],
                PaymentStatus.PAID,
                Capability.CHANGE_PROJECTS,
                form="kechuang.projects.forms.PayForm",
            ),
            Transition(
                "cancel",
                "作废",
                [PaymentStatus.PLANNED, PaymentStatus.PAID],
                PaymentStatus.CANCELLED,
                Capability.CHANGE_PROJECTS,
                comment_required=True,
                reopen=True,
            ),
        ],
        todos=[Todo(PaymentStatus.PLANNED, "待确认的拨付", Capability.CHANGE_PROJECTS)],
    )

    class Meta:
        verbose_name = _("资金拨付")
        verbose_name_plural = _("资金拨付")
        ordering = ["project", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="payment_positive",
                violation_error_message="拨付金额应大于 0。",
            ),
        ]
        indexes = [models.Index(fields=["status", "paid_on"], name="payment_status_paid_on")]

    def __str__(self) -> str:
        return f"{self.project.number} {self.tranche} {self.amount:,.2f} 元"

    def get_absolute_url(self) -> str:
        return reverse("payments:detail", args=[self.pk])

    def clean(self) -> None:
        if self.status == PaymentStatus.PAID and not self.paid_on:
            raise ValidationError({"paid_on": "已拨付的须填写拨付日期。"})
        if (self.tranche == Tranche.MILESTONE) != bool(self.milestone_id):
            raise ValidationError({"milestone": "里程碑兑现须选择里程碑；其他拨付节点不选。"})
