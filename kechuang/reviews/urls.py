from django.urls import include, path

from . import views
from .registries import ExpertRegistry, ReviewRoundRegistry

app_name = "reviews"

# the registries' own namespaces (experts:list, review-rounds:detail …)
registry_urls = [
    path("experts/", include((ExpertRegistry().urls(), "experts"))),
    path("reviews/rounds/", include((ReviewRoundRegistry().urls(), "review-rounds"))),
]

urlpatterns = [
    path("mine/", views.mine, name="mine"),
    path("assignments/<int:pk>/", views.sheet, name="sheet"),
    path("rounds/<int:pk>/items/new/", views.item_create, name="item_create"),
    path("rounds/<int:pk>/assign/", views.auto_assign, name="auto_assign"),
]
