"""立项公示 for everyone, without login (publicity:list, publicity:detail)."""

from django.urls import path

from . import public_views

app_name = "publicity"

urlpatterns = [
    path("", public_views.public_list, name="list"),
    path("<int:pk>/", public_views.public_detail, name="detail"),
]
