"""The forms of the pages after 立项 — the 任务书 (its fields, milestones and indicators as tables, the
budget as on the application), its signature and the milestone checks, the acceptance application and
verdict, a payment arranged. They only parse; `contracts`, `acceptance` and `payments` check and store."""

from django import forms

from kechuang.web.forms import DateField, formfield

from .application_forms import MONEY_DIGITS, _money_widget
from .contracts import TASK_BOOK_FIELDS
from .models import AcceptanceStatus, Category, Milestone, MilestoneStatus, Payer, TaskBook, Tranche

BLANK_ROWS = 3  # empty rows offered below the stored ones


class TaskBookForm(forms.ModelForm):
    class Meta:
        model = TaskBook
        fields = list(TASK_BOOK_FIELDS)
        formfield_callback = formfield
        widgets = {"goals": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "book_%s")
        super().__init__(*args, **kwargs)
        self.fields["owner_funding"].widget = _money_widget()
        if self.instance.project_id and self.instance.project.category != Category.CHALLENGE:
            del self.fields["owner_funding"]  # only a 揭榜挂帅 need's owner co-funds

    def _post_clean(self):
        pass  # the action validates the 任务书 as a whole (contracts.save_task_book → full_clean)

    def fields_for_action(self) -> dict:
        return {name: self.cleaned_data[name] for name in TASK_BOOK_FIELDS if name in self.fields}


class RowsForm(forms.Form):
    """A table of rows, each the same fields (`row_fields`), the stored rows first and BLANK_ROWS empty."""

    prefix_name = "row"
    row_fields: dict = {}

    def __init__(self, *args, rows=(), **kwargs):
        kwargs.setdefault("auto_id", f"{self.prefix_name}_%s")
        super().__init__(*args, **kwargs)
        count = len(rows) + BLANK_ROWS
        if self.is_bound:  # as many rows as were posted (a refused form keeps what was typed)
            posted = [k for k in self.data if k.startswith(f"{next(iter(self.row_fields))}_")]
            count = max(count, len(posted))
        self.count = min(count, 60)
        for n in range(self.count):
            initial = rows[n] if n < len(rows) else None
            for name, make in self.row_fields.items():
                field = make()
                field.required = False
                field.label = f"第 {n + 1} 行 {field.label}"
                if initial is not None:
                    field.initial = getattr(initial, name)
                self.fields[f"{name}_{n}"] = field

    @property
    def headers(self) -> list[str]:
        return [make().label for make in self.row_fields.values()]

    def rows(self):
        return [
            {name: self[f"{name}_{n}"] for name in self.row_fields} | {"n": n + 1} for n in range(self.count)
        ]

    def values(self) -> list[dict]:
        d = self.cleaned_data
        return [{name: d.get(f"{name}_{n}") for name in self.row_fields} for n in range(self.count)]

    def error_lines(self) -> list[str]:
        return [
            f"{self.fields[name].label}：{e}"
            for name, errors in self.errors.items()
            if name in self.fields
            for e in errors
        ]


def _money_field(label):
    return lambda: forms.DecimalField(label=label, widget=_money_widget(), **MONEY_DIGITS)


class MilestonesForm(RowsForm):
    prefix_name = "milestone"
    row_fields = {
        "title": lambda: forms.CharField(label="里程碑", max_length=200),
        "due_on": lambda: DateField(label="完成日期"),
        "deliverable": lambda: forms.CharField(label="交付成果", max_length=300),
        "district_payment": _money_field("通过后区级拨付（元）"),
        "owner_payment": _money_field("通过后需求方支付（元）"),
    }


class IndicatorsForm(RowsForm):
    prefix_name = "indicator"
    row_fields = {
        "name": lambda: forms.CharField(label="考核指标", max_length=100),
        "unit": lambda: forms.CharField(label="单位", max_length=20),
        "promised": lambda: forms.DecimalField(label="承诺值", max_digits=18, decimal_places=2),
    }


class SignForm(forms.Form):
    signed_on = DateField(label="签订日期")
    comment = forms.CharField(label="意见", required=False, max_length=500)


class MilestoneCheckForm(forms.Form):
    verdict = forms.ChoiceField(
        label="考核结果",
        choices=[(s.value, s.label) for s in MilestoneStatus if s != MilestoneStatus.PENDING],
        widget=forms.RadioSelect,
    )
    checked_on = DateField(label="考核日期")
    new_due_on = DateField(label="调整后的完成日期", required=False, help_text="考核调整时填写")
    comment = forms.CharField(
        label="考核意见",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="调整或终止须填写",
    )

    def __init__(self, *args, milestone=None, **kwargs):
        kwargs.setdefault("auto_id", f"check{milestone.pk if milestone else ''}_%s")
        super().__init__(*args, **kwargs)


class AcceptanceForm(forms.Form):
    """The acceptance application: the summary, the money spent and each indicator's achieved value."""

    summary = forms.CharField(label="完成情况总结", required=False, widget=forms.Textarea(attrs={"rows": 6}))
    spent = forms.DecimalField(
        label="财政资金实际使用（元）", required=False, widget=_money_widget(), **MONEY_DIGITS
    )

    def __init__(self, *args, indicators=(), **kwargs):
        kwargs.setdefault("auto_id", "acceptance_%s")
        super().__init__(*args, **kwargs)
        self.indicators = list(indicators)
        for i in self.indicators:
            self.fields[f"achieved_{i.pk}"] = forms.DecimalField(
                label=f"{i.name}（{i.unit}，承诺 {i.promised.normalize():f}）完成值",
                required=False,
                initial=i.achieved,
                max_digits=18,
                decimal_places=2,
                widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal"}),
            )

    def indicator_rows(self):
        return [{"indicator": i, "field": self[f"achieved_{i.pk}"]} for i in self.indicators]

    def achieved(self) -> dict:
        return {i.pk: self.cleaned_data.get(f"achieved_{i.pk}") for i in self.indicators}


class EvidenceForm(forms.Form):
    file = forms.FileField(label="验收材料", required=False, allow_empty_file=True)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "evidence_%s")
        super().__init__(*args, **kwargs)


class AcceptanceReviewForm(forms.Form):
    deadline = DateField(label="评审截止日期")
    experts_per_item = forms.IntegerField(label="每项专家人数", min_value=1, max_value=15, initial=3)


class VerdictForm(forms.Form):
    verdict = forms.ChoiceField(
        label="验收结论",
        choices=[
            (s.value, s.label)
            for s in (AcceptanceStatus.PASSED, AcceptanceStatus.FAILED, AcceptanceStatus.EXTENDED)
        ],
        widget=forms.RadioSelect,
    )
    decided_on = DateField(label="验收日期")
    extended_to = DateField(label="延期至", required=False, help_text="延期验收时填写")
    comment = forms.CharField(
        label="验收意见",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="不通过或延期须填写",
    )


class ArrangeForm(forms.Form):
    tranche = forms.ChoiceField(label="拨付节点", choices=Tranche.choices)
    payer = forms.ChoiceField(label="出资方", choices=Payer.choices, initial=Payer.DISTRICT)
    amount = forms.DecimalField(label="金额（元）", widget=_money_widget(), **MONEY_DIGITS)
    milestone = forms.ModelChoiceField(
        label="里程碑", queryset=None, required=False, empty_label="（不按里程碑）"
    )
    note = forms.CharField(label="说明", max_length=200, required=False)

    def __init__(self, *args, milestones=None, **kwargs):
        kwargs.setdefault("auto_id", "arrange_%s")
        super().__init__(*args, **kwargs)
        self.fields["milestone"].queryset = milestones if milestones is not None else Milestone.objects.none()
