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
from kechuang.org.scoperule import ScopeRule

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

    def scope_department(self) -> Department:
        return self.department

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

    def scope_department(self) -> Department:
        return self.expert.department
