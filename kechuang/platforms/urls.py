from .registries import InstitutionRegistry

app_name = "platforms"

urlpatterns = InstitutionRegistry().urls()
