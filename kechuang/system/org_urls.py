from django.urls import include, path

from . import org_views as views
from .registries import DepartmentRegistry, UserRegistry

app_name = "org"

# the registries' own namespaces (users:list, departments:detail …), under /org/ beside the pages below
registry_urls = [
    path("departments/", include((DepartmentRegistry().urls(), "departments"))),
    path("users/", include((UserRegistry().urls(), "users"))),
]

urlpatterns = [
    path("users/<int:pk>/password/", views.user_password, name="user_password"),
    path("users/<int:pk>/grants/new/", views.grant_create, name="grant_create"),
    path("grants/<int:pk>/revoke/", views.grant_revoke, name="grant_revoke"),
    path("profile/", views.profile, name="profile"),
    path("profile/tokens/new/", views.token_create, name="token_create"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
]
