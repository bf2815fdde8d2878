"""The daily reminders of the review (part of `kechuang reminders`): an expert with work not done in an open
round — a declaration or a sheet not submitted — is reminded three days before the deadline and on the
day; the organisers are told of sheets still missing once the deadline has passed."""

from datetime import date

from django.urls import reverse

from kechuang.workflow.notify import notify

DAYS_BEFORE = 3


def remind_reviewers(as_of: date) -> dict:
    from kechuang.org.roles import Capability
    from kechuang.org.scope import holders, may_act_on

    from .models import Assignment, Declaration, ReviewRound, RoundStatus

    counts = {"review_due": 0, "review_late": 0}
    undone = (
        Assignment.objects.filter(item__round__status=RoundStatus.OPEN)
        .exclude(declaration=Declaration.RECUSED)
        .exclude(sheet__submitted_at__isnull=False)
        .select_related("item__round", "expert__user")
    )
    for row in undone:
        review_round = row.item.round
        if row.expert.user is None:
            continue
        left = (review_round.deadline - as_of).days
        if left in (DAYS_BEFORE, 0):
            when = "今天截止" if left == 0 else f"将于 {review_round.deadline:%Y-%m-%d} 截止"
            counts["review_due"] += notify(
                [row.expert.user],
                "review_due",
                f"review:{row.pk}:{left}",
                f"“{review_round}”的评审{when}，您还有评分表未提交",
                reverse("reviews:mine"),
            )
    late = ReviewRound.objects.filter(status=RoundStatus.OPEN, deadline__lt=as_of)
    for review_round in late:
        missing = undone.filter(item__round=review_round).count()
        if not missing:
            continue
        organisers = [
            u
            for u in holders(Capability.MANAGE_REVIEWS)
            if may_act_on(u, review_round, Capability.MANAGE_REVIEWS)
        ]
        counts["review_late"] += notify(
            organisers,
            "review_late",
            f"review-round:{review_round.pk}:{as_of:%Y-%m-%d}",
            f"“{review_round}”已过截止日期（{review_round.deadline:%Y-%m-%d}），仍有 {missing} 份评分表未提交",
            review_round.get_absolute_url(),
        )
    return counts
