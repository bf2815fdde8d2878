"""The enterprise registry (programme 1, 科技企业成长工程): enterprises, yearly data, qualifications,
growth stages, and the dated rule sets the eligibility self-checks run on."""

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kechuang.core.personal import PersonalField, personal_fields, unseal
from kechuang.org.models import Department
from kechuang.org.roles import Capability
from kechuang.org.scoperule import ScopeRule
from kechuang.workflow.engine import Todo, Transition, Workflow

from . import creditcode
from .choices import GrowthStage, HighTechField, QualificationStatus, SourceChannel

MONEY = {"max_digits": 18, "decimal_places": 2, "null": True, "blank": True}


def validate_credit_code(value: str) -> None:
    try:
        creditcode.validate(value)
    except creditcode.CreditCodeError as exc:
        raise ValidationError(str(exc), code="credit_code") from exc


industry_code_validator = RegexValidator(
    r"^[A-T](\d{2}|\d{3}|\d{4})?$", "国民经济行业分类代码应为门类字母加 2–4 位数字，如 C3985。"
)


class Enterprise(models.Model):
    """An enterprise in the district, keyed by its 统一社会信用代码."""

    credit_code = models.CharField(
        _("统一社会信用代码"), max_length=18, unique=True, validators=[validate_credit_code]
    )
    name = models.CharField(_("企业名称"), max_length=200)
    town = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="enterprises", verbose_name=_("所在镇乡街道")
    )
    industry_code = models.CharField(
        _("行业代码"),
        max_length=5,
        blank=True,
        validators=[industry_code_validator],
        help_text=_("国民经济行业分类（GB/T 4754-2017）"),
    )
    hightech_field = models.CharField(_("技术领域"), max_length=20, choices=HighTechField.choices, blank=True)
    registered_on = models.DateField(_("注册日期"))
    source_channel = models.CharField(_("来源渠道"), max_length=20, choices=SourceChannel.choices, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = PersonalField(_("联系电话"), kind="phone", max_length=30, blank=True)  # encrypted
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="enterprises", blank=True, verbose_name=_("企业账号")
    )
    stage = models.CharField(_("成长阶段"), max_length=10, choices=GrowthStage.choices, blank=True)
    stage_reason = models.CharField(_("阶段依据"), max_length=300, blank=True)
    is_active = models.BooleanField(_("在册"), default=True)

    scope_rule = ScopeRule(department="town", owner="users")

    # The bureau's official record: the registered identity (credit code, name, date of registration),
    # the town it sits in (which decides who is responsible for it) and how it came to the district.
    # Only the bureau changes them (`enterprises.certify`); the growth stage is computed, `is_active` and
    # the linked accounts are the bureau's too and never on a profile form.
    OFFICIAL_FIELDS = ("credit_code", "name", "town", "registered_on", "source_channel")
    # What an enterprise may propose for its own profile — through a reviewed Submission.
    SELF_SERVICE_FIELDS = ("industry_code", "hightech_field", "address", "contact_name", "contact_phone")

    class Meta:
        verbose_name = _("企业")
        verbose_name_plural = _("企业")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("enterprises:detail", args=[self.pk])

    def clean(self) -> None:
        self.credit_code = creditcode.normalise(self.credit_code)

    def scope_department(self) -> Department:
        return self.town


class EnterpriseYear(models.Model):
    """An enterprise's figures for one year. Never overwritten: a correction is a new version and the
    old one is kept, marked superseded. Amounts in 元."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="years", verbose_name=_("企业")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    sales_revenue = models.DecimalField(_("销售收入（元）"), **MONEY)
    total_income = models.DecimalField(_("总收入（元）"), **MONEY)
    total_cost = models.DecimalField(_("成本费用总额（元）"), **MONEY)
    rd_expense = models.DecimalField(_("研发费用（元）"), **MONEY)
    rd_domestic = models.DecimalField(_("境内研发费用（元）"), **MONEY)
    net_assets = models.DecimalField(_("净资产（元）"), **MONEY)
    total_assets = models.DecimalField(_("资产总额（元）"), **MONEY)
    hightech_income = models.DecimalField(_("高新技术产品（服务）收入（元）"), **MONEY)
    employees = models.PositiveIntegerField(_("职工总数"), null=True, blank=True)
    st_staff = models.PositiveIntegerField(_("科技人员数"), null=True, blank=True)
    rd_staff = models.PositiveIntegerField(_("研发人员数"), null=True, blank=True)
    conversions = models.PositiveIntegerField(_("科技成果转化数"), null=True, blank=True)
    ip_class1 = models.PositiveIntegerField(_("I类知识产权数"), null=True, blank=True)
    ip_class2 = models.PositiveIntegerField(_("II类知识产权数"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    superseded_at = models.DateTimeField(_("被更正时间"), null=True, blank=True)
    recorded_at = models.DateTimeField(_("录入时间"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("录入人"),
    )

    FIGURES = [
        "sales_revenue",
        "total_income",
        "total_cost",
        "rd_expense",
        "rd_domestic",
        "net_assets",
        "total_assets",
        "hightech_income",
        "employees",
        "st_staff",
        "rd_staff",
        "conversions",
        "ip_class1",
        "ip_class2",
    ]

    scope_rule = ScopeRule(department="enterprise__town", owner="enterprise__users")

    class Meta:
        verbose_name = _("企业年度数据")
        verbose_name_plural = _("企业年度数据")
        ordering = ["enterprise", "year", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "year", "version"], name="enterprise_year_version"),
            models.UniqueConstraint(
                fields=["enterprise", "year"],
                condition=Q(superseded_at__isnull=True),
                name="enterprise_year_current",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.year}年（第{self.version}版）"

    def get_absolute_url(self) -> str:
        return reverse("enterprise-years:detail", args=[self.pk])

    NON_NEGATIVE = (
        "sales_revenue",
        "total_income",
        "total_cost",
        "rd_expense",
        "rd_domestic",
        "total_assets",
        "hightech_income",
    )

    @classmethod
    def figure_errors(cls, figures: dict) -> dict[str, str]:
        """The rules a year's figures must keep, as {field: message}; used by the forms (clean) and, on
        plain values without building an instance, by the import."""
        errors = {}
        get = figures.get
        employees = get("employees")
        if get("st_staff") is not None and employees is not None and get("st_staff") > employees:
            errors["st_staff"] = "科技人员数不能超过职工总数。"
        if get("rd_staff") is not None and employees is not None and get("rd_staff") > employees:
            errors["rd_staff"] = "研发人员数不能超过职工总数。"
        if (
            get("rd_domestic") is not None
            and get("rd_expense") is not None
            and get("rd_domestic") > get("rd_expense")
        ):
            errors["rd_domestic"] = "境内研发费用不能超过研发费用。"
        for name in cls.NON_NEGATIVE:
            value = get(name)
            if value is not None and value < 0:
                errors[name] = f"{cls._meta.get_field(name).verbose_name}不能为负数。"
        return errors

    def clean(self) -> None:
        errors = self.figure_errors(self.figures())
        if errors:
            raise ValidationError(errors)

    def figures(self) -> dict:
        return {name: getattr(self, name) for name in self.FIGURES}

    def scope_department(self) -> Department:
        return self.enterprise.town


class Submission(models.Model):
    """A change an enterprise proposes to its own record: its yearly figures, or the profile fields it may
    edit. The proposed values wait here, apart from the ledger, until the town or the bureau accepts them;
    acceptance writes them through the ledger's own actions (a new EnterpriseYear version, audited) in the
    same transaction. Figures that jump implausibly against the previous accepted year are flagged and
    must be explained before the submission goes to review."""

    class Kind(models.TextChoices):
        YEAR = "year", _("年度数据")
        PROFILE = "profile", _("企业信息")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("已提交")
        RETURNED = "returned", _("已退回")
        ACCEPTED = "accepted", _("已采纳")
        WITHDRAWN = "withdrawn", _("已撤回")

    OPEN = (Status.DRAFT, Status.SUBMITTED, Status.RETURNED)
    EDITABLE = (Status.DRAFT, Status.RETURNED)

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="submissions", verbose_name=_("企业")
    )
    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices)
    year = models.PositiveSmallIntegerField(_("年度"), null=True, blank=True)
    values = models.JSONField(_("填报内容"), default=dict, blank=True)
    flags = models.JSONField(_("异常变动"), default=list, blank=True)
    explanations = models.JSONField(_("企业说明"), default=dict, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("填报人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    ledger_version = models.ForeignKey(
        EnterpriseYear,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("写入的台账版本"),
    )

    scope_rule = ScopeRule(department="enterprise__town", owner="enterprise__users")
    # a proposed contact phone is kept sealed (encrypted) inside `values` (core/personal.py)
    personal_json = ("values",)

    workflow = Workflow(
        states=Status,
        view_capability=Capability.VIEW_ENTERPRISES,
        transitions=[
            # from the submission's page, which asks for the explanations of flagged figures
            Transition(
                "submit",
                "提交审核",
                [Status.DRAFT, Status.RETURNED],
                Status.SUBMITTED,
                Capability.SUBMIT_ENTERPRISE_DATA,
                by="page",
            ),
            Transition(
                "accept",
                "采纳",
                [Status.SUBMITTED],
                Status.ACCEPTED,
                Capability.REVIEW_ENTERPRISE_DATA,
                then=["kechuang.enterprises.actions.write_accepted_submission"],
                after_commit=["kechuang.enterprises.actions.notify_submission"],
            ),
            Transition(
                "return",
                "退回",
                [Status.SUBMITTED],
                Status.RETURNED,
                Capability.REVIEW_ENTERPRISE_DATA,
                comment_required=True,
                after_commit=["kechuang.enterprises.actions.notify_submission"],
            ),
            Transition(
                "withdraw",
                "撤回",
                [Status.DRAFT, Status.RETURNED],
                Status.WITHDRAWN,
                Capability.SUBMIT_ENTERPRISE_DATA,
            ),
        ],
        todos=[
            Todo(Status.SUBMITTED, "待审核的企业填报", Capability.REVIEW_ENTERPRISE_DATA),
            Todo(Status.RETURNED, "被退回的企业填报", Capability.SUBMIT_ENTERPRISE_DATA),
        ],
    )

    class Meta:
        verbose_name = _("企业填报")
        verbose_name_plural = _("企业填报")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["enterprise", "kind", "year"], name="submission_enterprise")]

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("enterprises:submission", args=[self.pk])

    @property
    def title(self) -> str:
        return f"{self.year}年度数据" if self.kind == self.Kind.YEAR else "企业信息变更"

    def scope_department(self) -> Department:
        return self.enterprise.town

    def clean(self) -> None:
        if self.kind == self.Kind.YEAR and not self.year:
            raise ValidationError({"year": "年度数据填报须注明年度。"})
        if self.status in (self.Status.SUBMITTED, self.Status.ACCEPTED):
            missing = [f["message"] for f in self.flags if not self.explanations.get(f["field"], "").strip()]
            if missing:
                raise ValidationError({"explanations": [f"{m}：请说明原因。" for m in missing]})

    def proposed(self) -> dict:
        """The proposed values as the ledger's own types (figures as Decimal / int; personal values, sealed
        in `values`, decrypted)."""
        model = EnterpriseYear if self.kind == self.Kind.YEAR else Enterprise
        personal = personal_fields(model)
        return {
            name: unseal(value) if name in personal else model._meta.get_field(name).to_python(value)
            for name, value in self.values.items()
        }


class QualificationKind(models.Model):
    """A kind of recognition (重庆市科技型企业, 科技型中小企业, 高新技术企业, 专精特新 …) — data the bureau
    can extend."""

    code = models.SlugField(_("代码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=100, unique=True)
    validity_years = models.PositiveSmallIntegerField(
        _("有效期（年）"), null=True, blank=True, help_text=_("空表示长期有效，直至撤销")
    )
    valid_through_next_march = models.BooleanField(
        _("有效至次年3月31日"), default=False, help_text=_("如科技型中小企业入库编号")
    )
    description = models.TextField(_("说明"), blank=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=100)

    scope_rule = ScopeRule(public=True)

    class Meta:
        verbose_name = _("资质类型")
        verbose_name_plural = _("资质类型")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name

    def default_expiry(self, issued_on: date) -> date | None:
        if self.valid_through_next_march:
            return date(issued_on.year + 1, 3, 31)
        if self.validity_years:
            try:
                anniversary = issued_on.replace(year=issued_on.year + self.validity_years)
            except ValueError:  # 29 February
                anniversary = date(issued_on.year + self.validity_years, 3, 1)
            return anniversary - timedelta(days=1)
        return None


class Qualification(models.Model):
    """One recognition of an enterprise: number, dates, status."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="qualifications", verbose_name=_("企业")
    )
    kind = models.ForeignKey(
        QualificationKind, on_delete=models.PROTECT, related_name="+", verbose_name=_("资质")
    )
    number = models.CharField(_("证书/入库编号"), max_length=60, blank=True)
    issued_on = models.DateField(_("认定日期"))
    expires_on = models.DateField(_("有效期至"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=QualificationStatus.choices, default=QualificationStatus.VALID
    )
    revoked_on = models.DateField(_("撤销日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)

    scope_rule = ScopeRule(department="enterprise__town", owner="enterprise__users")

    class Meta:
        verbose_name = _("企业资质")
        verbose_name_plural = _("企业资质")
        ordering = ["enterprise", "kind", "-issued_on"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "kind", "issued_on"], name="qualification_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.kind}（{self.issued_on:%Y-%m-%d}）"

    def get_absolute_url(self) -> str:
        return reverse("qualifications:detail", args=[self.pk])

    def clean(self) -> None:
        if self.kind_id and self.issued_on and self.expires_on is None:
            self.expires_on = self.kind.default_expiry(self.issued_on)
        if self.expires_on and self.issued_on and self.expires_on < self.issued_on:
            raise ValidationError({"expires_on": "有效期至不能早于认定日期。"})
        if self.status == QualificationStatus.REVOKED and not self.revoked_on:
            raise ValidationError({"revoked_on": "已撤销的资质必须填写撤销日期。"})
        if self.status == QualificationStatus.VALID and self.revoked_on:
            raise ValidationError({"revoked_on": "有效的资质不能填写撤销日期。"})

    def valid_on(self, day: date) -> bool:
        return (
            self.issued_on <= day
            and (self.expires_on is None or day <= self.expires_on)
            and (self.revoked_on is None or day < self.revoked_on)
        )

    def scope_department(self) -> Department:
        return self.enterprise.town


def valid_on_q(day: date, prefix: str = "") -> Q:
    """Qualifications valid on `day` (for querysets of Qualification, or through `prefix`)."""
    p = prefix
    return (
        Q(**{f"{p}issued_on__lte": day})
        & (Q(**{f"{p}expires_on__isnull": True}) | Q(**{f"{p}expires_on__gte": day}))
        & (Q(**{f"{p}revoked_on__isnull": True}) | Q(**{f"{p}revoked_on__gt": day}))
    )


class StageRecord(models.Model):
    """History of an enterprise's growth stage: kept whenever the computed stage changes."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="stage_history", verbose_name=_("企业")
    )
    stage = models.CharField(_("成长阶段"), max_length=10, choices=GrowthStage.choices)
    data_year = models.PositiveSmallIntegerField(_("依据年度"), null=True, blank=True)
    reason = models.CharField(_("依据"), max_length=300)
    decided_at = models.DateTimeField(_("判定时间"), auto_now_add=True)

    scope_rule = ScopeRule(department="enterprise__town", owner="enterprise__users")

    class Meta:
        verbose_name = _("成长阶段记录")
        verbose_name_plural = _("成长阶段记录")
        ordering = ["enterprise", "-decided_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.stage}"

    def scope_department(self) -> Department:
        return self.enterprise.town


class QualificationSummary(models.Model):
    """Derived, never edited: per town, qualification kind and day — and the same added up by month and by
    year (`grain`; `day` is the bucket's first day) — how many enterprises got the kind for the first time
    and by how much the number holding it valid changed (an enterprise counts once however many of its
    recognitions overlap). Kept by `summaries.py` whenever recognitions or an enterprise's town change, so
    the cockpit adds up a few rows per town instead of scanning every recognition."""

    class Grain(models.TextChoices):
        DAY = "d", "日"
        MONTH = "m", "月"
        YEAR = "y", "年"

    # rollup 0: the enterprises' own town; rollup 1: the total of `area`'s whole subtree (a town,
    # district, city or the province), so any department's figure is one index range
    area = models.ForeignKey(
        Department, on_delete=models.CASCADE, null=True, related_name="+", db_index=False
    )
    # 0/1 rather than a boolean: SQLite uses the index for `rollup = 1`, not for a bare boolean column
    rollup = models.PositiveSmallIntegerField(default=0)
    kind = models.ForeignKey(QualificationKind, on_delete=models.CASCADE, related_name="+", db_index=False)
    grain = models.CharField(max_length=1, choices=Grain.choices)
    day = models.DateField()
    first = models.IntegerField(default=0)
    valid_change = models.IntegerField(default=0)

    derived_data = True  # recomputed, not changed by anyone: not audited

    class Meta:
        # covering: sums over an area's range of buckets never touch the table itself
        indexes = [
            models.Index(
                fields=["kind", "grain", "rollup", "area", "day", "first", "valid_change"],
                name="qual_summary_lookup",
            ),
            models.Index(fields=["area"], name="qual_summary_area"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "grain", "rollup", "area", "day"], name="qual_summary_unique_cell"
            ),
        ]

    def __str__(self) -> str:
        area = f"{self.area_id}{'*' if self.rollup else ''}"
        return f"{area}/{self.kind_id}/{self.grain}{self.day}: +{self.first} Δ{self.valid_change}"


class RuleSet(models.Model):
    """A dated, versioned set of rule parameters (thresholds, grade tables) — never constants in code.

    code: kxqy (科技型中小企业评价), gqrd (高新技术企业认定), stage (成长阶段).
    """

    code = models.CharField(_("规则"), max_length=20)
    version = models.CharField(_("版本"), max_length=30)
    title = models.CharField(_("名称"), max_length=200)
    basis = models.CharField(_("依据文件"), max_length=300, blank=True)
    effective_from = models.DateField(_("生效日期"))
    effective_to = models.DateField(_("失效日期"), null=True, blank=True)
    params = models.JSONField(_("参数"))

    scope_rule = ScopeRule(public=True)

    class Meta:
        verbose_name = _("规则集")
        verbose_name_plural = _("规则集")
        ordering = ["code", "-effective_from"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="ruleset_version_unique")]

    def __str__(self) -> str:
        return f"{self.title}（{self.version}）"

    @classmethod
    def active(cls, code: str, on: date) -> "RuleSet":
        found = (
            cls.objects.filter(code=code, effective_from__lte=on)
            .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on))
            .order_by("-effective_from")
            .first()
        )
        if found is None:
            raise cls.DoesNotExist(f"{on:%Y-%m-%d} 没有生效的“{code}”规则集。")
        return found
