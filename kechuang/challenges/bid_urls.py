"""揭榜方案: the registry's pages (list, page, edit of a draft)."""

from .registries import BidRegistry

app_name = "challenge-bids"

urlpatterns = [*BidRegistry().urls()]
