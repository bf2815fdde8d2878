from django.urls import path

from . import views

app_name = "tabular"

urlpatterns = [
    path("<slug:key>/", views.sheet_home, name="sheet"),
    path("<slug:key>/template.xlsx", views.template_download, name="template"),
    path("<slug:key>/export.xlsx", views.export_download, name="export"),
    path("<slug:key>/upload/", views.upload, name="upload"),
    path("jobs/<int:pk>/", views.job_detail, name="job"),
    path("jobs/<int:pk>/status/", views.job_status, name="job_status"),
    path("jobs/<int:pk>/commit/", views.job_commit, name="job_commit"),
    path("jobs/<int:pk>/discard/", views.job_discard, name="job_discard"),
    path("jobs/<int:pk>/retry/", views.job_retry, name="job_retry"),
    path("jobs/<int:pk>/take-over/", views.job_take_over, name="job_take_over"),
    path("jobs/<int:pk>/errors.xlsx", views.job_errors, name="job_errors"),
]
