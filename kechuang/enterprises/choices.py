from django.db import models
from django.utils.translation import gettext_lazy as _


class HighTechField(models.TextChoices):
    """《国家重点支持的高新技术领域》的八大领域."""

    ELECTRONIC_INFORMATION = "电子信息", _("电子信息")
    BIO_MEDICINE = "生物与新医药", _("生物与新医药")
    AEROSPACE = "航空航天", _("航空航天")
    NEW_MATERIALS = "新材料", _("新材料")
    HIGHTECH_SERVICES = "高技术服务", _("高技术服务")
    NEW_ENERGY = "新能源与节能", _("新能源与节能")
    RESOURCES_ENVIRONMENT = "资源与环境", _("资源与环境")
    ADVANCED_MANUFACTURING = "先进制造与自动化", _("先进制造与自动化")


class SourceChannel(models.TextChoices):
    """How the enterprise came to the district (plan programme 1: 孵化培育、科技人员创办、传统产业改造、科技招商)."""

    INCUBATION = "孵化培育", _("孵化培育")
    FOUNDED_BY_SCIENTISTS = "科技人员创办", _("科技人员创办")
    TRADITIONAL_UPGRADE = "传统产业改造", _("传统产业改造")
    INVESTMENT_ATTRACTION = "科技招商", _("科技招商")


class GrowthStage(models.TextChoices):
    STARTUP = "初创期", _("初创期")
    GROWTH = "成长期", _("成长期")
    EXPANSION = "壮大期", _("壮大期")


class QualificationStatus(models.TextChoices):
    VALID = "valid", _("有效")
    REVOKED = "revoked", _("已撤销")
