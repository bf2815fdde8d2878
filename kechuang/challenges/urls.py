"""榜单: the registry's pages and the list page's actions."""

from django.urls import path

from . import views
from .registries import ChallengeRegistry

app_name = "challenges"

urlpatterns = [
    *ChallengeRegistry().urls(),
    path("<int:pk>/bid/", views.bid, name="bid"),
    path("<int:pk>/accept/", views.accept, name="accept"),
    path("<int:pk>/review/", views.review, name="review"),
    path("<int:pk>/select/", views.select, name="select"),
    path("<int:pk>/objections/", views.objection, name="objection"),
    path("<int:pk>/objections/<int:objection_pk>/resolve/", views.resolve, name="resolve"),
    path("<int:pk>/sign/", views.sign, name="sign"),
    path("<int:pk>/milestones/<int:milestone_pk>/", views.milestone, name="milestone"),
    path("<int:pk>/acceptance/", views.acceptance, name="acceptance"),
    path("<int:pk>/payments/", views.arrange, name="arrange"),
    path("<int:pk>/payments/<int:payment_pk>/pay/", views.pay, name="pay"),
]
