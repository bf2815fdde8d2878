from django import forms

from kechuang.enterprises.forms import EnterpriseCodeField
from kechuang.org.models import Department
from kechuang.plans.forms import TaskChoiceField, offer_tasks
from kechuang.web.forms import DateField, DepartmentChoiceField, ReasonField, formfield, money_in_yuan

from . import rules
from .actions import REGISTRABLE
from .models import Bank, Loan, RiskClaim, SeedInvestment


class BankForm(forms.ModelForm):
    reason = ReasonField()

    class Meta:
        model = Bank
        fields = ["name", "note"]
        formfield_callback = formfield


class LoanForm(forms.ModelForm):
    # a credit code rather than a drop-down: a province holds 100,000 enterprises
    enterprise_code = EnterpriseCodeField(label="贷款企业统一社会信用代码", required=True)
    tasks = TaskChoiceField()
    reason = ReasonField()

    field_order = ["enterprise_code", "bank", "grade", "contract_number", "amount"]

    class Meta:
        model = Loan
        fields = [
            "bank",
            "grade",
            "contract_number",
            "amount",
            "granted_on",
            "term_months",
            "annual_rate",
            "purpose",
            "status",
            "settled_on",
            "overdue_on",
            "note",
            "tasks",
        ]
        formfield_callback = formfield

    def __init__(self, *args, enterprises=None, tasks=None, **kwargs):
        super().__init__(*args, **kwargs)
        offer_tasks(self, tasks)
        self.fields["enterprise_code"].queryset = enterprises
        if self.instance.enterprise_id and not self.is_bound:
            self.initial["enterprise_code"] = self.instance.enterprise.credit_code
        if self.instance.pk is not None:
            # the state moves only through 结清, 登记逾期, 恢复正常 (the 办理 panel), never by editing
            del self.fields["status"]
        else:
            self.fields["status"].label = "登记时状态"
            self.fields["status"].choices = [(s.value, s.label) for s in REGISTRABLE]
        table = rules.credit_lines_text()
        self.fields["grade"].help_text = f"授信额度按放款日期适用的评价等级额度表确定（{table}）。"
        money_in_yuan(self, "amount")

    def _post_clean(self):
        # the model's clean() needs the enterprise resolved from the credit code (unless the code was refused)
        if self.cleaned_data.get("enterprise_code") is not None:
            self.instance.enterprise = self.cleaned_data["enterprise_code"]
        super()._post_clean()

    def fields_for_action(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k not in ("reason", "enterprise_code", "tasks")}
        data["enterprise"] = self.cleaned_data.get("enterprise_code")
        data["tasks"] = list(self.cleaned_data.get("tasks") or [])
        return data


class SettleForm(forms.Form):
    """结清: the date the loan was repaid."""

    settled_on = DateField(label="结清日期")


class OverdueForm(forms.Form):
    """登记逾期: the date the loan fell overdue."""

    overdue_on = DateField(label="逾期日期")


class RiskClaimForm(forms.ModelForm):
    reason = ReasonField()

    class Meta:
        model = RiskClaim
        fields = ["loan", "applied_on", "principal", "note"]
        formfield_callback = formfield

    def __init__(self, *args, loans=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["loan"].queryset = loans if loans is not None else Loan.objects.none()
        self.fields["loan"].help_text = "只有逾期的贷款可以申请风险补偿。"
        if self.instance.pk is not None:
            self.fields["loan"].disabled = True
        fund, city, district = rules.compensation_shares()
        self.fields[
            "principal"
        ].help_text = f"单位：元；申请代偿金额按风险补偿规则计算（基金代偿 {fund:.0%}，市级 {city:.0%}、区级 {district:.0%} 分担）。"
        self.fields["principal"].widget.attrs["step"] = "0.01"


class ClaimPayForm(forms.Form):
    """确认代偿: the date the fund paid and the voucher."""

    paid_on = DateField(label="代偿日期")
    voucher = forms.CharField(label="代偿凭证号", max_length=60)


class RecoveryForm(forms.Form):
    """登记追回: what has been recovered in all since the payment (it reduces the fund's net loss)."""

    recovered = forms.DecimalField(
        label="累计追回金额（元）",
        min_value=0,
        max_digits=14,
        decimal_places=2,
        help_text="代偿后累计追回的金额",
    )
    recovered_on = DateField(label="追回日期")


class SeedInvestmentForm(forms.ModelForm):
    enterprise_code = EnterpriseCodeField(
        label="被投企业统一社会信用代码",
        help_text="被投对象是已登记企业时填写；否则留空并填写创业团队名称和所在镇乡街道。",
    )
    town = DepartmentChoiceField(label="所在镇乡街道", queryset=Department.objects.none(), required=False)
    tasks = TaskChoiceField()
    reason = ReasonField()

    field_order = ["enterprise_code", "team_name", "town"]

    class Meta:
        model = SeedInvestment
        fields = [
            "team_name",
            "town",
            "kind",
            "amount",
            "invested_on",
            "share_percent",
            "term_months",
            "decided_on",
            "decision_number",
            "exited_on",
            "exit_way",
            "recovered",
            "note",
            "tasks",
        ]
        formfield_callback = formfield

    def __init__(self, *args, towns=None, enterprises=None, tasks=None, **kwargs):
        super().__init__(*args, **kwargs)
        offer_tasks(self, tasks)
        self.fields["town"].queryset = towns if towns is not None else Department.objects.none()
        self.fields["town"].help_text = "创业团队填写；被投企业按其所在镇乡街道。"
        self.fields["enterprise_code"].queryset = enterprises
        if self.instance.enterprise_id and not self.is_bound:
            self.initial["enterprise_code"] = self.instance.enterprise.credit_code
        money_in_yuan(self, "amount", "recovered")

    def _post_clean(self):
        enterprise = self.cleaned_data.get("enterprise_code")
        self.instance.enterprise = enterprise
        if enterprise is not None:
            self.cleaned_data["town"] = enterprise.town
        elif self.cleaned_data.get("town") is None and "town" not in self.errors:
            self.add_error("town", "创业团队须选择所在镇乡街道。")
        super()._post_clean()

    def fields_for_action(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k not in ("reason", "enterprise_code", "tasks")}
        data["enterprise"] = self.cleaned_data.get("enterprise_code")
        if data["enterprise"] is not None:
            data["town"] = data["enterprise"].town
        data["tasks"] = list(self.cleaned_data.get("tasks") or [])
        return data
