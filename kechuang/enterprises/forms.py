from django import forms

from kechuang.org.models import Department
from kechuang.web.forms import DepartmentChoiceField, ReasonField, formfield

from .models import Enterprise, EnterpriseYear, Qualification, QualificationKind


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


class YearCreateForm(YearForm):
    """A year the enterprise has no figures for yet: which enterprise (by its credit code) and year."""

    enterprise = EnterpriseCodeField(label="企业统一社会信用代码", required=True)

    class Meta(YearForm.Meta):
        fields = ["year", *EnterpriseYear.FIGURES]

    def __init__(self, *args, enterprises=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = enterprises
        self.order_fields(["enterprise", "year"])


class QualificationForm(forms.ModelForm):
    """A qualification's record; its kind is fixed once registered (a different kind is another
    qualification)."""

    reason = ReasonField(help_text="选填，记入审计日志；撤销资质时必填。")

    class Meta:
        model = Qualification
        fields = ["kind", "number", "issued_on", "expires_on", "status", "revoked_on", "note"]
        formfield_callback = formfield
        help_texts = {"expires_on": "留空则按资质类型的有效期自动计算"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].queryset = QualificationKind.objects.order_by("sort_order", "code")
        self.fields["kind"].disabled = True
        self.fields["kind"].help_text = "资质类型登记后不能修改；类型有误请撤销后重新登记。"


class QualificationCreateForm(QualificationForm):
    enterprise = EnterpriseCodeField(label="企业统一社会信用代码", required=True)

    class Meta(QualificationForm.Meta):
        fields = ["kind", "number", "issued_on", "expires_on", "note"]

    def __init__(self, *args, enterprises=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].disabled = False
        self.fields["kind"].help_text = ""
        self.fields["enterprise"].queryset = enterprises
        self.order_fields(["enterprise", "kind"])


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
