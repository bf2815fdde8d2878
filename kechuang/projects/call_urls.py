"""申报指南: the registry's pages (calls:list, calls:detail …) and 在线申报 from a call's page."""

from django.urls import path

from . import call_views
from .registries import CallRegistry

app_name = "calls"

urlpatterns = [
    *CallRegistry().urls(),
    path("<int:pk>/apply/", call_views.apply, name="apply"),
    path("<int:pk>/apply-for-unit/", call_views.apply_for_unit, name="apply_for_unit"),  # 代为申报
    path("<int:pk>/review/", call_views.send_to_review, name="review"),
    path("<int:pk>/batches/", call_views.draft_batch, name="draft_batch"),
]
