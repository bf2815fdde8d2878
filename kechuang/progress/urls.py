from django.urls import path

from . import views

app_name = "progress"

urlpatterns = [
    path("cockpit/", views.cockpit_page, name="cockpit"),
    path("targets/<int:pk>/records/", views.target_records, name="target_records"),
]
