"""The user list's filters — the one definition of its query string."""

from django.db.models import Q

from kechuang.core.filtering import CharFilter, FilterSet, NumberFilter


def _search(queryset, text, prefix):
    return queryset.filter(
        Q(**{f"{prefix}username__icontains": text}) | Q(**{f"{prefix}display_name__icontains": text})
    )


def _in_department(queryset, department, prefix):
    return queryset.filter(**{f"{prefix}departments__pk": department}).distinct()


class UserFilter(FilterSet):
    q = CharFilter("用户名或姓名", method=_search)
    department = NumberFilter("所属单位", method=_in_department)
