"""What the 揭榜挂帅 URLs answer each demo role (read by the permission matrix,
`kechuang/site/tests/test_permission_matrix.py`).

A published list is read by every holder of challenges.view (the bureau, the leader, enterprises and
service institutions; not the units' reporters, experts or the three administrators); its actions are the
bureau's. A bid is read by its bidder, the bureau and — the winning one — the need's owner."""

from kechuang.challenges import bidding
from kechuang.challenges.demo import OPEN, PAID
from kechuang.challenges.models import Bid, BidStatus, Challenge, Status
from kechuang.org.models import User
from kechuang.testing import samples
from kechuang.testing.permissions import (
    ANONYMOUS,
    every,
    only,
    page,
    post_only,
)

READERS = ("kjj", "leader", "qiye", "fuwu")  # challenges.view
NOT_READERS = {r: 403 for r in ("sysadmin", "anquan", "shenji", "jxw", "tjj", "hanfeng", "expert")}


def _paid():
    return Challenge.objects.get(title=PAID["title"])


def _open():
    return Challenge.objects.get(title=OPEN["title"])


def _draft():
    """A need of the demo enterprise still in draft (made once for the pages that edit one)."""
    found = Challenge.objects.filter(status=Status.DRAFT, enterprise=samples.qiye_enterprise()).first()
    if found is None:
        source = _open()
        found = Challenge.objects.create(
            year=source.year,
            title="待提交的技术需求",
            enterprise=source.enterprise,
            department=source.department,
            discipline=source.discipline,
            goal=source.goal,
            indicators=source.indicators,
            co_funding=source.co_funding,
            support=source.support,
            deadline=source.deadline,
        )
    return found


def _draft_bid():
    """The demo service institution's draft bid on the open list."""
    return bidding.start(User.objects.get(username="fuwu"), _open())


def _milestone():
    return _paid().project.task_book.milestones.order_by("sequence").first()


def _payment():
    return _paid().project.payments.order_by("pk").first()


def _losing_bid():
    return Bid.objects.filter(challenge=_paid(), status=BidStatus.UNSUCCESSFUL).get()


PUBLIC = {"GET": {**every(200), ANONYMOUS: 200}, "POST": {**every(405), ANONYMOUS: 405}}
LIST_API = {"GET": {**only(*READERS), ANONYMOUS: 401}}
BUREAU_POST = post_only(only("kjj", code=302, **NOT_READERS, leader=403, qiye=403, fuwu=403))
BUREAU_FORM = post_only(only("kjj", code=400, **NOT_READERS, leader=403, qiye=403, fuwu=403))

SAMPLES = {
    "challenges:detail": lambda: {"pk": _paid().pk},
    "challenges:detail[open]": lambda: {"pk": _open().pk},
    "challenges:detail[draft]": lambda: {"pk": _draft().pk},
    "challenges:edit": lambda: {"pk": _draft().pk},
    "challenges:bid": lambda: {"pk": _open().pk},
    "challenges:accept": lambda: {"pk": _paid().pk},
    "challenges:review": lambda: {"pk": _open().pk},
    "challenges:select": lambda: {"pk": _paid().pk},
    "challenges:objection": lambda: {"pk": _paid().pk},
    "challenges:resolve": lambda: {"pk": _paid().pk, "objection_pk": 1},
    "challenges:sign": lambda: {"pk": _paid().pk},
    "challenges:milestone": lambda: {"pk": _paid().pk, "milestone_pk": _milestone().pk},
    "challenges:acceptance": lambda: {"pk": _paid().pk},
    "challenges:arrange": lambda: {"pk": _paid().pk},
    "challenges:pay": lambda: {"pk": _paid().pk, "payment_pk": _payment().pk},
    "challenge-bids:detail": lambda: {"pk": _paid().winner_id},
    "challenge-bids:detail[losing]": lambda: {"pk": _losing_bid().pk},
    "challenge-bids:edit": lambda: {"pk": _draft_bid().pk},
    "public-challenges:detail": lambda: {"pk": _open().pk},
    "public-challenges:detail[signed]": lambda: {"pk": _paid().pk},
    "api:get_challenges": lambda: {"record_id": _paid().pk},
    "api:get_challenge-bids": lambda: {"record_id": _paid().winner_id},
}

EXPECTED = {
    "challenges:list": page(only(*READERS), post=every(405)),
    # posting a need: enterprises only (the form shown again with its errors on an empty POST)
    "challenges:create": page(only("qiye")),
    "challenges:detail": page(only(*READERS), post=every(405)),
    "challenges:detail[open]": page(only(*READERS), post=every(405)),
    # a draft: its enterprise and the bureau; others who read lists do not find it
    "challenges:detail[draft]": page(only("kjj", "leader", "qiye", others=403, fuwu=404), post=every(405)),
    "challenges:edit": page(only("qiye", others=403)),
    # 我要揭榜: bidders; the owner is refused on the page (302 with a message); fuwu starts its draft (302)
    "challenges:bid": post_only(only("qiye", "fuwu", code=302)),
    # the bureau's actions: an empty form shown again (400) or sent back with a message (302)
    "challenges:accept": BUREAU_FORM,
    "challenges:review": BUREAU_FORM,
    "challenges:select": BUREAU_POST,
    "challenges:objection": BUREAU_FORM,
    "challenges:resolve": post_only(only("kjj", code=404, **NOT_READERS, leader=403, qiye=403, fuwu=403)),
    "challenges:sign": BUREAU_FORM,
    "challenges:milestone": BUREAU_POST,
    "challenges:acceptance": BUREAU_FORM,
    "challenges:arrange": BUREAU_FORM,
    "challenges:pay": BUREAU_POST,
    "challenge-bids:list": page(only(*READERS), post=every(405)),
    # the winning bid: its bidder, the bureau and the need's owner; the losing one: not the owner
    "challenge-bids:detail": page(only("kjj", "leader", "qiye", "fuwu", others=403), post=every(405)),
    "challenge-bids:detail[losing]": page(
        only("kjj", "leader", others=403, qiye=404, fuwu=404), post=every(405)
    ),
    "challenge-bids:edit": page(only("fuwu", others=403, qiye=404)),
    "public-challenges:list": PUBLIC,
    "public-challenges:detail": PUBLIC,
    "public-challenges:detail[signed]": PUBLIC,
    "api:list_challenges": LIST_API,
    "api:get_challenges": {"GET": {**only(*READERS), ANONYMOUS: 401}},
    "api:list_challenge-bids": LIST_API,
    "api:get_challenge-bids": {"GET": {**only("kjj", "leader", "qiye", "fuwu", others=403), ANONYMOUS: 401}},
}
