from django import forms

from kechuang.enterprises.models import Enterprise
from kechuang.org.models import Department
from kechuang.web.forms import DepartmentChoiceField, ReasonField, formfield

from .models import Institution


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


class InstitutionForm(forms.ModelForm):
    town = DepartmentChoiceField(label="所在镇乡街道", queryset=Department.objects.none())
    host = EnterpriseCodeField(
        label="依托单位统一社会信用代码",
        help_text="依托企业的统一社会信用代码；独立法人机构留空。",
    )
    reason = ReasonField()

    class Meta:
        model = Institution
        fields = [
            "name",
            "institution_type",
            "level",
            "town",
            "host",
            "independent",
            "recognized_on",
            "revoked_on",
            "note",
        ]
        formfield_callback = formfield

    def __init__(self, *args, towns=None, enterprises=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["town"].queryset = towns
        self.fields["host"].queryset = enterprises
        if self.instance.host_id and not self.is_bound:
            self.initial["host"] = self.instance.host.credit_code
