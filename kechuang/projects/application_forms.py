"""The forms of the applicant's page (`application_views`): the application's own fields, a co-applicant,
the budget as one table and an attachment. They only parse; `applications.*` checks and stores."""

from django import forms

from kechuang.web.forms import formfield

from .applications import APPLICANT_FIELDS, OTHER_ATTACHMENT
from .models import BudgetItem, Project

MONEY_DIGITS = {"max_digits": 18, "decimal_places": 2}


def _money_widget():
    return forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal"})


class BasicsForm(forms.ModelForm):
    """基本信息: the applicant's fields of the application (APPLICANT_FIELDS), money in 元."""

    class Meta:
        model = Project
        fields = list(APPLICANT_FIELDS)
        formfield_callback = formfield
        widgets = {"summary": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args, call, **kwargs):
        super().__init__(*args, **kwargs)
        topics = call.topic_list
        current = self.instance.topic
        if current and current not in topics:  # a topic the call no longer lists stays choosable
            topics = [current, *topics]
        self.fields["topic"] = forms.ChoiceField(
            label="支持方向",
            choices=[("", "（请选择）"), *((t, t) for t in topics)],
            help_text="申报指南的支持方向",
        )
        self.fields["discipline"].empty_label = "（请选择）"
        self.fields["funding"].label = "申请财政资助金额（元）"
        limit = f"，不超过 {call.max_request:,.2f} 元" if call.max_request else ""
        self.fields["funding"].help_text = f"单位：元{limit}；须与预算明细的财政资助合计一致"
        self.fields["self_funding"].help_text = "单位：元；须与预算明细的自筹合计一致"
        for name in ("funding", "self_funding"):
            self.fields[name].widget = _money_widget()
        self.fields["planned_end_on"].help_text = "项目计划完成的日期（选填）"
        self.fields["contact_phone"].widget.attrs.setdefault("inputmode", "tel")

    def _post_clean(self):
        # The action validates the application as a whole (applications.save_application → full_clean):
        # the model's rules may name fields this form does not have, which a ModelForm cannot place.
        pass

    def fields_for_action(self) -> dict:
        return {name: self.cleaned_data[name] for name in APPLICANT_FIELDS}


class StepForm(forms.Form):
    """A step without fields of its own (remove a row, submit): it carries the action's refusals."""


class CoApplicantForm(forms.Form):
    name = forms.CharField(label="合作单位名称", max_length=200)
    share = forms.CharField(label="分工", max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "co_%s")  # beside the basics on one page: ids of its own
        super().__init__(*args, **kwargs)


ITEMS = list(BudgetItem)


class BudgetForm(forms.Form):
    """预算明细 as one table: per budget item the public money, the applicant's own funds and a note."""

    def __init__(self, *args, lines=(), **kwargs):
        kwargs.setdefault("auto_id", "budget_%s")
        super().__init__(*args, **kwargs)
        stored = {line.item: line for line in lines}
        for n, item in enumerate(ITEMS):
            line = stored.get(item.value)
            self.fields[f"funding_{n}"] = forms.DecimalField(
                label=f"{item.value} 财政资助（元）",
                required=False,
                initial=line.funding if line else None,
                widget=_money_widget(),
                **MONEY_DIGITS,
            )
            self.fields[f"self_{n}"] = forms.DecimalField(
                label=f"{item.value} 自筹（元）",
                required=False,
                initial=line.self_funding if line else None,
                widget=_money_widget(),
                **MONEY_DIGITS,
            )
            self.fields[f"note_{n}"] = forms.CharField(
                label=f"{item.value} 说明", required=False, max_length=200, initial=line.note if line else ""
            )

    def rows(self):
        """One row per budget item: its label and its three bound fields (the table of the page)."""
        return [
            {
                "item": item.value,
                "funding": self[f"funding_{n}"],
                "self_funding": self[f"self_{n}"],
                "note": self[f"note_{n}"],
            }
            for n, item in enumerate(ITEMS)
        ]

    def error_lines(self) -> list[str]:
        """Every field's errors named by row and column (shown above the table)."""
        return [
            f"{self.fields[name].label}：{e}"
            for name, errors in self.errors.items()
            if name in self.fields
            for e in errors
        ]

    def lines(self) -> dict:
        d = self.cleaned_data
        return {
            item.value: (d.get(f"funding_{n}"), d.get(f"self_{n}"), d.get(f"note_{n}", ""))
            for n, item in enumerate(ITEMS)
        }


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(label="附件类别")
    # emptiness, type and size are the action's to judge (core.documents), with its messages
    file = forms.FileField(label="文件", required=False, allow_empty_file=True)

    def __init__(self, *args, call, **kwargs):
        kwargs.setdefault("auto_id", "attachment_%s")
        super().__init__(*args, **kwargs)
        kinds = [*call.attachment_list, OTHER_ATTACHMENT]
        self.fields["kind"].choices = [("", "（请选择）"), *((k, k) for k in kinds)]
