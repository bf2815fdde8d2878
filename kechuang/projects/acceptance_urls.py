"""结题验收: the registry's pages (acceptances:list, acceptances:detail) and the page's steps."""

from django.urls import path

from . import contract_views
from .contract_registries import AcceptanceRegistry

app_name = "acceptances"

urlpatterns = [
    *AcceptanceRegistry().urls(),
    path("<int:pk>/<slug:step>/", contract_views.acceptance_step, name="step"),
]
