from django import forms

from kechuang.core.forms import DateField

from .models import ReportingRound


class RoundForm(forms.Form):
    period = forms.CharField(label="期间", max_length=10, help_text="年报 2021；季报 2021Q3；月报 2021-07")
    frequency = forms.ChoiceField(label="频次", choices=ReportingRound.Frequency.choices)
    due_on = DateField(label="截止日期")
