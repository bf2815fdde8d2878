from django import forms

from kechuang.enterprises.forms import EnterpriseCodeField
from kechuang.org.models import Department
from kechuang.web.forms import DepartmentChoiceField, ReasonField, formfield

from .models import Institution


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
