from django.urls import path

from . import audit_views as views

app_name = "audit"

urlpatterns = [
    path("changes/", views.change_list, name="changes"),
    path("changes/<int:pk>/", views.change_detail, name="change"),
    path("logins/", views.login_list, name="logins"),
    path("personal/", views.personal_view_list, name="personal_views"),
]
