import json

from django import forms

from kechuang.org.models import Department
from kechuang.org.roles import Capability
from kechuang.org.scope import visible_to
from kechuang.web.forms import DateField, DepartmentChoiceField, ReasonField, formfield, keeping

from .models import Instrument, PolicyDocument


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
