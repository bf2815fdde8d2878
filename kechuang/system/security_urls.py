from django.urls import path

from . import otp_views
from . import security_views as views

app_name = "security"

urlpatterns = [
    path("lockouts/", views.lockouts, name="lockouts"),
    path("lockouts/<int:pk>/unlock/", views.unlock, name="unlock"),
    path("second-factor/", otp_views.accounts, name="second_factor"),
    path("second-factor/<int:pk>/reset/", otp_views.reset, name="second_factor_reset"),
]
