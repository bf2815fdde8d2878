"""The voucher pages: each registry's own (prefix and namespace in `apps.py`), the steps posted from a
type's and an institution's page, and a service institution's 兑付 page."""

from django.urls import path

from . import views
from .registries import ServiceProviderRegistry, VoucherRegistry, VoucherTypeRegistry

app_name = "vouchers-redeem"

urlpatterns = [path("redeem/", views.redeem, name="redeem")]

types = (
    [*VoucherTypeRegistry().urls(), path("<int:pk>/<slug:step>/", views.type_step, name="step")],
    "voucher-types",
)
providers = (
    [*ServiceProviderRegistry().urls(), path("<int:pk>/<slug:step>/", views.provider_step, name="step")],
    "voucher-providers",
)
vouchers = (
    [*VoucherRegistry().urls(), path("attachments/<int:pk>/", views.attachment, name="attachment")],
    "vouchers",
)
