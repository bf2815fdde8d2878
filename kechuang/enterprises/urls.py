from django.urls import path

from . import views

app_name = "enterprises"

urlpatterns = [
    path("", views.enterprise_list, name="list"),
    path("new/", views.enterprise_create, name="create"),
    path("reserve/", views.reserve, name="reserve"),
    path("<int:pk>/", views.enterprise_detail, name="detail"),
    path("<int:pk>/edit/", views.enterprise_edit, name="edit"),
    path("<int:pk>/years/<int:year>/", views.year_history, name="year_history"),
    path("<int:pk>/years/<int:year>/edit/", views.year_edit, name="year_edit"),
    path("<int:pk>/qualifications/new/", views.qualification_create, name="qualification_create"),
]
