"""The audit logs' filters — the one definition of the change and login lists' query strings."""

import ipaddress
from datetime import datetime, time

from django.utils import timezone

from kechuang.audit.models import ChangeEntry, LoginEvent
from kechuang.core.context import Source
from kechuang.core.filtering import CharFilter, ChoiceFilter, DateFilter, FilterSet, NumberFilter


def _moment(day, end: bool):
    return timezone.make_aware(datetime.combine(day, time.max if end else time.min))


def _since(queryset, day, prefix):
    return queryset.filter(**{f"{prefix}time__gte": _moment(day, end=False)})


def _until(queryset, day, prefix):
    return queryset.filter(**{f"{prefix}time__lte": _moment(day, end=True)})


class _Dated(FilterSet):
    since = DateFilter("起始日期", name="from", method=_since)
    until = DateFilter("截止日期", name="to", method=_until)


class ChangeFilter(_Dated):
    actor = CharFilter("操作人", field_name="actor_label", lookup_expr="icontains")
    action = ChoiceFilter("操作", ChangeEntry.Action.values)
    source = ChoiceFilter("来源", [value for value, _ in Source.CHOICES])
    type = NumberFilter("记录类型", field_name="content_type_id")
    object = CharFilter("对象", field_name="object_repr", lookup_expr="icontains", max_length=200)
    request_id = CharFilter("请求编号", max_length=64)


class IpFilter(CharFilter):
    def parse(self, text: str) -> str:
        try:
            return str(ipaddress.ip_address(super().parse(text)))
        except ValueError:
            raise ValueError(f"“{text}”不是有效的 IP 地址") from None


class LoginFilter(_Dated):
    username = CharFilter("用户名", lookup_expr="icontains")
    outcome = ChoiceFilter("结果", LoginEvent.Outcome.values)
    ip = IpFilter("IP 地址", max_length=45)
