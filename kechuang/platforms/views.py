from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone

from kechuang.core.access import require_capability
from kechuang.org.roles import Capability
from kechuang.org.scope import visible_to

from .models import SERVICE_TYPES, Category, Institution, InstitutionType, Level, active_on_q
from .sheets import InstitutionSheet


@require_capability(Capability.VIEW_PLATFORMS)
def institution_list(request):
    today = timezone.localdate()
    institutions = InstitutionSheet().filter(
        visible_to(request.user, Institution.objects.select_related("town", "host")), request.GET
    )
    category = request.GET.get("category")
    if category == Category.RD:
        institutions = institutions.exclude(institution_type__in=SERVICE_TYPES)
    elif category == Category.SERVICE:
        institutions = institutions.filter(institution_type__in=SERVICE_TYPES)
    if request.GET.get("active") == "1":
        institutions = institutions.filter(active_on_q(today))
    page = Paginator(institutions.order_by("-recognized_on", "name"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "platforms/list.html",
        {
            "page": page,
            "types": InstitutionType.choices,
            "levels": Level.choices,
            "categories": Category.choices,
            "today": today,
            "query": request.GET.urlencode(),
        },
    )
