from django.shortcuts import render
from django.utils import timezone

from kechuang.core.filtering import paginate
from kechuang.org.roles import Capability
from kechuang.org.scope import visible_to
from kechuang.web.access import require_capability

from .filters import InstitutionFilter
from .models import Category, Institution, InstitutionType, Level


@require_capability(Capability.VIEW_PLATFORMS)
def institution_list(request):
    filters = InstitutionFilter(
        request.GET, queryset=visible_to(request.user, Institution.objects.select_related("town", "host"))
    )
    page = paginate(request.GET, filters.qs.order_by("-recognized_on", "name"))
    return render(
        request,
        "platforms/list.html",
        {
            "page": page,
            "types": InstitutionType.choices,
            "levels": Level.choices,
            "categories": Category.choices,
            "today": timezone.localdate(),
            "query": filters.query,
        },
    )
