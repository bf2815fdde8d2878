from .registries import RiskClaimRegistry

app_name = "risk-claims"

urlpatterns = RiskClaimRegistry().urls()
