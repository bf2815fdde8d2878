"""The project registry's filters — the one definition of the list page's query string."""

from django.db.models import Q

from kechuang.core.filtering import CharFilter, ChoiceFilter, FilterSet, NumberFilter

from .models import Category, Status


def _search(queryset, text, prefix):
    return queryset.filter(
        Q(**{f"{prefix}name__icontains": text})
        | Q(**{f"{prefix}number__icontains": text})
        | Q(**{f"{prefix}unit_name__icontains": text})
        | Q(**{f"{prefix}enterprise__name__icontains": text})
    )


class ProjectFilter(FilterSet):
    year = NumberFilter("申报年度", min_value=1990, max_value=2100)
    category = ChoiceFilter("类别", Category.values)
    status = ChoiceFilter("状态", Status.values)
    department = NumberFilter("所属单位", field_name="department_id")
    q = CharFilter("项目名称、编号或承担单位", method=_search)
