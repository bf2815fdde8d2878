"""立项批次: the registry's pages (approval-batches:list, approval-batches:detail) and the batch page's
actions (lines, 公示, objections, 下达)."""

from django.urls import path

from . import batch_views
from .registries import ApprovalBatchRegistry

app_name = "approval-batches"

urlpatterns = [
    *ApprovalBatchRegistry().urls(),
    path("<int:pk>/lines/<int:line_pk>/", batch_views.line, name="line"),
    path("<int:pk>/publish/", batch_views.publish, name="publish"),
    path("<int:pk>/objections/", batch_views.objection_create, name="objection"),
    path(
        "<int:pk>/objections/<int:objection_pk>/resolve/",
        batch_views.objection_resolve,
        name="resolve",
    ),
    path("<int:pk>/decide/", batch_views.decide, name="decide"),
]
