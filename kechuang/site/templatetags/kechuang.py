from decimal import Decimal

from django import template

from kechuang.core.numbers import wan, yuan
from kechuang.plans.models import format_number

register = template.Library()


@register.filter
def num(value):
    """Decimal without trailing zeros: 50.0000 → 50, 1.5500 → 1.55."""
    return format_number(value)


@register.filter
def can(caps, capability):
    return capability in (caps or ())


@register.simple_tag(takes_context=True)
def query_with(context, **changes):
    """The current query string with some parameters replaced (for pagination links)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        params[key] = value
    return params.urlencode()


@register.simple_tag(takes_context=True)
def query_page(context, number, param=""):
    """The current query string turned to page `number` of the list whose page parameter is `param`
    ("page" unless a page holds two lists)."""
    return query_with(context, **{param or "page": number})


_CN_DIGITS = "零一二三四五六七八九十"


@register.filter
def cn_number(value):
    """1 → 一, 7 → 七, 12 → 十二 (programme numbering as the plan writes it)."""
    n = int(value)
    if 0 <= n <= 10:
        return _CN_DIGITS[n]
    if n < 20:
        return "十" + _CN_DIGITS[n - 10]
    if n < 100:
        return _CN_DIGITS[n // 10] + "十" + (_CN_DIGITS[n % 10] if n % 10 else "")
    return str(n)


@register.filter
def get_metric_label(metrics, key):
    metric = metrics.get(key) if metrics else None
    return f"计算：{metric.label}" if metric else "计算"


@register.filter
def type_label(content_type):
    """Chinese name of a record type (ContentType), e.g. 任务."""
    model = content_type.model_class() if content_type else None
    return model._meta.verbose_name if model else getattr(content_type, "model", "")


@register.filter
def get_item(mapping, key):
    return (mapping or {}).get(key)


@register.filter
def attr(obj, name):
    return getattr(obj, name, None)


register.filter("wan", wan)  # 元 → 万元
register.filter("yuan", yuan)  # 元, 1,234.50


@register.filter
def pct(value):
    """A fraction as a percentage: 0.0523 → 5.23%."""
    if value is None or value == "":
        return "—"
    return f"{float(value) * 100:.2f}%"


@register.filter
def ratio(numerator, denominator):
    if numerator is None or not denominator:
        return "—"
    return pct(Decimal(numerator) / Decimal(denominator))


@register.filter
def valid_on(qualification, day):
    return qualification.valid_on(day)
