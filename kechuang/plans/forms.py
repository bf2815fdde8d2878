from django import forms

from kechuang.org.models import Department
from kechuang.web.forms import DateField, DepartmentChoiceField, DepartmentMultipleChoiceField, ReasonField

from .choices import TaskStatus
from .models import Task


class TaskForm(forms.Form):
    status = forms.ChoiceField(label="状态", choices=TaskStatus.choices)
    completed_on = DateField(label="完成日期", required=False)
    deadline = DateField(label="完成时限", required=False)
    lead_department = DepartmentChoiceField(label="牵头单位", queryset=Department.objects.none())
    co_departments = DepartmentMultipleChoiceField(
        label="配合单位",
        queryset=Department.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    reason = ReasonField(required=True, label="修改原因")

    def __init__(self, *args, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_department"].queryset = departments
        self.fields["co_departments"].queryset = departments

    def clean(self):
        data = super().clean()
        if data.get("status") == TaskStatus.DONE and not data.get("completed_on"):
            self.add_error("completed_on", "状态为“已完成”时必须填写完成日期。")
        if data.get("status") != TaskStatus.DONE and data.get("completed_on"):
            self.add_error("completed_on", "只有“已完成”的任务才能填写完成日期。")
        return data


class TaskChoiceField(forms.ModelMultipleChoiceField):
    """The plan's tasks a record carries out: ticked by their codes and titles."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "落实的计划任务")
        kwargs.setdefault("help_text", "所落实的行动方案任务，可多选；任务页面和驾驶舱按此显示落实情况。")
        super().__init__(queryset=Task.objects.none(), required=False, **kwargs)

    def label_from_instance(self, obj: Task) -> str:
        return f"{obj.code} {obj.title}"


def offer_tasks(form, tasks) -> None:
    """The tasks `form` offers (None: every task) and, for a stored record, its current ones as ids (the
    API's PATCH starts from the form's initial values)."""
    form.fields["tasks"].queryset = (tasks if tasks is not None else Task.objects.all()).select_related(
        "programme"
    )
    if form.instance.pk is not None:
        form.initial["tasks"] = [task.pk for task in form.instance.tasks.all()]
