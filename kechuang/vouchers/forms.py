from django import forms

from kechuang.org.models import Department, User
from kechuang.org.roles import Role
from kechuang.web.forms import DateField, DepartmentChoiceField, ReasonField, formfield, money_in_yuan

from .models import ServiceProvider, Voucher, VoucherType

REGIONS = (Department.Kind.PROVINCE, Department.Kind.CITY, Department.Kind.DISTRICT)


class VoucherTypeForm(forms.ModelForm):
    department = DepartmentChoiceField(label="发放单位", queryset=Department.objects.none())
    reason = ReasonField()

    class Meta:
        model = VoucherType
        fields = [
            "department",
            "name",
            "year",
            "instrument",
            "face_value",
            "valid_from",
            "valid_to",
            "eligible_kinds",
            "redeem_requires",
            "annual_cap",
            "total_count",
            "max_share",
            "same_day_flag",
            "services",
            "is_open",
        ]
        formfield_callback = formfield
        widgets = {"eligible_kinds": forms.CheckboxSelectMultiple}

    def __init__(self, *args, instruments=None, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        if instruments is not None:
            self.fields["instrument"].queryset = instruments
        if departments is not None:
            self.fields["department"].queryset = departments
            if not self.instance.pk and len(departments) == 1:
                self.initial.setdefault("department", departments[0].pk)
        money_in_yuan(self, "face_value", "annual_cap")


class ProviderForm(forms.ModelForm):
    town = DepartmentChoiceField(label="所在镇乡街道", queryset=Department.objects.none())
    users = forms.ModelMultipleChoiceField(
        label="机构账号",
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="持“服务机构”角色的账号，可代表本机构兑付创新券",
    )
    reason = ReasonField()

    class Meta:
        model = ServiceProvider
        fields = [
            "name",
            "credit_code",
            "town",
            "legal_representative",
            "contact_name",
            "contact_phone",
            "services",
            "registered_on",
            "is_active",
            "users",
            "note",
        ]
        formfield_callback = formfield

    def __init__(self, *args, towns=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["town"].queryset = towns if towns is not None else Department.objects.none()
        accounts = User.objects.filter(grants__role=Role.SERVICE_ORG)
        if self.instance.pk:
            accounts = accounts | self.instance.users.all()
        self.fields["users"].queryset = accounts.distinct().order_by("username")


class VerifyForm(forms.Form):
    """核验通过: the bureau's note (required when the redemption raised a flag)."""

    verify_note = forms.CharField(label="核验意见", max_length=300, required=False)


class SettleForm(forms.Form):
    """结算: the payment to the institution."""

    settled_on = DateField(label="结算日期")
    settlement_number = forms.CharField(label="结算凭证号", max_length=60)


class ClaimForm(forms.Form):
    type = forms.ModelChoiceField(label="创新券", queryset=VoucherType.objects.none(), empty_label=None)

    def __init__(self, *args, types=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].queryset = types if types is not None else VoucherType.objects.none()


class FindForm(forms.Form):
    """The institution names the voucher it serves: its number and the holder's credit code."""

    number = forms.CharField(label="券号", max_length=30, help_text="如 CX2026-000001")
    credit_code = forms.CharField(label="持券企业统一社会信用代码", max_length=18)


class RedeemForm(forms.ModelForm):
    provider = forms.ModelChoiceField(
        label="服务机构", queryset=ServiceProvider.objects.none(), empty_label=None
    )
    contract_file = forms.FileField(label="服务合同（扫描件）")
    invoice_file = forms.FileField(label="发票（扫描件）")

    class Meta:
        model = Voucher
        fields = [
            "service_content",
            "contract_number",
            "contract_amount",
            "invoice_number",
            "invoice_amount",
            "redeemed_amount",
        ]
        formfield_callback = formfield

    def __init__(self, *args, providers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = (
            providers if providers is not None else ServiceProvider.objects.none()
        )
        self.order_fields(["provider", *self.Meta.fields, "contract_file", "invoice_file"])
        for name in self.Meta.fields:
            self.fields[name].required = True
        money_in_yuan(self, "contract_amount", "invoice_amount", "redeemed_amount")
        self.fields["redeemed_amount"].help_text = "不超过面值，且不超过发票金额的最高抵扣比例"


class SettleManyForm(forms.Form):
    settled_on = DateField(label="结算日期")
    settlement_number = forms.CharField(label="结算凭证号", max_length=60)
