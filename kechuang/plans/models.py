"""The plan as data: Plan → Programme → Task, Indicator → Target / Baseline.

Targets and tasks keep the exact span of the plan text they come from, so every figure can be read
against the official wording.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from kechuang.org.models import Department
from kechuang.org.roles import Capability
from kechuang.org.scoperule import ScopeRule
from kechuang.workflow.engine import Todo, Transition, Workflow

from .choices import COMPARATOR_PHRASE, Comparator, IndicatorKind, Measurement, ProgrammeKind, TaskStatus


class SourceSpan(models.Model):
    """Character offsets into the plan's source text, and the text itself for display."""

    span_start = models.PositiveIntegerField(_("原文起点"), null=True, blank=True)
    span_end = models.PositiveIntegerField(_("原文终点"), null=True, blank=True)
    span_text = models.TextField(_("原文"), blank=True)

    class Meta:
        abstract = True

    def span_plan(self) -> "Plan":
        raise NotImplementedError

    def clean_span(self) -> None:
        if self.span_start is None and self.span_end is None:
            return
        if self.span_start is None or self.span_end is None or self.span_end <= self.span_start:
            raise ValidationError({"span_start": "原文位置不完整或起止颠倒。"})
        source = self.span_plan().source_text
        if source[self.span_start : self.span_end] != self.span_text:
            raise ValidationError({"span_text": "原文片段与方案原文在该位置的文字不一致。"})

    def span_dict(self) -> dict | None:
        if self.span_start is None:
            return None
        return {"start": self.span_start, "end": self.span_end, "text": self.span_text}


class Plan(models.Model):
    """An official action plan (行动方案/实施方案) issued by a region's government."""

    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="plans",
        verbose_name=_("所属区域"),
        help_text=_("发文的区县（或市）"),
    )
    doc_number = models.CharField(_("文号"), max_length=100)
    title = models.CharField(_("标题"), max_length=300)
    issuer = models.CharField(_("发文机关"), max_length=200)
    issued_on = models.DateField(_("印发日期"))
    period_start = models.PositiveSmallIntegerField(_("起始年度"))
    period_end = models.PositiveSmallIntegerField(_("截止年度"))
    source_text = models.TextField(_("原文"))
    is_active = models.BooleanField(_("执行中"), default=True)

    scope_rule = ScopeRule(department="department", public_in_region=True)

    class Meta:
        verbose_name = _("行动方案")
        verbose_name_plural = _("行动方案")
        ordering = ["-issued_on", "pk"]
        constraints = [models.UniqueConstraint(fields=["department", "doc_number"], name="plan_doc_unique")]

    def __str__(self) -> str:
        return f"{self.title}（{self.doc_number}）"

    def clean(self) -> None:
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValidationError({"period_end": "截止年度不能早于起始年度。"})

    def scope_department(self) -> Department:
        return self.department


class Programme(SourceSpan):
    """One of the plan's programmes (工程) or its safeguards (保障措施)."""

    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="programmes", verbose_name=_("方案")
    )
    number = models.PositiveSmallIntegerField(_("序号"))
    kind = models.CharField(
        _("类别"), max_length=20, choices=ProgrammeKind.choices, default=ProgrammeKind.PROGRAMME
    )
    title = models.CharField(_("名称"), max_length=200)
    summary = models.TextField(_("概述"), blank=True)

    scope_rule = ScopeRule(department="plan__department", public_in_region=True)

    class Meta:
        verbose_name = _("工程")
        verbose_name_plural = _("工程")
        ordering = ["plan", "number"]
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="programme_number_unique")]

    def __str__(self) -> str:
        return self.title

    def span_plan(self) -> Plan:
        return self.plan

    def scope_department(self) -> Department:
        return self.plan.department

    def clean(self) -> None:
        self.clean_span()


class Task(SourceSpan):
    """A named deliverable of a programme, with its responsible units and deadline."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("所属工程")
    )
    code = models.CharField(_("编号"), max_length=20)
    title = models.CharField(_("任务"), max_length=200)
    description = models.TextField(_("任务内容"), blank=True)
    lead_department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="led_tasks",
        verbose_name=_("牵头单位"),
    )
    co_departments = models.ManyToManyField(
        Department, related_name="co_tasks", blank=True, verbose_name=_("配合单位")
    )
    responsibility_note = models.CharField(
        _("分工说明"), max_length=200, blank=True, help_text=_("原文未写明责任单位时，说明分工来源")
    )
    start_year = models.PositiveSmallIntegerField(_("启动年度"), null=True, blank=True)
    deadline = models.DateField(_("完成时限"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=TaskStatus.choices, default=TaskStatus.NOT_STARTED
    )
    completed_on = models.DateField(_("完成日期"), null=True, blank=True)

    scope_rule = ScopeRule(department="programme__plan__department", public_in_region=True)

    class Meta:
        verbose_name = _("任务")
        verbose_name_plural = _("任务")
        ordering = ["programme__number", "pk"]
        constraints = [models.UniqueConstraint(fields=["programme", "code"], name="task_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("plans:task", args=[self.pk])

    def span_plan(self) -> Plan:
        return self.programme.plan

    def scope_department(self) -> Department:
        return self.lead_department

    def clean(self) -> None:
        self.clean_span()
        if self.status == TaskStatus.DONE and not self.completed_on:
            raise ValidationError({"completed_on": "状态为“已完成”时必须填写完成日期。"})
        if self.status != TaskStatus.DONE and self.completed_on:
            raise ValidationError({"completed_on": "只有“已完成”的任务才能填写完成日期。"})

    def is_overdue(self, as_of) -> bool:
        return bool(
            self.deadline
            and self.deadline < as_of
            and self.status not in (TaskStatus.DONE, TaskStatus.CANCELLED)
        )


class Indicator(models.Model):
    """What is measured: name, unit, kind, and where its actual value comes from."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("所属工程")
    )
    task = models.ForeignKey(
        Task,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="indicators",
        verbose_name=_("关联任务"),
    )
    code = models.CharField(_("编号"), max_length=20)
    name = models.CharField(_("指标名称"), max_length=200)
    unit = models.CharField(_("计量单位"), max_length=20)
    kind = models.CharField(_("指标类型"), max_length=20, choices=IndicatorKind.choices)
    measurement = models.CharField(
        _("取数方式"), max_length=20, choices=Measurement.choices, default=Measurement.REPORTED
    )
    metric_key = models.CharField(_("计算口径"), max_length=100, blank=True)
    metric_params = models.JSONField(_("口径参数"), default=dict, blank=True)
    # A computed figure whose registry starts later than the plan (payments recorded from some year on):
    # where a year has no records, its approved reported figure stands, and the units keep reporting it.
    reported_fallback = models.BooleanField(
        _("无台账记录时取填报值"),
        default=False,
        help_text=_("台账自动计算的指标：某年度没有台账记录时，采用审核通过的填报值；责任单位继续填报"),
    )
    definition = models.TextField(_("统计口径说明"), blank=True)
    # A reported ratio is entered as its two parts, so both stay on record (R&D spending ÷ GDP).
    numerator_name = models.CharField(_("分子名称"), max_length=100, blank=True)
    denominator_name = models.CharField(_("分母名称"), max_length=100, blank=True)
    component_unit = models.CharField(_("分子分母单位"), max_length=20, blank=True)
    lead_department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="indicators",
        verbose_name=_("责任单位"),
    )

    scope_rule = ScopeRule(department="programme__plan__department", public_in_region=True)

    class Meta:
        verbose_name = _("指标")
        verbose_name_plural = _("指标")
        ordering = ["programme__number", "code"]
        constraints = [models.UniqueConstraint(fields=["programme", "code"], name="indicator_code_unique")]

    def __str__(self) -> str:
        return f"{self.name}（{self.unit}）"

    def scope_department(self) -> Department:
        return self.lead_department or self.programme.plan.department

    def clean(self) -> None:
        if self.measurement == Measurement.COMPUTED:
            from kechuang.metrics.registry import metrics

            if not self.metric_key:
                raise ValidationError({"metric_key": "“台账自动计算”的指标必须选择计算口径。"})
            if self.metric_key not in metrics:
                raise ValidationError({"metric_key": f"计算口径“{self.metric_key}”不存在。"})
        elif self.metric_key:
            raise ValidationError({"metric_key": "“责任单位填报”的指标不能设置计算口径。"})
        if self.reported_fallback and self.measurement != Measurement.COMPUTED:
            raise ValidationError({"reported_fallback": "只有“台账自动计算”的指标才能在无记录时取填报值。"})
        if bool(self.numerator_name) != bool(self.denominator_name):
            raise ValidationError({"denominator_name": "分子名称和分母名称须同时填写或同时留空。"})
        if self.numerator_name and self.kind != IndicatorKind.RATIO:
            raise ValidationError({"numerator_name": "只有“比率”类指标才能按分子、分母填报。"})

    @property
    def has_components(self) -> bool:
        return bool(self.numerator_name and self.denominator_name)


class Target(SourceSpan):
    """A value to reach in a year. Relative targets (倍增) are a factor of a baseline year's actual."""

    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="targets", verbose_name=_("指标")
    )
    year = models.PositiveSmallIntegerField(_("目标年度"))
    value = models.DecimalField(_("目标值"), max_digits=20, decimal_places=4, null=True, blank=True)
    unit = models.CharField(_("单位"), max_length=20, blank=True, help_text=_("原文写法，如 家、万元、%"))
    comparator = models.CharField(
        _("比较方式"), max_length=10, choices=Comparator.choices, default=Comparator.EQ
    )
    stretch = models.BooleanField(_("力争目标"), default=False)
    base_year = models.PositiveSmallIntegerField(_("基期年度"), null=True, blank=True)
    factor = models.DecimalField(_("倍数"), max_digits=8, decimal_places=4, null=True, blank=True)

    scope_rule = ScopeRule(department="indicator__programme__plan__department", public_in_region=True)

    class Meta:
        verbose_name = _("目标")
        verbose_name_plural = _("目标")
        ordering = ["indicator", "year", "stretch"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(value__isnull=False, base_year__isnull=True, factor__isnull=True)
                    | models.Q(value__isnull=True, base_year__isnull=False, factor__isnull=False)
                ),
                name="target_absolute_or_relative",
            )
        ]

    def __str__(self) -> str:
        return f"{self.year}年 {self.indicator.name} {self.describe()}"

    @property
    def is_relative(self) -> bool:
        return self.base_year is not None

    def describe(self) -> str:
        """The target as the plan would say it: 500家以上, 超过1600家, 2020年的2倍以上."""
        if self.is_relative:
            value = f"{self.base_year}年的{format_number(self.factor)}倍"
        else:
            value = f"{format_number(self.value)}{self.unit}"
        return COMPARATOR_PHRASE.get(self.comparator, "{v}").format(v=value)

    def span_plan(self) -> Plan:
        return self.indicator.programme.plan

    def scope_department(self) -> Department:
        return self.indicator.scope_department()

    def clean(self) -> None:
        self.clean_span()
        if self.is_relative:
            if self.value is not None:
                raise ValidationError({"value": "相对目标（倍增）不填目标值，由基期年度和倍数决定。"})
            if self.base_year >= self.year:
                raise ValidationError({"base_year": "基期年度必须早于目标年度。"})
            if self.factor is None or self.factor <= 0:
                raise ValidationError({"factor": "倍数必须大于 0。"})
        elif self.value is None:
            raise ValidationError({"value": "请填写目标值。"})


class Baseline(SourceSpan):
    """The value an indicator starts from; value may stay empty until the bureau supplies it."""

    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="baselines", verbose_name=_("指标")
    )
    year = models.PositiveSmallIntegerField(_("基期年度"))
    value = models.DecimalField(_("基期值"), max_digits=20, decimal_places=4, null=True, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)

    scope_rule = ScopeRule(department="indicator__programme__plan__department", public_in_region=True)

    class Meta:
        verbose_name = _("基期值")
        verbose_name_plural = _("基期值")
        ordering = ["indicator", "year"]
        constraints = [models.UniqueConstraint(fields=["indicator", "year"], name="baseline_year_unique")]

    def __str__(self) -> str:
        return f"{self.year}年 {self.indicator.name}"

    def span_plan(self) -> Plan:
        return self.indicator.programme.plan

    def scope_department(self) -> Department:
        return self.indicator.scope_department()

    def clean(self) -> None:
        self.clean_span()


def format_number(value) -> str:
    """1.5500 → "1.55", 50.0000 → "50" (for display); empty for no value."""
    if value is None or value == "":
        return ""
    return format(Decimal(value).normalize(), "f")


def json_number(value):
    """Decimal → int when whole, else float, so JSON shows 50 and 1.55."""
    if value is None:
        return None
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(value)


class PlanDraft(models.Model):
    """A plan proposed from a document's text: the parser's suggestions, the clerk's edits, and the plan
    created on confirmation. Kept after confirmation so the parser can be improved from the decisions."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("待确认")
        CONFIRMED = "confirmed", _("已生成方案")
        DISCARDED = "discarded", _("已放弃")

    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="plan_drafts", verbose_name=_("所属区域")
    )
    filename = models.CharField(_("文件名"), max_length=200, blank=True)
    source_text = models.TextField(_("原文"))
    title = models.CharField(_("标题"), max_length=300, blank=True)
    doc_number = models.CharField(_("文号"), max_length=100, blank=True)
    issued_on = models.DateField(_("印发日期"), null=True, blank=True)
    period_start = models.PositiveSmallIntegerField(_("起始年度"), null=True, blank=True)
    period_end = models.PositiveSmallIntegerField(_("截止年度"), null=True, blank=True)
    parsed = models.JSONField(_("识别结果"), default=dict)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    plan = models.OneToOneField(
        Plan,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="draft",
        verbose_name=_("生成的方案"),
    )
    created_by = models.ForeignKey(
        "org.User", on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("创建人")
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    scope_rule = ScopeRule(department="department")

    workflow = Workflow(
        states=Status,
        view_capability=Capability.CHANGE_PLAN,
        validate=False,  # drafting.confirm checks the whole draft and names each bad row
        transitions=[
            # from the draft's own page, which checks every row and creates the plan in the same transaction
            Transition(
                "confirm", "生成方案", [Status.DRAFT], Status.CONFIRMED, Capability.CHANGE_PLAN, by="page"
            ),
            Transition("discard", "放弃识别稿", [Status.DRAFT], Status.DISCARDED, Capability.CHANGE_PLAN),
            Transition(
                "restore",
                "恢复识别稿",
                [Status.DISCARDED],
                Status.DRAFT,
                Capability.CHANGE_PLAN,
                comment_required=True,
                reopen=True,
            ),
        ],
        todos=[
            Todo(
                Status.DRAFT,
                "待确认的方案识别稿",
                Capability.CHANGE_PLAN,
                narrow=lambda user, qs: qs.filter(created_by=user),
            )
        ],
    )

    class Meta:
        verbose_name = _("方案识别稿")
        verbose_name_plural = _("方案识别稿")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title or self.filename or f"识别稿 {self.pk}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("plans:draft", args=[self.pk])

    def scope_department(self) -> Department:
        return self.department


class TargetSuggestion(models.Model):
    """One target the parser proposed (or the clerk added), with the clerk's decision and final values."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("待确认")
        ACCEPTED = "accepted", _("采纳")
        EDITED = "edited", _("修改后采纳")
        REJECTED = "rejected", _("不采纳")
        ADDED = "added", _("人工补充")

    draft = models.ForeignKey(
        PlanDraft, on_delete=models.CASCADE, related_name="suggestions", verbose_name=_("识别稿")
    )
    position = models.PositiveIntegerField(_("序号"))
    suggested = models.JSONField(_("识别结果"), default=dict, blank=True)
    final = models.JSONField(_("确认结果"), default=dict, blank=True)
    decision = models.CharField(_("处理"), max_length=10, choices=Decision.choices, default=Decision.PENDING)
    programme_title = models.CharField(_("所属工程/章节"), max_length=200, blank=True)

    scope_rule = ScopeRule(department="draft__department")

    class Meta:
        verbose_name = _("目标识别建议")
        verbose_name_plural = _("目标识别建议")
        ordering = ["draft", "position"]
        constraints = [
            models.UniqueConstraint(fields=["draft", "position"], name="suggestion_position_unique")
        ]

    def __str__(self) -> str:
        values = self.final or self.suggested
        return f"{values.get('year')}年 {values.get('indicator')} {values.get('value')}{values.get('unit')}"

    def scope_department(self) -> Department:
        return self.draft.department
