from .registries import ExpertRegistry

app_name = "experts"

urlpatterns = ExpertRegistry().urls()
