"""The forms of the lists' pages: the need (the kit's create and edit), the bid (the kit's edit), and the
bureau's forms on the list's page (凝练, 组织评审, 遴选, 异议, 签约, 里程碑考核, 验收, 拨付)."""

from django import forms

from kechuang.projects.forms import TaskChoiceField
from kechuang.projects.models import MilestoneStatus, Payer, Tranche
from kechuang.reviews.models import Discipline
from kechuang.web.forms import DateField, ReasonField, formfield

from .bidding import MILESTONE_HELP, milestone_lines
from .models import Bid, Challenge

TEXT = {"rows": 4}


class NeedForm(forms.ModelForm):
    reason = ReasonField()

    class Meta:
        model = Challenge
        fields = [
            "title",
            "discipline",
            "goal",
            "indicators",
            "co_funding",
            "support",
            "deadline",
            "confidential",
            "contact_name",
            "contact_phone",
        ]
        formfield_callback = formfield
        widgets = {
            "goal": forms.Textarea(attrs=TEXT),
            "indicators": forms.Textarea(attrs=TEXT),
            "confidential": forms.Textarea(attrs=TEXT),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["discipline"].queryset = Discipline.objects.order_by("order", "name")


class BidForm(forms.ModelForm):
    milestones = forms.CharField(
        label="里程碑计划", required=False, widget=forms.Textarea(attrs={"rows": 5}), help_text=MILESTONE_HELP
    )
    reason = ReasonField()

    class Meta:
        model = Bid
        fields = ["bidder_name", "bidder_kind", "team", "plan", "price"]
        formfield_callback = formfield
        widgets = {"team": forms.Textarea(attrs=TEXT), "plan": forms.Textarea(attrs=TEXT)}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["milestones"] = milestone_lines(self.instance)


class PageForm(forms.Form):
    """A form of the list's page: ids of its own (several forms share a page and the 办理 panel)."""

    ids = "page"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.ids}_%s")
        super().__init__(*args, **kwargs)


class RefineForm(PageForm):
    ids = "refine"

    title = forms.CharField(label="凝练后的榜单名称", max_length=200)
    goal = forms.CharField(label="凝练后的攻关目标", widget=forms.Textarea(attrs=TEXT))
    tasks = TaskChoiceField(help_text="本榜单落实的行动方案任务，可多选；签约后的项目沿用这些任务。")
    comment = forms.CharField(label="审核意见", required=False, max_length=2000)

    def __init__(self, *args, tasks=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tasks"].queryset = tasks if tasks is not None else self.fields["tasks"].queryset


class ReviewForm(PageForm):
    ids = "review"
    deadline = DateField(label="评审截止日期")
    experts_per_item = forms.IntegerField(label="每份方案专家人数", min_value=1, max_value=15, initial=5)


class SelectForm(PageForm):
    ids = "select"
    bid = forms.ModelChoiceField(label="揭榜方", queryset=Bid.objects.none(), empty_label="请选择")
    reason = forms.CharField(label="遴选理由", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    publicity_days = forms.IntegerField(label="公示期（工作日）", min_value=5, max_value=30, initial=5)
    seen = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, bids=None, **kwargs):
        super().__init__(*args, **kwargs)
        if bids is not None:
            self.fields["bid"].queryset = bids
        self.fields["bid"].label_from_instance = lambda b: f"{b.bidder_name}（报价 {b.price:,.2f} 元）"


class ObjectionForm(PageForm):
    ids = "objection"
    received_on = DateField(label="收到日期")
    name = forms.CharField(label="异议人", max_length=100)
    contact = forms.CharField(label="联系方式", max_length=60, required=False)
    content = forms.CharField(label="异议内容", widget=forms.Textarea(attrs={"rows": 3}))


class ResolveForm(PageForm):
    ids = "resolve"
    upheld = forms.TypedChoiceField(
        label="异议是否成立", choices=[("0", "不成立"), ("1", "成立")], coerce=lambda v: v == "1"
    )
    resolution = forms.CharField(label="处理结果", widget=forms.Textarea(attrs={"rows": 2}))


class SignForm(PageForm):
    ids = "sign"
    signed_on = DateField(label="签约日期")


class MilestoneCheckForm(PageForm):
    ids = "check"
    verdict = forms.ChoiceField(
        label="考核结果",
        choices=[
            (MilestoneStatus.PASSED, "通过"),
            (MilestoneStatus.ADJUST, "调整"),
            (MilestoneStatus.TERMINATED, "终止"),
        ],
    )
    new_due_on = DateField(label="调整后的完成日期", required=False)
    comment = forms.CharField(label="考核意见", required=False, max_length=2000)


class AcceptanceForm(PageForm):
    ids = "acceptance"
    summary = forms.CharField(label="完成情况总结", widget=forms.Textarea(attrs={"rows": 3}))
    spent = forms.DecimalField(label="财政资金实际使用（元）", min_value=0, max_digits=18, decimal_places=2)
    file = forms.FileField(label="验收材料（PDF 等）")
    decided_on = DateField(label="验收日期")


class ArrangeForm(PageForm):
    ids = "arrange"
    tranche = forms.ChoiceField(
        label="拨付节点",
        choices=[(Tranche.APPROVAL, Tranche.APPROVAL.label), (Tranche.ACCEPTANCE, Tranche.ACCEPTANCE.label)],
    )
    payer = forms.ChoiceField(label="出资方", choices=Payer.choices)
    amount = forms.DecimalField(label="金额（元）", min_value=0, max_digits=18, decimal_places=2)
    note = forms.CharField(label="说明", max_length=300, required=False)


class PayForm(PageForm):
    ids = "pay"
    paid_on = DateField(label="拨付日期")
    voucher = forms.CharField(label="凭证号", max_length=60, required=False)
