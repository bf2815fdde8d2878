from django import forms

from kechuang.enterprises.forms import EnterpriseCodeField
from kechuang.org.models import Department
from kechuang.web.forms import DateField, DepartmentChoiceField, ReasonField, formfield

from .models import Project


class ProjectForm(forms.ModelForm):
    department = DepartmentChoiceField(label="所在镇街/归口单位", queryset=Department.objects.none())
    # A credit code rather than a drop-down: a province holds 100,000 enterprises.
    enterprise_code = EnterpriseCodeField(
        label="承担企业统一社会信用代码",
        help_text="承担单位是已登记企业时填写；否则留空并填写下面的承担单位名称。",
    )
    reason = ReasonField()

    field_order = ["year", "number", "name", "category", "department", "enterprise_code", "unit_name"]

    class Meta:
        model = Project
        fields = [
            "year",
            "number",
            "name",
            "category",
            "department",
            "unit_name",
            "status",
            "applied_on",
            "approved_on",
            "planned_end_on",
            "completed_on",
            "funding",
            "self_funding",
            "note",
        ]
        formfield_callback = formfield

    def __init__(self, *args, departments=None, enterprises=None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            # the status moves only through the lifecycle's transitions (the 办理 panel), never by editing
            del self.fields["status"]
        else:
            self.fields["status"].label = "登记时状态"
            self.fields["status"].help_text = "登记已有项目时可选其当前状态；新申报的项目为“申报”。"
        self.fields["department"].queryset = departments
        self.fields["enterprise_code"].queryset = enterprises  # whom the user may name as applicant
        if self.instance.enterprise_id and not self.is_bound:
            self.initial["enterprise_code"] = self.instance.enterprise.credit_code
        for name in ("funding", "self_funding"):
            self.fields[name].help_text = "单位：元"
            self.fields[name].widget.attrs["step"] = "0.01"

    def _post_clean(self):
        # the model's clean() needs the applicant resolved from the credit code (unless the code was refused)
        if "enterprise_code" in self.cleaned_data:
            self.instance.enterprise = self.cleaned_data["enterprise_code"]
        super()._post_clean()

    def fields_for_action(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k not in ("reason", "enterprise_code")}
        data["enterprise"] = self.cleaned_data.get("enterprise_code")
        return data


class ApproveForm(forms.Form):
    """立项: the approval date, the planned end and the public money granted."""

    approved_on = DateField(label="立项日期")
    planned_end_on = DateField(label="计划结题日期", required=False)
    funding = forms.DecimalField(label="财政资助金额（元）", min_value=0, max_digits=18, decimal_places=2)


class CompleteForm(forms.Form):
    """结题: the acceptance date."""

    completed_on = DateField(label="结题日期")
