from django.urls import path

from . import views
from .registries import EnterpriseRegistry, EnterpriseYearRegistry, QualificationRegistry

app_name = "enterprises"

urlpatterns = [
    *EnterpriseRegistry().urls(),
    path("reserve/", views.reserve, name="reserve"),
    path("superdeduction/", views.superdeduction, name="superdeduction"),
    path("superdeduction/export.xlsx", views.superdeduction_export, name="superdeduction_export"),
    path("submissions/", views.submission_list, name="submissions"),
    path("submissions/<int:pk>/", views.submission_detail, name="submission"),
    path("submissions/<int:pk>/submit/", views.submission_submit, name="submission_submit"),
    path("<int:pk>/propose/", views.propose_profile, name="propose"),
    path("<int:pk>/years/<int:year>/propose/", views.propose_year, name="propose_year"),
    path("<int:pk>/years/<int:year>/", views.year_history, name="year_history"),
]

# the yearly data and the qualifications, each a registry of its own (its own URL namespace)
years = (EnterpriseYearRegistry().urls(), "enterprise-years")
qualifications = (QualificationRegistry().urls(), "qualifications")
