"""中期检查: the registry's pages (interim-reports:list, and interim-reports:detail, which opens the report's
own page `projects:interim`)."""

from django.shortcuts import redirect
from django.urls import path
from django.views.decorators.http import require_GET

from kechuang.org.roles import Capability
from kechuang.web.access import require_capability

from .registries import InterimReportRegistry

app_name = "interim-reports"

REGISTRY = InterimReportRegistry()


@require_GET
@require_capability(Capability.VIEW_PROJECTS)
def detail(request, pk):
    """The kit's detail URL of a report: its own page (out of scope: 404, as everywhere)."""
    return redirect(REGISTRY.get(request.user, pk).get_absolute_url())


urlpatterns = [
    *[p for p in REGISTRY.urls() if p.name != "detail"],
    path("<int:pk>/", detail, name="detail"),
]
