from django.urls import path

from . import application_views
from .registries import ProjectRegistry

app_name = "projects"

urlpatterns = [
    *ProjectRegistry().urls(),
    # the applicant's page of an online application, and an application's attachment (download)
    path("<int:pk>/application/", application_views.application, name="application"),
    path("attachments/<int:pk>/", application_views.attachment, name="attachment"),
]
