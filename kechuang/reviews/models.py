"""The expert pool: who may review what (their fields), where they work (conflicts of interest by
organisation), whether they can take work now, what conflicts they declared themselves, and the 评审专家
account that signs in for them. Their contact details are personal data (encrypted, masked)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kechuang.core.personal import PersonalField
from kechuang.org.models import Department
from kechuang.org.roles import Capability
from kechuang.org.scoperule import ScopeRule
from kechuang.workflow.engine import Transition, Workflow

from .aggregate import normalise_organisation

# The fields an expert reviews, as first installed: 《国家重点支持的高新技术领域》's eight, agriculture (a
# district's largest share of projects), and finance — a panel of the 高新技术企业 kind needs one financial
# expert. The bureau may add more (a row each).
DISCIPLINES = [
    "电子信息",
    "生物与新医药",
    "航空航天",
    "新材料",
    "高技术服务",
    "新能源与节能",
    "资源与环境",
    "先进制造与自动化",
    "现代农业",
    "财务与管理",
]


class Discipline(models.Model):
    """A field of review (评审领域): experts are matched to items on it."""

    name = models.CharField(_("名称"), max_length=50, unique=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=100)

    scope_rule = ScopeRule(public=True)  # reference data: every signed-in user with a role

    class Meta:
        verbose_name = _("评审领域")
        verbose_name_plural = _("评审领域")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class Title(models.TextChoices):
    SENIOR = "正高级", _("正高级")
    ASSOCIATE = "副高级", _("副高级")
    INTERMEDIATE = "中级", _("中级")
    OTHER = "其他", _("其他")


class Expert(models.Model):
    """One expert of the pool."""

    name = models.CharField(_("姓名"), max_length=50)
    organisation = models.CharField(
        _("工作单位"), max_length=200, help_text=_("与申报单位相同即回避（全角半角、首尾空格不计）")
    )
    title = models.CharField(_("职称"), max_length=10, choices=Title.choices)
    position = models.CharField(_("职务"), max_length=50, blank=True)
    disciplines = models.ManyToManyField(
        Discipline, related_name="experts", verbose_name=_("评审领域"), help_text=_("一个或多个")
    )
    phone = PersonalField(_("联系电话"), kind="phone", max_length=30, blank=True)
    email = PersonalField(_("电子邮箱"), kind="email", max_length=254, blank=True)
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="experts",
        verbose_name=_("管理单位"),
        help_text=_("把专家纳入专家库并管理其信息的单位；决定谁能看到该专家"),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="expert",
        verbose_name=_("评审专家账号"),
    )
    available = models.BooleanField(_("可参加评审"), default=True)
    unavailable_reason = models.CharField(
        _("暂停原因"), max_length=200, blank=True, help_text=_("如“2026年12月出国”“本人申请暂停”")
    )
    note = models.CharField(_("备注"), max_length=300, blank=True)

    scope_rule = ScopeRule(department="department", owner="user")

    class Meta:
        verbose_name = _("评审专家")
        verbose_name_plural = _("专家库")
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["organisation"], name="expert_organisation")]

    def __str__(self) -> str:
        return f"{self.name}（{self.organisation}）"

    def get_absolute_url(self) -> str:
        return reverse("experts:detail", args=[self.pk])

    @property
    def discipline_text(self) -> str:
        return "、".join(d.name for d in self.disciplines.all())

    def clean(self):
        errors = {}
        if not self.available and not self.unavailable_reason.strip():
            errors["unavailable_reason"] = "暂停参加评审时须填写原因。"
        if self.available:
            self.unavailable_reason = ""
        if self.user_id:
            from kechuang.org.roles import Role

            if not self.user.grants.filter(role=Role.EXPERT).exists():
                errors["user"] = f"账号“{self.user.username}”不是评审专家账号（须持有“评审专家”角色）。"
        if errors:
            raise ValidationError(errors)

    def conflicts_with(self, organisations) -> bool:
        mine = normalise_organisation(self.organisation)
        return bool(mine) and any(mine == normalise_organisation(o) for o in organisations)


class DeclaredConflict(models.Model):
    """An organisation the expert declared a conflict of interest with (a former employer, a relative's
    company, a consultancy client): never assigned an item of it."""

    expert = models.ForeignKey(
        Expert, on_delete=models.CASCADE, related_name="conflicts", verbose_name=_("专家")
    )
    organisation = models.CharField(_("回避单位"), max_length=200)
    reason = models.CharField(_("回避原因"), max_length=200)
    declared_on = models.DateField(_("申报日期"), auto_now_add=True)

    scope_rule = ScopeRule(department="expert__department", owner="expert__user")

    class Meta:
        verbose_name = _("回避单位")
        verbose_name_plural = _("回避单位")
        ordering = ["expert", "organisation"]
        constraints = [
            models.UniqueConstraint(
                fields=["expert", "organisation"],
                name="declared_conflict_once",
                violation_error_message="该专家已申报回避此单位。",
            )
        ]

    def __str__(self) -> str:
        return f"{self.expert.name} 回避 {self.organisation}"


# --- review rounds --------------------------------------------------------------------------------


class RoundKind(models.TextChoices):
    APPLICATION = "立项评审", _("立项评审")
    ACCEPTANCE = "验收评审", _("结题验收评审")
    CHALLENGE = "揭榜评审", _("揭榜方案评审")
    FUNDING = "资金评审", _("资金申请评审")
    AWARD = "奖励评审", _("奖励提名评审")


class Method(models.TextChoices):
    """How a round ranks its items (docs/REVIEW.md)."""

    TRIMMED = "trimmed", _("去掉一个最高分和一个最低分后的平均分")
    ZSCORE = "zscore", _("标准分（按每位专家的平均分和标准差标准化）")
    MEAN = "mean", _("算术平均分")


class RoundStatus(models.TextChoices):
    PREPARING = "筹备", _("筹备")
    OPEN = "评审中", _("评审中")
    CLOSED = "已截止", _("已截止")
    FINISHED = "已完成", _("已完成")


def _round_ready(obj, user):
    """What keeps a round from opening (a Chinese refusal), or None."""
    from decimal import Decimal

    criteria = list(obj.criteria.all())
    if not criteria:
        return "评审轮次尚无评分项。"
    total = sum((c.weight for c in criteria), Decimal(0))
    if total != Decimal(1):
        return f"各评分项权重之和应为 1（现为 {total.normalize():f}）。"
    if not obj.items.exists():
        return "评审轮次尚无评审项目。"
    if not Assignment.objects.filter(item__round=obj).exists():
        return "尚未分配评审专家（请先“自动分配专家”）。"
    return None


class ReviewRound(models.Model):
    """One review: its items, criteria, experts and rules."""

    title = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("类别"), max_length=10, choices=RoundKind.choices)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="review_rounds", verbose_name=_("组织单位")
    )
    deadline = models.DateField(_("评审截止日期"), help_text=_("专家须在此日（含）之前提交评分表"))
    experts_per_item = models.PositiveSmallIntegerField(_("每项专家人数"), default=5)
    method = models.CharField(_("排序方法"), max_length=10, choices=Method.choices, default=Method.TRIMMED)
    disagreement_threshold = models.DecimalField(
        _("分歧阈值（分）"),
        max_digits=5,
        decimal_places=2,
        default=20,
        help_text=_("同一项目最高分与最低分之差超过此值即标为“分歧较大”"),
    )
    blind = models.BooleanField(
        _("盲评"), default=False, help_text=_("专家看不到申报单位名称（回避仍按单位自动判断）")
    )
    peers_visible = models.BooleanField(
        _("提交后可见他人评分"),
        default=False,
        help_text=_("专家提交本人评分表后，可看到同一项目其他专家的评分"),
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=RoundStatus.choices, default=RoundStatus.PREPARING
    )
    note = models.CharField(_("备注"), max_length=300, blank=True)

    scope_rule = ScopeRule(department="department")

    # 筹备 → 评审中 (criteria weigh 1, items and experts assigned) → 已截止 → 已完成 (results confirmed);
    # a closed round reopens for late sheets only by an explicit, audited step.
    workflow = Workflow(
        states=RoundStatus,
        view_capability=Capability.VIEW_REVIEWS,
        transitions=[
            Transition(
                "open",
                "开始评审",
                [RoundStatus.PREPARING],
                RoundStatus.OPEN,
                Capability.MANAGE_REVIEWS,
                allowed=_round_ready,
            ),
            Transition(
                "close", "截止评审", [RoundStatus.OPEN], RoundStatus.CLOSED, Capability.MANAGE_REVIEWS
            ),
            Transition(
                "reopen",
                "重新开放评审",
                [RoundStatus.CLOSED],
                RoundStatus.OPEN,
                Capability.MANAGE_REVIEWS,
                comment_required=True,
                reopen=True,
            ),
            Transition(
                "finish",
                "确认评审结果",
                [RoundStatus.CLOSED],
                RoundStatus.FINISHED,
                Capability.MANAGE_REVIEWS,
            ),
        ],
    )

    class Meta:
        verbose_name = _("评审轮次")
        verbose_name_plural = _("评审轮次")
        ordering = ["-deadline", "-pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("review-rounds:detail", args=[self.pk])

    def clean(self):
        if self.experts_per_item is not None and self.experts_per_item < 1:
            raise ValidationError({"experts_per_item": "每项至少 1 位专家。"})
        if self.disagreement_threshold is not None and self.disagreement_threshold < 0:
            raise ValidationError({"disagreement_threshold": "分歧阈值不能为负数。"})


class Criterion(models.Model):
    """A weighted criterion of a round's score sheet (weights sum to 1; scores 0 … max)."""

    round = models.ForeignKey(
        ReviewRound, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("评审轮次")
    )
    key = models.CharField(_("代码"), max_length=20)
    name = models.CharField(_("评分项"), max_length=100)
    weight = models.DecimalField(_("权重"), max_digits=5, decimal_places=4)
    max_score = models.DecimalField(_("满分"), max_digits=6, decimal_places=2, default=100)
    guidance = models.CharField(_("评分要点"), max_length=500, blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    scope_rule = ScopeRule(department="round__department")

    class Meta:
        verbose_name = _("评分项")
        verbose_name_plural = _("评分项")
        ordering = ["round", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["round", "key"], name="criterion_key_per_round"),
            models.CheckConstraint(
                condition=models.Q(weight__gte=0) & models.Q(max_score__gt=0),
                name="criterion_weight_and_max",
                violation_error_message="权重不能为负数，满分必须大于 0。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（权重 {self.weight.normalize():f}，满分 {self.max_score.normalize():f}）"


class ReviewItem(models.Model):
    """What is reviewed — a project application, an acceptance, a 揭榜 bid … (any record, by its type and id),
    with the organisations whose experts must stand aside and the field experts are matched on."""

    round = models.ForeignKey(
        ReviewRound, on_delete=models.CASCADE, related_name="items", verbose_name=_("评审轮次")
    )
    content_type = models.ForeignKey(
        "contenttypes.ContentType",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("对象类型"),
    )
    object_id = models.PositiveBigIntegerField(_("对象编号"), null=True, blank=True)
    title = models.CharField(_("名称"), max_length=200)
    organisations = models.JSONField(_("申报及合作单位"), default=list, blank=True)
    discipline = models.ForeignKey(
        Discipline, on_delete=models.PROTECT, related_name="+", verbose_name=_("评审领域")
    )

    scope_rule = ScopeRule(department="round__department")

    class Meta:
        verbose_name = _("评审项目")
        verbose_name_plural = _("评审项目")
        ordering = ["round", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "content_type", "object_id"],
                name="review_item_once_per_round",
                violation_error_message="该记录已在本轮评审中。",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def target(self):
        if self.content_type_id is None:
            return None
        return self.content_type.get_object_for_this_type(pk=self.object_id)


class Declaration(models.TextChoices):
    PENDING = "待声明", _("待声明")
    NONE = "无利益冲突", _("无利益冲突")
    RECUSED = "回避", _("回避")


class Assignment(models.Model):
    """An expert assigned to an item: automatically or by the bureau (with a reason); the expert declares
    no conflict (or recuses) before seeing the item."""

    class Source(models.TextChoices):
        AUTO = "auto", _("自动分配")
        MANUAL = "manual", _("人工指定")

    item = models.ForeignKey(
        ReviewItem, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("评审项目")
    )
    expert = models.ForeignKey(
        Expert, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("专家")
    )
    source = models.CharField(_("分配方式"), max_length=10, choices=Source.choices)
    reason = models.CharField(_("指定原因"), max_length=300, blank=True)
    declaration = models.CharField(
        _("利益冲突声明"), max_length=10, choices=Declaration.choices, default=Declaration.PENDING
    )
    declaration_note = models.CharField(_("回避原因"), max_length=300, blank=True)
    declared_at = models.DateTimeField(_("声明时间"), null=True, blank=True)

    scope_rule = ScopeRule(department="item__round__department", owner="expert__user")

    class Meta:
        verbose_name = _("专家分配")
        verbose_name_plural = _("专家分配")
        ordering = ["item", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "expert"],
                name="assignment_once",
                violation_error_message="该专家已分配到此项目。",
            )
        ]

    def __str__(self) -> str:
        return f"{self.expert.name} 评审 {self.item.title}"

    def get_absolute_url(self) -> str:
        return reverse("reviews:sheet", args=[self.pk])


class Recommendation(models.TextChoices):
    RECOMMEND = "推荐", _("推荐")
    REVISE = "修改后推荐", _("修改后推荐")
    REJECT = "不推荐", _("不推荐")


class ScoreSheet(models.Model):
    """An expert's scores of one item: every criterion, a comment, a recommendation. Locked once submitted."""

    assignment = models.OneToOneField(
        Assignment, on_delete=models.CASCADE, related_name="sheet", verbose_name=_("专家分配")
    )
    scores = models.JSONField(_("各项得分"), default=dict)
    comment = models.TextField(_("评审意见"), max_length=2000, blank=True)
    recommendation = models.CharField(
        _("评审结论"), max_length=10, choices=Recommendation.choices, blank=True
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)

    scope_rule = ScopeRule(department="assignment__item__round__department", owner="assignment__expert__user")

    class Meta:
        verbose_name = _("评分表")
        verbose_name_plural = _("评分表")

    def __str__(self) -> str:
        return f"{self.assignment} 评分表"

    @property
    def submitted(self) -> bool:
        return self.submitted_at is not None
