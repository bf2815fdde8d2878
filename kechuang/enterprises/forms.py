from django import forms

from kechuang.org.models import Department
from kechuang.web.forms import DateField, DepartmentChoiceField, ReasonField, formfield

from .models import Enterprise, EnterpriseYear, QualificationKind


class EnterpriseCodeField(forms.ModelChoiceField):
    """An enterprise named by its 统一社会信用代码 rather than chosen from a drop-down (a province holds
    100,000 enterprises); empty is none. The queryset holds the enterprises the user may name."""

    widget = forms.TextInput

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Enterprise.objects.none())
        kwargs.setdefault("required", False)
        kwargs["to_field_name"] = "credit_code"
        kwargs.setdefault(
            "error_messages",
            {"invalid_choice": "未找到该统一社会信用代码的企业，或该企业不在您的数据范围内。"},
        )
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("maxlength", 18)

    def to_python(self, value):
        return super().to_python(str(value).strip().upper() if isinstance(value, str) else value)


class EnterpriseForm(forms.ModelForm):
    town = DepartmentChoiceField(label="所在镇乡街道", queryset=Department.objects.none())
    reason = ReasonField()

    class Meta:
        model = Enterprise
        fields = [
            "credit_code",
            "name",
            "town",
            "industry_code",
            "hightech_field",
            "registered_on",
            "source_channel",
            "address",
            "contact_name",
            "contact_phone",
        ]
        formfield_callback = formfield

    def __init__(self, *args, towns=None, editing=False, proposing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["town"].queryset = towns
        if editing:
            self.fields["credit_code"].disabled = True
        if proposing:  # an enterprise's own proposal: the bureau's official record is shown, not offered
            for name in Enterprise.OFFICIAL_FIELDS:
                self.fields[name].disabled = True
                self.fields[name].required = False
                self.fields[name].help_text = "科技局登记信息，如需变更请联系所在镇街或科技局。"
            del self.fields["reason"]

    def fields_for_action(self) -> dict:
        """What the form changes: its cleaned data but the reason and the fields it only shows."""
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name != "reason" and not self.fields[name].disabled
        }


class YearForm(forms.ModelForm):
    reason = ReasonField()

    class Meta:
        model = EnterpriseYear
        fields = EnterpriseYear.FIGURES
        formfield_callback = formfield

    def __init__(self, *args, proposing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if proposing:
            del self.fields["reason"]
        for name in EnterpriseYear.FIGURES:
            field = self.fields[name]
            if isinstance(field, forms.DecimalField):
                field.help_text = "单位：元"
                field.widget.attrs["step"] = "0.01"


class QualificationForm(forms.Form):
    kind = forms.ModelChoiceField(label="资质", queryset=QualificationKind.objects.all())
    number = forms.CharField(label="证书/入库编号", max_length=60, required=False)
    issued_on = DateField(label="认定日期")
    expires_on = DateField(label="有效期至", required=False, help_text="留空则按资质类型的有效期自动计算")
    note = forms.CharField(label="备注", max_length=300, required=False)
    reason = ReasonField()


class SubmitForm(forms.Form):
    """Sending a submission to review: an explanation for each flagged figure, and an optional note."""

    comment = forms.CharField(
        label="附言", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, flags=(), explanations=None, **kwargs):
        super().__init__(*args, **kwargs)
        explanations = explanations or {}
        for flag in flags:
            self.fields[f"explain_{flag['field']}"] = forms.CharField(
                label=f"{flag['label']}变动说明",
                max_length=1000,
                required=False,
                initial=explanations.get(flag["field"], ""),
                help_text=f"{flag['message']}。请说明原因（必填）。",
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        self.order_fields([*(f"explain_{flag['field']}" for flag in flags), "comment"])

    def explanations(self) -> dict:
        return {
            k.removeprefix("explain_"): v for k, v in self.cleaned_data.items() if k.startswith("explain_")
        }
