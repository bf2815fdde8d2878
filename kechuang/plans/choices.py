from django.db import models
from django.utils.translation import gettext_lazy as _


class ProgrammeKind(models.TextChoices):
    PROGRAMME = "programme", _("工程")
    SAFEGUARD = "safeguard", _("保障措施")


class TaskStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("未启动")
    IN_PROGRESS = "in_progress", _("推进中")
    DONE = "done", _("已完成")
    DELAYED = "delayed", _("滞后")
    CANCELLED = "cancelled", _("已取消")


class IndicatorKind(models.TextChoices):
    STOCK = "stock", _("存量")
    INCREMENT = "increment", _("增量")
    RATIO = "ratio", _("比率")
    AMOUNT = "amount", _("金额")
    MILESTONE = "milestone", _("里程碑")


class Measurement(models.TextChoices):
    COMPUTED = "computed", _("台账自动计算")
    REPORTED = "reported", _("责任单位填报")


class Comparator(models.TextChoices):
    EQ = "eq", _("达到")
    GTE = "gte", _("以上/不低于")
    GT = "gt", _("突破/超过")
    LTE = "lte", _("以下/不高于")
    LT = "lt", _("低于")
    APPROX = "approx", _("左右")


COMPARATOR_SYMBOL = {"eq": "=", "gte": "≥", "gt": ">", "lte": "≤", "lt": "<", "approx": "≈"}

# How a target reads in Chinese: {v} is the value with its unit.
COMPARATOR_PHRASE = {
    "eq": "{v}",
    "gte": "{v}以上",
    "gt": "超过{v}",
    "lte": "不超过{v}",
    "lt": "低于{v}",
    "approx": "{v}左右",
}
