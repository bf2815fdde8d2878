"""The enterprise registry's filters — the one definition used by the list page and by the exports of
企业名录, 企业年度数据 and 企业资质 (the latter two by the same parameters, through `enterprise__`)."""

from django.db.models import Q
from django.utils import timezone

from kechuang.core.filtering import (
    CharFilter,
    ChoiceFilter,
    FilterSet,
    IdListFilter,
    NumberFilter,
)

from .choices import GrowthStage, HighTechField, SourceChannel
from .models import Qualification, QualificationKind, valid_on_q


def _search(queryset, text, prefix):
    return queryset.filter(
        Q(**{f"{prefix}name__icontains": text}) | Q(**{f"{prefix}credit_code__icontains": text.upper()})
    )


def _holding(queryset, code, prefix):
    """Enterprises holding a valid qualification of kind `code` today."""
    holders = Qualification.objects.filter(valid_on_q(timezone.localdate()), kind__code=code)
    return queryset.filter(**{f"{prefix}pk__in": holders.values("enterprise_id")})


def _kind_codes():
    return QualificationKind.objects.order_by("sort_order").values_list("code", flat=True)


class EnterpriseFilter(FilterSet):
    q = CharFilter("企业名称或信用代码", method=_search)
    town = NumberFilter("镇乡街道", field_name="town_id")
    field = ChoiceFilter("技术领域", HighTechField.values, field_name="hightech_field")
    channel = ChoiceFilter("来源渠道", SourceChannel.values, field_name="source_channel")
    stage = ChoiceFilter("成长阶段", GrowthStage.values)
    qualification = ChoiceFilter("有效资质", _kind_codes, method=_holding)
    ids = IdListFilter("企业编号")


class EnterpriseYearFilter(FilterSet):
    related = {"enterprise": EnterpriseFilter}
    year = NumberFilter("年度", min_value=1990, max_value=2100)


class QualificationFilter(FilterSet):
    related = {"enterprise": EnterpriseFilter}
    kind = ChoiceFilter("资质", _kind_codes, field_name="kind__code")
