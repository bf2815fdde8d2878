from django.urls import path

from . import application_views, contract_views, interim_views
from .registries import ProjectRegistry

app_name = "projects"

urlpatterns = [
    *ProjectRegistry().urls(),
    # the applicant's page of an online application, and an application's attachment (download)
    path("<int:pk>/application/", application_views.application, name="application"),
    path("attachments/<int:pk>/", application_views.attachment, name="attachment"),
    # after 立项: the unit starts its acceptance, the bureau arranges a payment (from the project's page)
    path("<int:pk>/acceptance/", contract_views.acceptance_start, name="acceptance_start"),
    path("<int:pk>/payments/", contract_views.payment_arrange, name="payment_arrange"),
    # --- 中期检查: the page of one interim report (the unit's form, the bureau's verdict) ---
    path("interim/<int:pk>/", interim_views.report_page, name="interim"),
    # --- end of 中期检查 ---
]
