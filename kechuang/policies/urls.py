"""The policy pages: each registry's own (prefix and namespace in `apps.py`), the steps posted from a
record's page, the budget execution page."""

from django.urls import path

from . import application_views, views
from .registries import (
    ApplicationWindowRegistry,
    BenefitRoundRegistry,
    DisbursementRegistry,
    GrantRegistry,
    InstrumentRegistry,
    PolicyApplicationRegistry,
    PolicyDocumentRegistry,
)

app_name = "policies"

urlpatterns = [
    path("budget/", views.budget_page, name="budget"),
    path("mine/", views.mine, name="mine"),
]

documents = (PolicyDocumentRegistry().urls(), "policy-documents")
instruments = (
    [
        *InstrumentRegistry().urls(),
        path("<int:pk>/<slug:step>/", views.instrument_step, name="step"),
    ],
    "policy-instruments",
)
rounds = (
    [
        *BenefitRoundRegistry().urls(),
        path("<int:pk>/lines/<int:line_pk>/<slug:step>/", views.line_step, name="line"),
        path("<int:pk>/<slug:step>/", views.round_step, name="step"),
    ],
    "benefit-rounds",
)
grants = (
    [
        *GrantRegistry().urls(),
        path("<int:pk>/<slug:step>/", views.grant_step, name="step"),
    ],
    "grants",
)
disbursements = (DisbursementRegistry().urls(), "disbursements")
windows = (
    [
        *ApplicationWindowRegistry().urls(),
        path("<int:pk>/apply/", application_views.start, name="apply"),
        path("<int:pk>/objections/<int:objection_pk>/", application_views.resolve, name="resolve"),
        path("<int:pk>/<slug:step>/", application_views.window_step, name="step"),
    ],
    "application-windows",
)
applications = (
    [
        *PolicyApplicationRegistry().urls(),
        path("attachments/<int:pk>/", application_views.attachment, name="attachment"),
        path("<int:pk>/<slug:step>/", application_views.application_step, name="step"),
    ],
    "policy-applications",
)
