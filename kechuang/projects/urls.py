from .registries import ProjectRegistry

app_name = "projects"

urlpatterns = ProjectRegistry().urls()
