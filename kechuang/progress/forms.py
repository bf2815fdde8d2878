from django import forms
from django.utils import timezone

from kechuang.metrics.periods import Period
from kechuang.web.forms import DateField

from .models import PERIOD_KIND, ReportingRound


class RoundForm(forms.Form):
    frequency = forms.ChoiceField(
        label="频次",
        choices=[("", "按所选期间")] + ReportingRound.Frequency.choices,
        required=False,
        help_text="可不选：年度为年报，季度为季报，月份为月报",
    )
    period = forms.CharField(
        label="期间",
        max_length=20,
        widget=forms.Select,
        help_text="年报选年度，季报选季度，月报选月份（也可写作 2026年第四季度、2026Q4）",
    )
    due_on = DateField(label="截止日期")

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        years = range(plan.period_start - 1, max(plan.period_end, timezone.localdate().year) + 1)
        taken = set(ReportingRound.objects.filter(plan=plan).values_list("period", flat=True))
        groups = [("", "（请选择）")]
        for frequency, label in ReportingRound.Frequency.choices:
            periods = [p for p in Period.all_of(PERIOD_KIND[frequency], years) if p.label not in taken]
            groups.append((label, [(p.label, p.chinese) for p in periods]))
        self.fields["period"].widget.choices = groups

    def clean(self):
        """No frequency chosen: the period's own (a quarter is a 季报); a chosen one must match it."""
        data = super().clean()
        if not data.get("frequency") and data.get("period"):
            try:
                kind = Period.parse(data["period"]).kind
            except ValueError:
                return data  # the action names what is wrong with the period
            data["frequency"] = next(f for f, k in PERIOD_KIND.items() if k == kind)
        return data
