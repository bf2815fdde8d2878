from django import forms
from django.contrib.auth.password_validation import password_validators_help_text_html

from kechuang.core.models import CalendarDay
from kechuang.org import tokens
from kechuang.org.models import Department, User
from kechuang.org.roles import DEFAULT_SCOPE, Role, Scope
from kechuang.web.forms import (
    DepartmentChoiceField,
    DepartmentMultipleChoiceField,
    ReasonField,
    formfield,
)

ENTERPRISE_FIELD = dict(
    label="关联企业（统一社会信用代码）",
    max_length=18,
    required=False,
    help_text="企业用户账号填写其所属企业的统一社会信用代码，须在您的管理范围内；清空即解除关联。",
)


class DepartmentForm(forms.Form):
    parent = DepartmentChoiceField(label="上级单位", queryset=Department.objects.none())
    name = forms.CharField(label="名称", max_length=100)
    short_name = forms.CharField(label="简称", max_length=50, required=False)
    kind = forms.ChoiceField(label="类型", choices=Department.Kind.choices)
    code = forms.CharField(
        label="代码", max_length=32, required=False, help_text="行政区划代码或统一社会信用代码，可空"
    )
    is_active = forms.BooleanField(label="启用", required=False, initial=True)
    reason = ReasonField()

    EDITED = ("name", "short_name", "kind", "code", "is_active")

    def __init__(self, *args, instance=None, parents=None, **kwargs):
        """A new department (`instance` None) is placed under a parent among `parents`; an existing one
        keeps its place in the tree."""
        if instance is not None:
            kwargs["initial"] = {k: getattr(instance, k) for k in self.EDITED}
        super().__init__(*args, **kwargs)
        if instance is not None:
            del self.fields["parent"]
        else:
            self.fields["parent"].queryset = parents
            del self.fields["is_active"]


class UserCreateForm(forms.Form):
    username = forms.RegexField(
        label="用户名",
        max_length=150,
        regex=r"^[\w.@+-]+$",
        error_messages={"invalid": "用户名只能包含字母、数字和 @ . + - _ 字符。"},
    )
    display_name = forms.CharField(label="姓名", max_length=50)
    phone = forms.CharField(label="联系电话", max_length=30, required=False)
    departments = DepartmentMultipleChoiceField(
        label="所属单位",
        queryset=Department.objects.none(),
        help_text="第一个选中的单位为主单位。",
        widget=forms.SelectMultiple(attrs={"size": 10}),
    )
    password1 = forms.CharField(
        label="初始密码",
        widget=forms.PasswordInput,
        strip=False,
        help_text=password_validators_help_text_html(),
    )
    password2 = forms.CharField(label="确认密码", widget=forms.PasswordInput, strip=False)
    enterprise_code = forms.CharField(**ENTERPRISE_FIELD)
    reason = ReasonField()

    def __init__(self, *args, instance=None, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departments"].queryset = departments

    def clean_departments(self):
        """In the order they were picked: the first becomes the primary department."""
        picked = [str(v) for v in self["departments"].value() or []]
        chosen = self.cleaned_data["departments"]
        return sorted(chosen, key=lambda d: picked.index(str(d.pk)) if str(d.pk) in picked else len(picked))

    def clean_username(self):
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError("该用户名已被使用。")
        return username

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password2") and data["password1"] != data["password2"]:
            self.add_error("password2", "两次输入的密码不一致。")
        return data


class UserEditForm(forms.Form):
    display_name = forms.CharField(label="姓名", max_length=50)
    phone = forms.CharField(label="联系电话", max_length=30, required=False)
    is_active = forms.BooleanField(label="启用", required=False)
    departments = DepartmentMultipleChoiceField(
        label="所属单位",
        queryset=Department.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 10}),
    )
    primary = DepartmentChoiceField(
        label="主单位",
        queryset=Department.objects.none(),
        required=False,
        help_text="留空则为所选单位中排在最前的一个。",
    )
    enterprise_code = forms.CharField(**ENTERPRISE_FIELD)
    reason = ReasonField()

    def __init__(self, *args, instance=None, departments=None, **kwargs):
        """`instance`: the account edited, whose departments `departments` must include (see `keeping`)."""
        if instance is not None:
            kwargs["initial"] = self.initial_of(instance)
        super().__init__(*args, **kwargs)
        self.fields["departments"].queryset = departments
        self.fields["primary"].queryset = departments

    @staticmethod
    def initial_of(user: User) -> dict:
        memberships = list(user.memberships.order_by("-is_primary", "pk"))
        return {
            "display_name": user.display_name,
            "phone": user.phone,
            "is_active": user.is_active,
            "departments": [m.department_id for m in memberships],
            "primary": memberships[0].department_id if memberships else None,
            "enterprise_code": user.enterprises.values_list("credit_code", flat=True).first() or "",
        }

    def clean(self):
        """`departments` becomes a list with the primary department first."""
        data = super().clean()
        chosen = list(data.get("departments") or [])
        primary = data.get("primary") or (chosen[0] if chosen else None)
        if primary is not None and primary not in chosen:
            self.add_error("primary", "主单位必须是所属单位之一。")
        elif chosen:
            data["departments"] = [primary] + [d for d in chosen if d != primary]
        return data


class PasswordSetForm(forms.Form):
    password1 = forms.CharField(
        label="新密码",
        widget=forms.PasswordInput,
        strip=False,
        help_text=password_validators_help_text_html(),
    )
    password2 = forms.CharField(label="确认密码", widget=forms.PasswordInput, strip=False)
    reason = ReasonField()

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password2") and data["password1"] != data["password2"]:
            self.add_error("password2", "两次输入的密码不一致。")
        return data


class GrantForm(forms.Form):
    role = forms.ChoiceField(label="角色", choices=Role.choices)
    scope = forms.ChoiceField(
        label="数据范围",
        choices=Scope.choices,
        help_text="“本单位及下级”“本单位”以所选单位为准；“仅本人”只看本人的记录。",
    )
    department = DepartmentChoiceField(label="范围单位", queryset=Department.objects.none(), required=False)
    reason = ReasonField()

    def __init__(self, *args, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments
        self.fields["scope"].initial = DEFAULT_SCOPE[Role.REPORTER]

    def clean(self):
        data = super().clean()
        if data.get("scope") and data["scope"] != Scope.ALL and not data.get("department"):
            self.add_error("department", "除“全部数据”外，必须选择范围单位。")
        if data.get("scope") == Scope.ALL:
            data["department"] = None
        return data


class TokenForm(forms.Form):
    name = forms.CharField(
        label="名称/用途", max_length=100, help_text="例如“区统计平台数据同步”，便于日后辨认和吊销。"
    )
    days = forms.IntegerField(
        label="有效期（天）",
        min_value=1,
        max_value=tokens.MAX_DAYS,
        initial=tokens.DEFAULT_DAYS,
        help_text=f"最长 {tokens.MAX_DAYS} 天，到期后须重新创建。",
    )


class OneTimeCodeForm(forms.Form):
    code = forms.CharField(
        label="动态口令",
        max_length=12,
        help_text="打开手机上的验证器（如“腾讯身份验证器”“Microsoft Authenticator”），输入本系统对应的 6 位数字。",
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9 ]*",
                "autofocus": True,
            }
        ),
    )


class SecondFactorResetForm(forms.Form):
    reason = ReasonField(required=True)


class CalendarDayForm(forms.ModelForm):
    """A holiday or an adjusted working day (调休上班) of the holiday calendar."""

    is_workday = forms.TypedChoiceField(
        label="放假或上班",
        choices=[(False, "放假（节假日）"), (True, "上班（调休上班）")],
        coerce=lambda value: value in (True, "True"),
        help_text="节假日选“放假”；调休上班的周六、周日选“上班”。",
    )
    reason = ReasonField()

    class Meta:
        model = CalendarDay
        fields = ["date", "is_workday", "name", "note"]
        formfield_callback = formfield
