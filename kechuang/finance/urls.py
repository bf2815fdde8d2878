from .registries import LoanRegistry

app_name = "loans"

urlpatterns = LoanRegistry().urls()
