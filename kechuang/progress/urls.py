from django.urls import path

from . import views

app_name = "progress"

urlpatterns = [
    path("cockpit/", views.cockpit_page, name="cockpit"),
    path("rounds/", views.round_list, name="rounds"),
    path("rounds/<int:pk>/", views.round_detail, name="round"),
    path("reports/<int:pk>/", views.report_detail, name="report"),
    path("values/<int:pk>/evidence/", views.evidence, name="evidence"),
    path("notifications/", views.notifications, name="notifications"),
    path("targets/<int:pk>/records/", views.target_records, name="target_records"),
]
