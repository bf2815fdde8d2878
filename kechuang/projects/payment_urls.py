"""资金拨付: the registry's pages (payments:list, payments:detail; 确认拨付 and 作废 are its panel's)."""

from .contract_registries import PaymentRegistry

app_name = "payments"

urlpatterns = [*PaymentRegistry().urls()]
