from django import forms

from kechuang.enterprises.forms import EnterpriseCodeField
from kechuang.enterprises.models import Enterprise, QualificationKind
from kechuang.org.models import Department
from kechuang.plans.forms import TaskChoiceField, offer_tasks
from kechuang.web.forms import DateField, DepartmentChoiceField, ReasonField, formfield

from .calls import FIXED_WHEN_PUBLISHED
from .models import BatchLine, Call, CallStatus, Decision, Project


class ProjectForm(forms.ModelForm):
    department = DepartmentChoiceField(label="所在镇街/归口单位", queryset=Department.objects.none())
    # A credit code rather than a drop-down: a province holds 100,000 enterprises.
    enterprise_code = EnterpriseCodeField(
        label="承担企业统一社会信用代码",
        help_text="承担单位是已登记企业时填写；否则留空并填写下面的承担单位名称。",
    )
    tasks = TaskChoiceField()
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
            "tasks",
        ]
        formfield_callback = formfield

    def __init__(self, *args, departments=None, enterprises=None, tasks=None, **kwargs):
        super().__init__(*args, **kwargs)
        offer_tasks(self, tasks)
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
        data = {k: v for k, v in self.cleaned_data.items() if k not in ("reason", "enterprise_code", "tasks")}
        data["enterprise"] = self.cleaned_data.get("enterprise_code")
        data["tasks"] = list(self.cleaned_data.get("tasks") or [])
        return data


class ApproveForm(forms.Form):
    """立项: the approval date, the planned end and the public money granted."""

    approved_on = DateField(label="立项日期")
    planned_end_on = DateField(label="计划结题日期", required=False)
    funding = forms.DecimalField(label="财政资助金额（元）", min_value=0, max_digits=18, decimal_places=2)


class CompleteForm(forms.Form):
    """结题: the acceptance date."""

    completed_on = DateField(label="结题日期")


def lines_of(text) -> str:
    """A text of one item a line as stored: each line trimmed, empty lines dropped, one line feed between
    (a browser posts a textarea's lines with CR LF)."""
    return "\n".join(line.strip() for line in str(text or "").splitlines() if line.strip())


class CallForm(forms.ModelForm):
    """申报指南: create and edit (the status moves only through 发布, 截止 … on the call's page)."""

    department = DepartmentChoiceField(label="发布单位", queryset=Department.objects.none())
    qualifications = forms.ModelMultipleChoiceField(
        label="须持有的资质（之一）",
        queryset=QualificationKind.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="申报企业须在申报时持有所选资质之一（如科技型企业）；不选表示不限。",
    )
    tasks = TaskChoiceField(help_text="本指南落实的行动方案任务，可多选；按本指南申报的项目沿用这些任务。")
    reason = ReasonField()

    class Meta:
        model = Call
        fields = [
            "year",
            "number",
            "title",
            "category",
            "department",
            "topics",
            "budget",
            "max_request",
            "opens_on",
            "closes_on",
            "correction_days",
            "attachments",
            "enterprise_only",
            "qualifications",
            "one_per_applicant",
            "note",
            "tasks",
        ]
        formfield_callback = formfield
        widgets = {
            "topics": forms.Textarea(attrs={"rows": 5}),
            "attachments": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, departments=None, tasks=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments
        offer_tasks(self, tasks)
        for name in ("budget", "max_request"):
            self.fields[name].widget.attrs["step"] = "0.01"
        if self.instance.pk is not None:
            # the kinds as ids (the API's PATCH starts from the form's initial values: ids, not records)
            self.initial["qualifications"] = [kind.pk for kind in self.instance.qualifications.all()]
            if self.instance.status != CallStatus.DRAFT:
                for name in FIXED_WHEN_PUBLISHED:  # calls.save_call refuses changing them
                    field = self.fields[name]
                    note = "指南已发布，不能再修改。"
                    field.help_text = f"{field.help_text} {note}".strip() if field.help_text else note

    def clean_topics(self) -> str:
        return lines_of(self.cleaned_data.get("topics"))

    def clean_attachments(self) -> str:
        return lines_of(self.cleaned_data.get("attachments"))

    def fields_for_action(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k not in ("reason", "qualifications", "tasks")}
        data["qualifications"] = list(self.cleaned_data.get("qualifications") or [])
        data["tasks"] = list(self.cleaned_data.get("tasks") or [])
        return data


class EnterpriseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Enterprise) -> str:
        return obj.name


class ApplyForm(forms.Form):
    """在线申报 on a call's page: the project's name, the call's topic it answers and — for an account
    speaking for several enterprises — which of them applies."""

    name = forms.CharField(label="项目名称", max_length=200)
    topic = forms.ChoiceField(label="支持方向", choices=())
    enterprise = EnterpriseChoiceField(
        label="申报单位", queryset=Enterprise.objects.none(), empty_label="请选择申报企业"
    )

    def __init__(self, *args, call: Call, enterprises, drafts=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.call = call
        self.drafts = drafts or {}  # enterprise id → its draft or returned application to this call
        self.fields["topic"].choices = [("", "请选择支持方向"), *((t, t) for t in call.topic_list)]
        self.fields["topic"].error_messages["invalid_choice"] = "请从指南的支持方向中选择。"
        self.enterprises = list(enterprises)
        if len(self.enterprises) == 1:
            del self.fields["enterprise"]  # the one enterprise the account speaks for
        else:
            self.fields["enterprise"].queryset = enterprises

    @property
    def applicant(self) -> Enterprise | None:
        if "enterprise" in self.fields:
            return self.cleaned_data.get("enterprise")
        return self.enterprises[0] if self.enterprises else None

    def clean(self):
        data = super().clean()
        enterprise = self.applicant
        draft = self.drafts.get(enterprise.pk) if enterprise is not None else None
        if draft is not None:
            raise forms.ValidationError(
                f"{enterprise.name}已有本指南的申报“{draft.name}”（{draft.status}），请继续填写该申报。"
            )
        return data


class UnitApplyForm(forms.Form):
    """代为申报 on a call's page: the bureau files for a unit outside the enterprise registry (a hospital, a
    school, a farm station) — its name, where it sits, the project's name and topic."""

    unit_name = forms.CharField(
        label="申报单位名称", max_length=200, help_text="医院、学校、农技站等非企业单位"
    )
    department = DepartmentChoiceField(label="所在镇街/归口单位", queryset=Department.objects.none())
    name = forms.CharField(label="项目名称", max_length=200)
    topic = forms.ChoiceField(label="支持方向", choices=())

    def __init__(self, *args, call: Call, departments, **kwargs):
        kwargs.setdefault("auto_id", "unit_%s")
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments
        self.fields["topic"].choices = [("", "请选择支持方向"), *((t, t) for t in call.topic_list)]
        self.fields["topic"].error_messages["invalid_choice"] = "请从指南的支持方向中选择。"


# --- 立项: review, the list, 公示 and 下达 (the call's and the batch's pages) ----------------------------


class SendToReviewForm(forms.Form):
    deadline = DateField(label="评审截止日期")
    experts_per_item = forms.IntegerField(label="每项评审专家人数", min_value=1, max_value=15, initial=5)


class DraftBatchForm(forms.Form):
    publicity_days = forms.IntegerField(label="公示期（工作日）", min_value=5, max_value=30, initial=5)
    contact = forms.CharField(
        label="异议受理方式", max_length=200, required=False, help_text="如：区科技局 023-52222222"
    )


class LineForm(forms.Form):
    """One application of a list being drafted: the decision, the amount (元) and why."""

    decision = forms.ChoiceField(label="拟定结果", choices=Decision.choices)
    funded = forms.DecimalField(label="拟资助金额（元）", min_value=0, max_digits=14, decimal_places=2)
    reason = forms.CharField(label="说明", max_length=300, required=False)

    def __init__(self, *args, line=None, **kwargs):
        if line is not None and not args and "initial" not in kwargs:
            kwargs["initial"] = {"decision": line.decision, "funded": line.funded, "reason": line.reason}
        kwargs.setdefault("prefix", f"line{line.pk}" if line is not None else None)
        super().__init__(*args, **kwargs)
        self.line = line


class ObjectionForm(forms.Form):
    received_on = DateField(label="收到日期")
    name = forms.CharField(label="异议人", max_length=100, help_text="实名提出；单位或个人")
    contact = forms.CharField(label="联系方式", max_length=60, required=False)
    line = forms.ModelChoiceField(label="所涉项目", queryset=BatchLine.objects.none(), required=False)
    content = forms.CharField(label="异议内容", widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, batch=None, **kwargs):
        super().__init__(*args, **kwargs)
        if batch is not None:
            self.fields["line"].queryset = batch.lines.select_related("project")
            self.fields["line"].label_from_instance = lambda line: line.project.name


class ResolveForm(forms.Form):
    upheld = forms.TypedChoiceField(
        label="异议是否成立",
        choices=[("0", "不成立"), ("1", "成立")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    resolution = forms.CharField(label="处理结果", widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, objection=None, **kwargs):
        kwargs.setdefault("prefix", f"objection{objection.pk}" if objection is not None else None)
        super().__init__(*args, **kwargs)
        self.objection = objection


class DecideForm(forms.Form):
    document_number = forms.CharField(label="立项文号", max_length=60, help_text="如：开州科技发〔2026〕12号")
    decided_on = DateField(label="下达日期")
    planned_end_on = DateField(label="计划完成日期", required=False)


class PayForm(forms.Form):
    """确认拨付: the date paid and the voucher."""

    paid_on = DateField(label="拨付日期")
    voucher = forms.CharField(label="凭证号", max_length=60, required=False)
