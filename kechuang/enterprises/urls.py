from django.urls import path

from . import views

app_name = "enterprises"

urlpatterns = [
    path("", views.enterprise_list, name="list"),
    path("new/", views.enterprise_create, name="create"),
    path("reserve/", views.reserve, name="reserve"),
    path("submissions/", views.submission_list, name="submissions"),
    path("submissions/<int:pk>/", views.submission_detail, name="submission"),
    path("submissions/<int:pk>/submit/", views.submission_submit, name="submission_submit"),
    path("<int:pk>/propose/", views.propose_profile, name="propose"),
    path("<int:pk>/years/<int:year>/propose/", views.propose_year, name="propose_year"),
    path("<int:pk>/", views.enterprise_detail, name="detail"),
    path("<int:pk>/edit/", views.enterprise_edit, name="edit"),
    path("<int:pk>/years/<int:year>/", views.year_history, name="year_history"),
    path("<int:pk>/years/<int:year>/edit/", views.year_edit, name="year_edit"),
    path("<int:pk>/qualifications/new/", views.qualification_create, name="qualification_create"),
]
