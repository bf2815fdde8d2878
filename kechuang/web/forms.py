"""What every form shares: the date input, and running an action from a form view (refusals and
validation errors become the form's own errors)."""

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

from kechuang.org.actions import ActionRefused
from kechuang.org.models import Department

ISO_DATE = "%Y-%m-%d"


class DateInput(forms.DateInput):
    """The browser's date picker. Its value must be ISO 8601 whatever the language: the zh-hans input
    format ("2025/12/31") is refused by `<input type="date">`, which then submits the date as empty."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format=ISO_DATE)


class DateField(forms.DateField):
    widget = DateInput


def formfield(model_field, **kwargs):
    """`Meta.formfield_callback` of every ModelForm: the model's date fields get the date input."""
    if isinstance(model_field, models.DateField) and not isinstance(model_field, models.DateTimeField):
        kwargs.setdefault("widget", DateInput)
    return model_field.formfield(**kwargs)


def money_in_yuan(form, *names) -> None:
    """The form's money fields entered in 元 to the fen (a help text saying so unless they have one)."""
    for name in names:
        form.fields[name].help_text = form.fields[name].help_text or "单位：元"
        form.fields[name].widget.attrs["step"] = "0.01"


class ReasonField(forms.CharField):
    """The audit reason of a change, on every form that changes a record (written to the audit log)."""

    def __init__(self, *, required: bool = False, label: str = "变更原因", **kwargs):
        kwargs.setdefault("max_length", 500)
        kwargs.setdefault("help_text", "必填，记入审计日志。" if required else "选填，记入审计日志。")
        super().__init__(required=required, label=label, **kwargs)


class DepartmentChoiceField(forms.ModelChoiceField):
    """A department drop-down in tree order, indented by depth."""

    def label_from_instance(self, obj: Department) -> str:
        return "　" * (obj.depth - 1) + obj.name


class DepartmentMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Department) -> str:
        return "　" * (obj.depth - 1) + obj.name


def keeping(departments, current):
    """The departments a user may choose plus those the record already has (ids), in tree order: a current
    value missing from a drop-down would be dropped when the form is saved unchanged."""
    return (departments | Department.objects.filter(pk__in=current)).distinct().order_by("path")


def run_action(form, func, *args, **kwargs):
    """Call `func`; on ActionRefused or ValidationError add the Chinese messages to `form` (on the named
    field when the form has it) and return None. Otherwise return what `func` returned."""
    try:
        return func(*args, **kwargs)
    except ActionRefused as exc:
        form.add_error(None, str(exc))
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, exc)
    return None
