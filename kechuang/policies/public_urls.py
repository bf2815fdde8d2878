"""The policies for everyone, without login (public-policies:list, public-policies:detail)."""

from django.urls import path

from . import public_views

app_name = "public-policies"

urlpatterns = [
    path("", public_views.public_list, name="list"),
    path("<int:pk>/", public_views.public_detail, name="detail"),
    path("notices/<int:pk>/", public_views.public_notice, name="notice"),
]
