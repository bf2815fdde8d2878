from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    """专家评审: the expert review shared by project applications, acceptances, challenge bids, funding
    applications and award nominations — expert pool, review rounds, assignment and score sheets. The
    figures of a round (sheet totals, conflicts, means, trimmed means, z-scores, ranking) are computed by
    `aggregate.py`, pure Python that the models and the `review rank` command both call (docs/REVIEW.md)."""

    name = "kechuang.reviews"
    label = "reviews"
    verbose_name = "专家评审"
