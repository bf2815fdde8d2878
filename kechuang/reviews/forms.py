from django import forms

from kechuang.org.models import Department, User
from kechuang.web.forms import DepartmentChoiceField, ReasonField, formfield

from .models import Discipline, Expert


class ExpertAccountField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.username}（{obj.display_name}）"


class ExpertForm(forms.ModelForm):
    department = DepartmentChoiceField(label="管理单位", queryset=Department.objects.none())
    disciplines = forms.ModelMultipleChoiceField(
        label="评审领域",
        queryset=Discipline.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        help_text="一个或多个：按领域为评审项目匹配专家。",
        error_messages={"required": "至少选择一个评审领域。"},
    )
    user = ExpertAccountField(
        label="评审专家账号",
        queryset=User.objects.none(),
        required=False,
        help_text="专家登录本系统评分所用的账号（由系统管理员创建并授予“评审专家”角色）；可空。",
    )
    reason = ReasonField()

    class Meta:
        model = Expert
        fields = [
            "name",
            "organisation",
            "title",
            "position",
            "disciplines",
            "phone",
            "email",
            "department",
            "user",
            "available",
            "unavailable_reason",
            "note",
        ]
        formfield_callback = formfield

    def __init__(self, *args, departments=None, accounts=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments
        self.fields["user"].queryset = accounts
