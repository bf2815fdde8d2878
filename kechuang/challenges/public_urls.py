"""榜单公开 for everyone, without login (public-challenges:list, public-challenges:detail)."""

from django.urls import path

from . import public_views

app_name = "public-challenges"

urlpatterns = [
    path("", public_views.public_list, name="list"),
    path("<int:pk>/", public_views.public_detail, name="detail"),
]
