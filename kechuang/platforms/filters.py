"""The platform registry's filters — the one definition used by the list page and the 科技创新平台 export."""

from django.utils import timezone

from kechuang.core.filtering import BooleanFilter, ChoiceFilter, FilterSet, IdListFilter

from .models import SERVICE_TYPES, Category, InstitutionType, Level, active_on_q


def _category(queryset, category, prefix):
    types = {f"{prefix}institution_type__in": SERVICE_TYPES}
    return queryset.filter(**types) if category == Category.SERVICE else queryset.exclude(**types)


def _active(queryset, active, prefix):
    """Recognised and not revoked today (or, with 0, the others)."""
    today = active_on_q(timezone.localdate())
    return queryset.filter(today) if active else queryset.exclude(today)


class InstitutionFilter(FilterSet):
    category = ChoiceFilter("类别", Category.values, method=_category)
    type = ChoiceFilter("类型", InstitutionType.values, field_name="institution_type")
    level = ChoiceFilter("级别", Level.values)
    active = BooleanFilter("仅现有效", method=_active)
    ids = IdListFilter("平台编号")
