"""What the reviews app's URLs answer each demo role (read by the permission matrix,
`kechuang/site/tests/test_permission_matrix.py`)."""

from kechuang.reviews.models import Assignment, Expert, RoundStatus
from kechuang.testing import samples
from kechuang.testing.permissions import ANONYMOUS, every, only, page, post_only

# the bureau keeps the pool; the demo expert sees only their own record (a sample of someone else: 404)
EXPERT_RECORD = only("kjj", expert=404)
EXPERT_RECORD_API = {"GET": {**EXPERT_RECORD, ANONYMOUS: 401}}
ROUND_API = {"GET": {**only("kjj"), ANONYMOUS: 401}}


def _other_expert():
    return Expert.objects.filter(user=None).order_by("pk").first()


def _open_round():
    return samples.review_round()


def _own_assignment():
    """The demo expert's assignment still waiting for the declaration."""
    return Assignment.objects.filter(
        expert__user__username="expert", item__round__status=RoundStatus.OPEN
    ).first()


SAMPLES = {
    "experts:detail": lambda: {"pk": _other_expert().pk},
    "experts:edit": lambda: {"pk": _other_expert().pk},
    "api:get_experts": lambda: {"record_id": _other_expert().pk},
    "review-rounds:detail": lambda: {"pk": _open_round().pk},
    "review-rounds:edit": lambda: {"pk": _open_round().pk},
    "api:get_review-rounds": lambda: {"record_id": _open_round().pk},
    "reviews:item_create": lambda: {"pk": _open_round().pk},
    "reviews:auto_assign": lambda: {"pk": _open_round().pk},
    "reviews:sheet": lambda: {"pk": _own_assignment().pk},
}

EXPECTED = {
    "experts:list": page(only("kjj", "expert"), post=every(405)),
    "experts:create": page(only("kjj")),
    "experts:detail": page(EXPERT_RECORD, post=every(405)),
    "experts:edit": page(only("kjj")),
    "api:list_experts": {"GET": {**only("kjj", "expert"), ANONYMOUS: 401}},
    "api:get_experts": EXPERT_RECORD_API,
    # rounds: the bureau's
    "review-rounds:list": page(only("kjj"), post=every(405)),
    "review-rounds:create": page(only("kjj")),
    "review-rounds:detail": page(only("kjj"), post=every(405)),
    "review-rounds:edit": page(only("kjj")),
    "api:list_review-rounds": ROUND_API,
    "api:get_review-rounds": ROUND_API,
    # an open round takes no new item (refused with the reason on the page) but refills places
    "reviews:item_create": post_only(only("kjj", code=400)),
    "reviews:auto_assign": post_only(only("kjj", code=302)),
    # the expert's side: only experts; a sheet only its own expert's (an empty POST: the form again)
    "reviews:mine": page(only("expert")),
    "reviews:sheet": page(only("expert"), post=only("expert", code=400)),
}
