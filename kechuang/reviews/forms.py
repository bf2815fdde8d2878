from django import forms

from kechuang.org.models import Department, User
from kechuang.web.forms import DepartmentChoiceField, ReasonField, formfield

from .models import Discipline, Expert, ReviewRound


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


def parse_criteria(text: str) -> list[tuple[str, str, str]]:
    """One criterion a line — “名称 权重 满分” (spaces, commas or tabs between; 满分 100 when left out),
    as a clerk pastes from Excel: [(name, weight, max)]; a ValidationError names the line."""
    import re
    from decimal import Decimal, InvalidOperation

    criteria, errors = [], []
    for number, line in enumerate((text or "").splitlines(), start=1):
        parts = [p for p in re.split(r"[\s,，、|]+", line.strip()) if p]
        if not parts:
            continue
        if len(parts) not in (2, 3):
            errors.append(f"第 {number} 行“{line.strip()}”应为“名称 权重 满分”。")
            continue
        name, weight, top = parts[0], parts[1], parts[2] if len(parts) == 3 else "100"
        try:
            w, m = Decimal(weight), Decimal(top)
        except InvalidOperation:
            errors.append(f"第 {number} 行“{name}”的权重或满分不是数字。")
            continue
        if not w.is_finite() or not m.is_finite() or w < 0 or m <= 0:
            errors.append(f"第 {number} 行“{name}”：权重不能为负数，满分必须大于 0。")
            continue
        criteria.append((name, format(w.normalize(), "f"), format(m.normalize(), "f")))
    if errors:
        raise forms.ValidationError(errors)
    return criteria


def criteria_text(review_round) -> str:
    return "\n".join(
        f"{c.name} {format(c.weight.normalize(), 'f')} {format(c.max_score.normalize(), 'f')}"
        for c in review_round.criteria.all()
    )


class ReviewRoundForm(forms.ModelForm):
    department = DepartmentChoiceField(label="组织单位", queryset=Department.objects.none())
    criteria = forms.CharField(
        label="评分项",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="每行一项：名称 权重 满分（满分默认 100），权重之和为 1。例如：技术创新性 0.4 100。"
        "开始评审后不能修改。",
    )
    reason = ReasonField()

    class Meta:
        model = ReviewRound
        fields = [
            "title",
            "kind",
            "department",
            "deadline",
            "experts_per_item",
            "method",
            "disagreement_threshold",
            "blind",
            "peers_visible",
            "criteria",
            "note",
        ]
        formfield_callback = formfield

    def __init__(self, *args, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments
        if self.instance.pk and not self.is_bound:
            self.initial["criteria"] = criteria_text(self.instance)

    def clean_criteria(self):
        return parse_criteria(self.cleaned_data["criteria"])


class ReviewItemForm(forms.Form):
    title = forms.CharField(label="评审项目名称", max_length=200)
    discipline = forms.ModelChoiceField(label="评审领域", queryset=Discipline.objects.all())
    organisations = forms.CharField(
        label="申报及合作单位",
        required=False,
        help_text="每行一个；与其相同单位的专家自动回避。",
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_organisations(self):
        return [line.strip() for line in self.cleaned_data["organisations"].splitlines() if line.strip()]


class DeclarationForm(forms.Form):
    conflict = forms.TypedChoiceField(
        label="利益冲突声明",
        choices=[("0", "本人与该项目无利益冲突"), ("1", "本人需要回避")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label="回避原因", max_length=300, required=False)


class ScoreSheetForm(forms.Form):
    """One number field per criterion, a comment and the recommendation."""

    def __init__(self, *args, criteria=(), sheet=None, **kwargs):
        from .models import Recommendation

        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        for c in self.criteria:
            self.fields[c.key] = forms.CharField(
                label=f"{c.name}（满分 {format(c.max_score.normalize(), 'f')}，权重 {format(c.weight.normalize(), 'f')}）",
                required=False,
                help_text=c.guidance,
                widget=forms.TextInput(attrs={"inputmode": "decimal"}),
            )
        self.fields["comment"] = forms.CharField(
            label="评审意见", required=False, widget=forms.Textarea(attrs={"rows": 4})
        )
        self.fields["recommendation"] = forms.ChoiceField(
            label="评审结论", required=False, choices=[("", "—")] + list(Recommendation.choices)
        )
        if sheet is not None and not self.is_bound:
            self.initial.update(sheet.scores)
            self.initial["comment"] = sheet.comment
            self.initial["recommendation"] = sheet.recommendation
