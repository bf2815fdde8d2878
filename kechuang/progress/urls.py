from django.urls import path

from . import views

app_name = "progress"

urlpatterns = [
    path("targets/<int:pk>/records/", views.target_records, name="target_records"),
]
