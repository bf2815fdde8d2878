from .registries import BankRegistry

app_name = "banks"

urlpatterns = BankRegistry().urls()
