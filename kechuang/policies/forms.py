import json
from decimal import Decimal

from django import forms

from kechuang.enterprises.models import Enterprise
from kechuang.org.models import Department
from kechuang.org.roles import Capability
from kechuang.org.scope import visible_to
from kechuang.web.forms import DateField, DepartmentChoiceField, ReasonField, formfield, keeping

from .models import ApplicationWindow, Instrument, Mode, PolicyApplication, PolicyDocument


def _departments(user, current=None):
    reach = visible_to(user, Department.objects.all(), Capability.MANAGE_POLICIES).order_by("path")
    return keeping(reach, [current]) if current else reach


class PolicyDocumentForm(forms.ModelForm):
    department = DepartmentChoiceField(label="发文单位", queryset=Department.objects.none())
    reason = ReasonField()

    class Meta:
        model = PolicyDocument
        fields = [
            "department",
            "number",
            "title",
            "issued_on",
            "effective_from",
            "effective_to",
            "summary",
            "is_demo",
        ]
        formfield_callback = formfield

    def __init__(self, *args, user=None, instance_department=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = _departments(user, instance_department)


class InstrumentForm(forms.ModelForm):
    lead_department = DepartmentChoiceField(label="牵头单位", queryset=Department.objects.none())
    reason = ReasonField()

    class Meta:
        model = Instrument
        fields = [
            "document",
            "article",
            "name",
            "kind",
            "mode",
            "beneficiary",
            "lead_department",
            "expert_review",
            "description",
            "sort_order",
        ]
        formfield_callback = formfield

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.instance.lead_department_id if self.instance.pk else None
        self.fields["lead_department"].queryset = keeping(
            visible_to(user, Department.objects.all()), [current] if current else []
        )
        documents = visible_to(user, PolicyDocument.objects.all())
        self.fields["document"].queryset = documents


class JSONText(forms.CharField):
    """A rule's conditions or amount as JSON text (shown indented; parsed, then checked by the rule)."""

    widget = forms.Textarea(attrs={"rows": 8, "class": "mono", "spellcheck": "false"})

    def __init__(self, *, kind, **kwargs):
        self.kind = kind
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list | dict):
            return json.dumps(value, ensure_ascii=False, indent=2)
        return value

    def to_python(self, value):
        text = (value or "").strip()
        if not text:
            return [] if self.kind is list else {}
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                f"不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列）：{exc.msg}"
            ) from exc
        if not isinstance(parsed, self.kind):
            raise forms.ValidationError("应为列表 [ … ]。" if self.kind is list else "应为对象 { … }。")
        return parsed


class _Prefixed(forms.Form):
    """A form sharing its page with others: its fields' ids carry its own prefix (the names do not)."""

    ids = ""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.ids}_%s")
        super().__init__(*args, **kwargs)


class RuleForm(_Prefixed):
    ids = "rule"
    valid_from = DateField(label="适用起始日")
    valid_to = DateField(label="适用截止日", required=False, help_text="留空表示长期适用")
    conditions = JSONText(
        kind=list, label="享受条件", required=False, help_text="各条件须同时满足；见下方说明"
    )
    amount = JSONText(kind=dict, label="金额规则")
    basis = forms.CharField(label="依据", max_length=300, required=False)
    reason = ReasonField()
    trial_year = forms.IntegerField(
        label="试算数据年度",
        min_value=2000,
        max_value=2100,
        required=False,
        help_text="点“试算”按该年度台账数据测算符合条件的企业和金额，不保存",
    )


class BudgetForm(_Prefixed):
    ids = "budget"
    year = forms.IntegerField(label="预算年度", min_value=2000, max_value=2100)
    amount = forms.DecimalField(label="年初预算（元）", min_value=0, max_digits=18, decimal_places=2)


class AdjustmentForm(_Prefixed):
    ids = "adjust"
    amount = forms.DecimalField(
        label="调整金额（元）", max_digits=18, decimal_places=2, help_text="追加为正，调减为负"
    )
    adjusted_on = DateField(label="调整日期")
    document_number = forms.CharField(label="调整文号", max_length=60, required=False)
    reason = forms.CharField(label="调整理由", max_length=300)


class ComputeForm(_Prefixed):
    ids = "compute"
    data_year = forms.IntegerField(label="数据年度", min_value=2000, max_value=2100)
    budget_year = forms.IntegerField(label="兑现年度", min_value=2000, max_value=2100)


class ConfirmRoundForm(_Prefixed):
    ids = "confirm"
    decision_number = forms.CharField(label="审定文号", max_length=60)
    confirmed_on = DateField(label="确认日期")
    comment = forms.CharField(label="意见", max_length=500, required=False)


class ExcludeForm(_Prefixed):
    ids = "exclude"
    reason = forms.CharField(label="剔除理由", max_length=300)


class AccountForm(_Prefixed):
    ids = "account"
    account_name = forms.CharField(label="户名", max_length=200)
    bank_name = forms.CharField(label="开户行", max_length=100)
    account_number = forms.CharField(label="银行账号", max_length=40)


class ChangeAccountForm(AccountForm):
    ids = "change"
    reason = forms.CharField(label="变更理由", max_length=300)


class PayForm(_Prefixed):
    ids = "pay"
    amount = forms.DecimalField(label="拨付金额（元）", max_digits=18, decimal_places=2)
    paid_on = DateField(label="拨付日期")
    voucher = forms.CharField(label="凭证号", max_length=60)


# --- 申请兑现 ----------------------------------------------------------------------------------------------


class WindowForm(forms.ModelForm):
    """A window of applications (kit create/edit form): only articles claimed by application."""

    reason = ReasonField()

    class Meta:
        model = ApplicationWindow
        fields = [
            "instrument",
            "title",
            "data_year",
            "budget_year",
            "opens_on",
            "closes_on",
            "checker",
            "attachments",
            "discipline",
            "publicity_days",
            "contact",
        ]
        formfield_callback = formfield
        widgets = {"attachments": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.instance.instrument_id if self.instance.pk else None
        reach = visible_to(user, Instrument.objects.filter(mode=Mode.APPLY)).select_related("document")
        if current:
            reach = (reach | Instrument.objects.filter(pk=current)).distinct()
        self.fields["instrument"].queryset = reach
        self.fields["publicity_days"].min_value = 5


class ApplicationForm(_Prefixed):
    ids = "apply"
    requested = forms.DecimalField(
        label="申请金额（元）", max_digits=18, decimal_places=2, min_value=Decimal("0.01")
    )
    statement = forms.CharField(
        label="申请说明", widget=forms.Textarea(attrs={"rows": 4}), help_text="符合条款的情况、取得的成效等"
    )
    contact_name = forms.CharField(label="联系人", max_length=50)
    contact_phone = forms.CharField(label="联系电话", max_length=40)
    account_name = forms.CharField(label="收款户名", max_length=200)
    bank_name = forms.CharField(label="开户行", max_length=100)
    account_number = forms.CharField(label="银行账号", max_length=40)


class StartForm(_Prefixed):
    ids = "start"
    enterprise = forms.ModelChoiceField(
        label="申请企业", queryset=Enterprise.objects.none(), empty_label=None
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            self.fields["enterprise"].queryset = user.enterprises.order_by("name")


class UploadForm(_Prefixed):
    ids = "upload"
    kind = forms.ChoiceField(label="附件类别")
    file = forms.FileField(label="文件")

    def __init__(self, *args, kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, k) for k in [*kinds, "其他"]]


class ProposeForm(_Prefixed):
    ids = "propose"
    amount = forms.DecimalField(label="拟兑现金额（元）", max_digits=18, decimal_places=2)
    opinion = forms.CharField(
        label="联审意见", widget=forms.Textarea(attrs={"rows": 3}), help_text="各部门意见"
    )


class ReviewRoundForm(_Prefixed):
    ids = "review"
    deadline = DateField(label="评审截止日期")
    experts_per_item = forms.IntegerField(label="每份申请专家人数", min_value=1, max_value=15, initial=3)


class PublishForm(_Prefixed):
    ids = "publish"
    start = DateField(label="公示开始日期")
    days = forms.IntegerField(
        label="公示期（工作日）", min_value=1, max_value=30, help_text="不少于 5 个工作日"
    )


class PolicyObjectionForm(_Prefixed):
    ids = "objection"
    received_on = DateField(label="收到日期")
    name = forms.CharField(label="异议人", max_length=100, help_text="实名提出；单位或个人")
    contact = forms.CharField(label="联系方式", max_length=60, required=False)
    application = forms.ModelChoiceField(
        label="所涉申请", queryset=PolicyApplication.objects.none(), required=False
    )
    content = forms.CharField(label="异议内容", widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, window=None, **kwargs):
        super().__init__(*args, **kwargs)
        if window is not None:
            self.fields["application"].queryset = window.applications.filter(
                status__in=["proposed", "rejected", "approved"]
            ).select_related("enterprise")
            self.fields["application"].label_from_instance = lambda a: f"{a.number} {a.enterprise.name}"


class DecideWindowForm(_Prefixed):
    ids = "decide"
    decision_number = forms.CharField(label="审定文号", max_length=60, help_text="如：开州府办发〔2026〕12号")
    decided_on = DateField(label="审定日期")
    comment = forms.CharField(label="意见", max_length=500, required=False)
