"""The audit logs' filters — the one definition of the change and login lists' query strings (on the
registry kit's FilterSet, like every list)."""

import ipaddress
from datetime import datetime, time

from django.utils import timezone

from kechuang.audit.models import ChangeEntry, LoginEvent, PersonalDataView
from kechuang.core.context import Source
from kechuang.web import filters


def _moment(day, end: bool):
    return timezone.make_aware(datetime.combine(day, time.max if end else time.min))


# `from` and `to` are the query's names (a Python keyword cannot be a class attribute: declared by name)
_Dated = type(
    "_Dated",
    (filters.RegistryFilterSet,),
    {
        "from": filters.DateFilter(
            label="起始日期", method=lambda qs, name, day: qs.filter(time__gte=_moment(day, end=False))
        ),
        "to": filters.DateFilter(
            label="截止日期", method=lambda qs, name, day: qs.filter(time__lte=_moment(day, end=True))
        ),
        "Meta": type("Meta", (), {"model": ChangeEntry, "fields": []}),
    },
)


class ChangeFilter(_Dated):
    actor = filters.TextFilter(field_name="actor_label", lookup_expr="icontains", label="操作人")
    action = filters.ChoiceFilter(field_name="action", choices=ChangeEntry.Action.choices, label="操作")
    source = filters.ChoiceFilter(field_name="source", choices=Source.CHOICES, label="来源")
    type = filters.NumberFilter(field_name="content_type_id", min_value=1, label="记录类型")
    object = filters.TextFilter(
        field_name="object_repr", lookup_expr="icontains", max_length=200, label="对象"
    )
    request_id = filters.TextFilter(field_name="request_id", max_length=64, label="请求编号")

    class Meta:
        model = ChangeEntry
        fields = []


def _ip(text: str) -> str:
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        raise ValueError(f"“{text}”不是有效的 IP 地址") from None


class IpFilter(filters.TextFilter):
    def get_parser(self):
        check = super().get_parser()
        return lambda text: _ip(check(text))


class LoginFilter(_Dated):
    username = filters.TextFilter(field_name="username", lookup_expr="icontains", label="用户名")
    outcome = filters.ChoiceFilter(field_name="outcome", choices=LoginEvent.Outcome.choices, label="结果")
    ip = IpFilter(field_name="ip", max_length=45, label="IP 地址")

    class Meta:
        model = LoginEvent
        fields = []


class PersonalViewFilter(_Dated):
    actor = filters.TextFilter(field_name="actor_label", lookup_expr="icontains", label="查看人")
    type = filters.NumberFilter(field_name="content_type_id", min_value=1, label="记录类型")
    object = filters.TextFilter(
        field_name="object_repr", lookup_expr="icontains", max_length=200, label="对象"
    )
    ip = IpFilter(field_name="ip", max_length=45, label="IP 地址")

    class Meta:
        model = PersonalDataView
        fields = []
