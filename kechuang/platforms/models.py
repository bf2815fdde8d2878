"""科技创新平台提升工程 (programme 2): R&D institutions and S&T service institutions with their
recognitions (level and dates), the registry behind the plan's platform targets."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kechuang.enterprises.models import Enterprise
from kechuang.org.models import Department
from kechuang.org.scoperule import ScopeRule


class Category(models.TextChoices):
    RD = "rd", _("研发机构")
    SERVICE = "service", _("科技服务机构")


class InstitutionType(models.TextChoices):
    ENTERPRISE_TECH_CENTRE = "企业技术中心", _("企业技术中心")
    ENGINEERING_CENTRE = "工程技术研究中心", _("工程技术研究中心")
    KEY_LAB = "重点实验室", _("重点实验室")
    NEW_TYPE_RD = "新型研发机构", _("新型研发机构")
    INNOVATION_CENTRE = "创新中心", _("产业/技术/制造业创新中心")
    INDUSTRY_INSTITUTE = "产业技术研究院", _("产业技术研究院")
    RD_OTHER = "其他研发机构", _("其他研发机构")
    TECH_TRANSFER = "技术转移机构", _("技术转移机构")
    TESTING = "检验检测机构", _("检验检测机构")
    IP_SERVICE = "知识产权服务机构", _("知识产权服务机构")
    INCUBATOR = "孵化载体", _("孵化器/众创空间/星创天地")
    SERVICE_OTHER = "其他科技服务机构", _("其他科技服务机构")


SERVICE_TYPES = {
    InstitutionType.TECH_TRANSFER,
    InstitutionType.TESTING,
    InstitutionType.IP_SERVICE,
    InstitutionType.INCUBATOR,
    InstitutionType.SERVICE_OTHER,
}


class Level(models.TextChoices):
    NATIONAL = "国家级", _("国家级")
    MUNICIPAL = "市级", _("市级")
    DISTRICT = "区级", _("区级")


class Institution(models.Model):
    """A platform recognised at some level: when it was recognised, and (if so) when it lost it."""

    name = models.CharField(_("名称"), max_length=200)
    institution_type = models.CharField(_("类型"), max_length=20, choices=InstitutionType.choices)
    level = models.CharField(_("级别"), max_length=10, choices=Level.choices)
    town = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="institutions", verbose_name=_("所在镇乡街道")
    )
    host = models.ForeignKey(
        Enterprise,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="institutions",
        verbose_name=_("依托单位"),
    )
    independent = models.BooleanField(_("独立法人"), default=False)
    recognized_on = models.DateField(_("认定日期"))
    revoked_on = models.DateField(_("撤销/摘牌日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)

    scope_rule = ScopeRule(department="town", owner="host__users")

    class Meta:
        verbose_name = _("科技创新平台")
        verbose_name_plural = _("科技创新平台")
        ordering = ["-recognized_on", "name"]
        constraints = [
            models.UniqueConstraint(fields=["name", "institution_type", "level"], name="institution_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.level}{self.institution_type}）"

    def get_absolute_url(self) -> str:
        return reverse("platforms:detail", args=[self.pk])

    def clean(self) -> None:
        if self.revoked_on and self.recognized_on and self.revoked_on <= self.recognized_on:
            raise ValidationError({"revoked_on": "撤销日期必须晚于认定日期。"})

    @property
    def revoked(self) -> bool:
        """Revoked by today (a revocation still ahead leaves the platform valid until then)."""
        return self.revoked_on is not None and self.revoked_on <= timezone.localdate()

    @property
    def category(self) -> str:
        return Category.SERVICE if self.institution_type in SERVICE_TYPES else Category.RD

    def scope_department(self) -> Department:
        return self.town


def active_on_q(day: date) -> Q:
    return Q(recognized_on__lte=day) & (Q(revoked_on__isnull=True) | Q(revoked_on__gt=day))
