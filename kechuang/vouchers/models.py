"""科技创新券 (safeguard 2: “落实…科技创新券等普惠性政策”): voucher types with their face value, validity,
who may claim them and the per-enterprise yearly cap; the service institutions registered to redeem them;
and the vouchers themselves — issued (claimed by an enterprise or issued by the bureau), redeemed by a
registered institution against a service contract and an invoice, verified by the bureau, settled (paid to
the institution), or voided. Every state change is a transition of the voucher's workflow; redemption is a
compare-and-set (a voucher redeemed or voided cannot be used again)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kechuang.core.personal import PersonalField
from kechuang.enterprises.models import Enterprise, QualificationKind, validate_credit_code
from kechuang.org.models import Department
from kechuang.org.roles import Capability
from kechuang.org.scoperule import ScopeRule
from kechuang.policies.models import Instrument
from kechuang.workflow.engine import Todo, Transition, Workflow


def _yuan(value) -> str:
    return f"{value:,.2f} 元"


class VoucherType(models.Model):
    """A kind of voucher issued in a year: face value, when it may be used, who may claim it (enterprises
    holding one of the qualifications; none: every enterprise in the register), a conditional voucher's
    qualification needed before it is redeemed (e.g. 高企), and the caps — per enterprise a year, in all."""

    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="voucher_types",
        verbose_name=_("发放单位"),
        help_text=_("发放本类创新券的区县：其辖区内的企业可申领，由其科技局维护、发放和结算"),
    )
    name = models.CharField(_("名称"), max_length=100)
    year = models.PositiveSmallIntegerField(_("年度"))
    instrument = models.ForeignKey(
        Instrument,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="voucher_types",
        verbose_name=_("政策条款"),
        help_text=_("兑付结算计入该条款当年的预算执行"),
    )
    face_value = models.DecimalField(_("面值（元）"), max_digits=12, decimal_places=2)
    valid_from = models.DateField(_("有效期自"))
    valid_to = models.DateField(_("有效期至"))
    eligible_kinds = models.ManyToManyField(
        QualificationKind,
        blank=True,
        related_name="+",
        verbose_name=_("可申领的企业资质"),
        help_text=_("持有其中任一有效资质的企业可申领；不选则在册企业均可申领"),
    )
    redeem_requires = models.ForeignKey(
        QualificationKind,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("兑付前须取得的资质"),
        help_text=_("条件券：企业取得该资质后方可兑付（如高新技术企业）"),
    )
    annual_cap = models.DecimalField(
        _("每家企业年度上限（元）"),
        max_digits=12,
        decimal_places=2,
        help_text=_("同一年度各类创新券面值合计"),
    )
    total_count = models.PositiveIntegerField(_("发放总量（张）"), null=True, blank=True)
    max_share = models.DecimalField(
        _("最高抵扣比例"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("0.50"),
        help_text=_("创新券可抵扣的服务费比例，如 0.50 为不超过发票金额的 50%"),
    )
    same_day_flag = models.PositiveSmallIntegerField(
        _("同日足额兑付预警（笔）"),
        default=3,
        help_text=_("同一服务机构同一天足额兑付达到该笔数时提示核查"),
    )
    services = models.CharField(_("支持的服务"), max_length=300, blank=True)
    is_open = models.BooleanField(_("开放申领"), default=True)
    is_demo = models.BooleanField(_("演示数据"), default=False)

    scope_rule = ScopeRule(public=True)

    class Meta:
        verbose_name = _("创新券类型")
        verbose_name_plural = _("创新券类型")
        ordering = ["-year", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["department", "year", "name"],
                name="vouchertype_unique",
                violation_error_message="本单位该年度已有同名创新券。",
            ),
            models.CheckConstraint(condition=Q(face_value__gt=0), name="vouchertype_face_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.year} 年{self.name}"

    def get_absolute_url(self) -> str:
        return reverse("voucher-types:detail", args=[self.pk])

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.face_value is not None and self.face_value <= 0:
            errors["face_value"] = "面值应大于 0。"
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            errors["valid_to"] = "有效期至不能早于有效期自。"
        if self.annual_cap is not None and self.face_value is not None and self.annual_cap < self.face_value:
            errors["annual_cap"] = f"每家企业年度上限不能低于面值 {_yuan(self.face_value)}。"
        if self.max_share is not None and not Decimal("0") < self.max_share <= Decimal("1"):
            errors["max_share"] = "最高抵扣比例应大于 0 且不超过 1（如 0.50）。"
        if self.same_day_flag is not None and self.same_day_flag < 2:
            errors["same_day_flag"] = "同日足额兑付预警笔数至少为 2。"
        if self.instrument_id and self.instrument.kind != "voucher":
            errors["instrument"] = "请选择类别为“科技创新券”的政策条款。"
        elif (
            self.instrument_id
            and self.department_id
            and self.instrument.document.department_id != self.department_id
        ):
            errors["instrument"] = f"请选择“{self.department.name}”政策文件中的条款。"
        if errors:
            raise ValidationError(errors)


class ServiceProvider(models.Model):
    """A service institution registered to redeem vouchers (检验检测, 技术转移, 知识产权 …), with the accounts
    that act for it; one suspended (not 在册) redeems nothing."""

    name = models.CharField(_("机构名称"), max_length=200)
    credit_code = models.CharField(
        _("统一社会信用代码"), max_length=18, unique=True, validators=[validate_credit_code]
    )
    town = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="voucher_providers", verbose_name=_("所在镇乡街道")
    )
    legal_representative = models.CharField(_("法定代表人"), max_length=50)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = PersonalField(_("联系电话"), kind="phone", max_length=30, blank=True)  # encrypted
    services = models.CharField(_("服务范围"), max_length=300)
    registered_on = models.DateField(_("入库日期"))
    is_active = models.BooleanField(_("在册"), default=True)
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="voucher_providers", blank=True, verbose_name=_("机构账号")
    )
    note = models.CharField(_("备注"), max_length=300, blank=True)

    scope_rule = ScopeRule(department="town", owner="users")

    class Meta:
        verbose_name = _("创新券服务机构")
        verbose_name_plural = _("创新券服务机构")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("voucher-providers:detail", args=[self.pk])

    def scope_department(self) -> Department:
        return self.town


class VoucherStatus(models.TextChoices):
    ISSUED = "issued", _("待使用")
    REDEEMED = "redeemed", _("已兑付待核验")
    VERIFIED = "verified", _("已核验待结算")
    SETTLED = "settled", _("已结算")
    VOIDED = "voided", _("已作废")


# what a redemption writes, cleared when the bureau sends it back
REDEMPTION_FIELDS = {
    "provider": None,
    "redeemed_on": None,
    "redeemed_by": None,
    "service_content": "",
    "contract_number": "",
    "contract_amount": None,
    "invoice_number": "",
    "invoice_amount": None,
    "redeemed_amount": None,
    "flags": [],
}


class Voucher(models.Model):
    """One voucher of an enterprise: its number, face value and validity; once redeemed the institution,
    the contract and invoice and the amount it covers (with the flags raised then); the settlement paid."""

    type = models.ForeignKey(
        VoucherType, on_delete=models.PROTECT, related_name="vouchers", verbose_name=_("类型")
    )
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="vouchers", verbose_name=_("持券企业")
    )
    number = models.CharField(_("券号"), max_length=30, unique=True)
    face_value = models.DecimalField(_("面值（元）"), max_digits=12, decimal_places=2)
    issued_on = models.DateField(_("发放日期"))
    expires_on = models.DateField(_("有效期至"))
    status = models.CharField(
        _("状态"), max_length=10, choices=VoucherStatus.choices, default=VoucherStatus.ISSUED
    )
    provider = models.ForeignKey(
        ServiceProvider,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="vouchers",
        verbose_name=_("兑付服务机构"),
    )
    redeemed_on = models.DateField(_("兑付日期"), null=True, blank=True)
    redeemed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    service_content = models.CharField(_("服务内容"), max_length=300, blank=True)
    contract_number = models.CharField(_("服务合同编号"), max_length=60, blank=True)
    contract_amount = models.DecimalField(
        _("合同金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    invoice_number = models.CharField(_("发票号码"), max_length=40, blank=True)
    invoice_amount = models.DecimalField(
        _("发票金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    redeemed_amount = models.DecimalField(
        _("抵扣金额（元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    flags = models.JSONField(_("核查提示"), default=list, blank=True)
    verify_note = models.CharField(_("核验意见"), max_length=300, blank=True)
    settled_on = models.DateField(_("结算日期"), null=True, blank=True)
    settlement_number = models.CharField(_("结算凭证号"), max_length=60, blank=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)

    # the enterprise's accounts, and — once it redeemed the voucher — the institution's
    scope_rule = ScopeRule(department="enterprise__town", owner=("enterprise__users", "provider__users"))

    workflow = Workflow(
        states=VoucherStatus,
        view_capability=Capability.VIEW_VOUCHERS,
        transitions=[
            # from the institution's 兑付 page (number, enterprise, contract, invoice, attachments)
            Transition(
                "redeem",
                "兑付",
                [VoucherStatus.ISSUED],
                VoucherStatus.REDEEMED,
                allowed="kechuang.vouchers.actions.redeem_refusal",
                by="page",
            ),
            Transition(
                "verify",
                "核验通过",
                [VoucherStatus.REDEEMED],
                VoucherStatus.VERIFIED,
                Capability.MANAGE_VOUCHERS,
                form="kechuang.vouchers.forms.VerifyForm",
            ),
            Transition(
                "send_back",
                "退回兑付",
                [VoucherStatus.REDEEMED],
                VoucherStatus.ISSUED,
                Capability.MANAGE_VOUCHERS,
                comment_required=True,
                sets=REDEMPTION_FIELDS,
            ),
            Transition(
                "settle",
                "结算",
                [VoucherStatus.VERIFIED],
                VoucherStatus.SETTLED,
                Capability.MANAGE_VOUCHERS,
                form="kechuang.vouchers.forms.SettleForm",
            ),
            Transition(
                "void",
                "作废",
                [VoucherStatus.ISSUED],
                VoucherStatus.VOIDED,
                Capability.MANAGE_VOUCHERS,
                comment_required=True,
            ),
        ],
        todos=[
            Todo(VoucherStatus.REDEEMED, "待核验的创新券兑付", Capability.MANAGE_VOUCHERS),
            Todo(VoucherStatus.VERIFIED, "待结算的创新券", Capability.MANAGE_VOUCHERS),
        ],
    )

    class Meta:
        verbose_name = _("科技创新券")
        verbose_name_plural = _("科技创新券")
        ordering = ["-issued_on", "number"]
        constraints = [
            models.CheckConstraint(condition=Q(face_value__gt=0), name="voucher_face_positive"),
            models.CheckConstraint(
                condition=Q(redeemed_amount__isnull=True) | Q(redeemed_amount__lte=models.F("face_value")),
                name="voucher_redeemed_within_face",
                violation_error_message="抵扣金额不能超过面值。",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "redeemed_on"], name="voucher_status_redeemed"),
            models.Index(fields=["provider", "redeemed_on"], name="voucher_provider_day"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("vouchers:detail", args=[self.pk])

    def scope_department(self) -> Department:
        return self.enterprise.town

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.expires_on and self.issued_on and self.expires_on < self.issued_on:
            errors["expires_on"] = "有效期至不能早于发放日期。"
        redeemed = self.status in (VoucherStatus.REDEEMED, VoucherStatus.VERIFIED, VoucherStatus.SETTLED)
        if redeemed:
            for name, label in (
                ("provider", "兑付服务机构"),
                ("redeemed_on", "兑付日期"),
                ("contract_number", "服务合同编号"),
                ("invoice_number", "发票号码"),
                ("invoice_amount", "发票金额"),
                ("redeemed_amount", "抵扣金额"),
            ):
                if getattr(self, name) in (None, ""):
                    errors[name] = f"兑付须填写{label}。"
        if self.redeemed_amount is not None:
            if self.redeemed_amount <= 0:
                errors["redeemed_amount"] = "抵扣金额应大于 0。"
            elif self.face_value is not None and self.redeemed_amount > self.face_value:
                errors["redeemed_amount"] = (
                    f"抵扣金额 {_yuan(self.redeemed_amount)} 超过面值 {_yuan(self.face_value)}。"
                )
            elif self.invoice_amount is not None and self.type_id:
                most = (self.invoice_amount * self.type.max_share).quantize(Decimal("0.01"))
                if self.redeemed_amount > most:
                    errors["redeemed_amount"] = (
                        f"抵扣金额 {_yuan(self.redeemed_amount)} 超过发票金额的 "
                        f"{self.type.max_share * 100:.0f}%（{_yuan(most)}）。"
                    )
        if self.invoice_amount is not None and self.contract_amount is not None:
            if self.invoice_amount > self.contract_amount:
                errors["invoice_amount"] = "发票金额不能超过合同金额。"
        if self.redeemed_on and self.issued_on and self.redeemed_on < self.issued_on:
            errors["redeemed_on"] = "兑付日期不能早于发放日期。"
        if self.redeemed_on and self.expires_on and self.redeemed_on > self.expires_on:
            errors.setdefault("redeemed_on", f"创新券已于 {self.expires_on:%Y-%m-%d} 过期，不能兑付。")
        if self.status == VoucherStatus.VERIFIED and self.flags and not self.verify_note.strip():
            errors["verify_note"] = "该兑付有核查提示，核验通过须填写核验意见。"
        if self.status == VoucherStatus.SETTLED:
            if not self.settled_on:
                errors["settled_on"] = "结算须填写结算日期。"
            if not self.settlement_number:
                errors["settlement_number"] = "结算须填写结算凭证号。"
        if self.settled_on and self.redeemed_on and self.settled_on < self.redeemed_on:
            errors["settled_on"] = "结算日期不能早于兑付日期。"
        if errors:
            raise ValidationError(errors)

    @property
    def expired(self) -> bool:
        from django.utils import timezone

        return self.status == VoucherStatus.ISSUED and self.expires_on < timezone.localdate()


def _attachment_path(instance, filename: str) -> str:
    return f"vouchers/{instance.voucher_id}/{filename}"


class VoucherAttachment(models.Model):
    """The service contract, the invoice (or another paper) a redemption rests on, checked by its content."""

    class Kind(models.TextChoices):
        CONTRACT = "合同", _("服务合同")
        INVOICE = "发票", _("发票")
        OTHER = "其他", _("其他")

    voucher = models.ForeignKey(
        Voucher, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("创新券")
    )
    kind = models.CharField(_("附件类别"), max_length=10, choices=Kind.choices)
    file = models.FileField(_("文件"), upload_to=_attachment_path, max_length=300)
    name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    scope_rule = ScopeRule(
        department="voucher__enterprise__town",
        owner=("voucher__enterprise__users", "voucher__provider__users"),
    )

    class Meta:
        verbose_name = _("兑付附件")
        verbose_name_plural = _("兑付附件")
        ordering = ["voucher", "kind", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.name}"
