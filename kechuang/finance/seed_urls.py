from .registries import SeedInvestmentRegistry

app_name = "seed-investments"

urlpatterns = SeedInvestmentRegistry().urls()
