from django.urls import path

from . import views

app_name = "workflow"
urlpatterns = [
    path("<str:model_label>/<str:pk>/comment/", views.post_comment, name="comment"),
    path("<str:model_label>/<str:pk>/<str:name>/", views.run, name="run"),
]
