from django.urls import path

from . import otp_views as views

app_name = "otp"

urlpatterns = [
    path("", views.verify, name="verify"),
    path("setup/", views.setup, name="setup"),
    path("disable/", views.disable, name="disable"),
]
