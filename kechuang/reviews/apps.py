from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    """专家评审: the expert pool (fields, organisation, availability, declared conflicts, the 评审专家 account),
    and the review mechanism shared by project applications, acceptances, 揭榜 bids, funding applications
    and award nominations: rounds with weighted criteria, assignment with conflict rules, score sheets and
    their exact aggregation (`aggregate.py`, docs/REVIEW.md)."""

    name = "kechuang.reviews"
    label = "reviews"
    verbose_name = "专家评审"
    demo_order = 25  # the pool before the projects, whose demo puts its applications under review
    url_modules = [
        ("", "kechuang.reviews.urls.registry_urls"),
        ("reviews/", "kechuang.reviews.urls"),
    ]

    def ready(self):
        from . import todos  # noqa: F401  (the experts' 我的待办)
