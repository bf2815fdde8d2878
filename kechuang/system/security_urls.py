from django.urls import path

from . import security_views as views

app_name = "security"

urlpatterns = [
    path("lockouts/", views.lockouts, name="lockouts"),
    path("lockouts/<int:pk>/unlock/", views.unlock, name="unlock"),
]
