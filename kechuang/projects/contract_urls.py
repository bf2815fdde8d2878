"""任务书: the registry's pages (task-books:list, task-books:detail) and the page's steps."""

from django.urls import path

from . import contract_views
from .contract_registries import TaskBookRegistry

app_name = "task-books"

urlpatterns = [
    *TaskBookRegistry().urls(),
    path("<int:pk>/milestones/<int:milestone_pk>/check/", contract_views.milestone_check, name="check"),
    path("<int:pk>/<slug:step>/", contract_views.task_book_step, name="step"),
]
