"""The voucher pages issue as many queries on ten times the vouchers as on the demo's — the list as the
bureau, the enterprise and the institution, a type's page (its totals and the count of the enterprises it
may still be issued to), an institution's page with what it redeemed and may settle, the 兑付 page and a
voucher's page — while what they show grows with the data."""

import pytest
from django.db import transaction

from kechuang.core.bulkwrite import insert
from kechuang.testing import scaling
from kechuang.vouchers.models import ServiceProvider, Voucher, VoucherType

pytestmark = pytest.mark.django_db

FACTOR = 10


def _more_vouchers(factor: int) -> None:
    """`factor` − 1 copies of every voucher (new numbers, the same holder, type, state and institution)."""
    rows = list(Voucher.objects.order_by("pk").values())
    with transaction.atomic():
        for copy in range(1, factor):
            insert(
                Voucher,
                [
                    {**{k: v for k, v in r.items() if k != "id"}, "number": f"{r['number']}-{copy}"}
                    for r in rows
                ],
            )


def test_voucher_pages_keep_their_queries_at_1x_and_10x(client_as):
    vtype = VoucherType.objects.get(name="科技创新券（研发服务）")
    provider = ServiceProvider.objects.get(users__username="fuwu")
    voucher = Voucher.objects.filter(provider=provider).order_by("pk").first()
    pages = [
        ("list", "kjj", "/vouchers/list/"),
        ("list_enterprise", "qiye", "/vouchers/list/"),
        ("list_institution", "fuwu", "/vouchers/list/"),
        ("flagged", "kjj", "/vouchers/list/?flagged=1"),
        ("type", "kjj", vtype.get_absolute_url()),
        ("type_enterprise", "qiye", vtype.get_absolute_url()),
        ("provider", "kjj", provider.get_absolute_url()),
        ("redeem", "fuwu", "/vouchers/redeem/"),
        ("voucher", "kjj", voucher.get_absolute_url()),
    ]
    clients = {u: client_as(u) for _, u, _ in pages}
    for _, username, url in pages:  # warm caches (session, content types)
        scaling.count_queries(clients[username], url)
    before = {name: scaling.count_queries(clients[u], url) for name, u, url in pages}
    count = Voucher.objects.count()
    _more_vouchers(FACTOR)
    assert Voucher.objects.count() == FACTOR * count
    after = {name: scaling.count_queries(clients[u], url) for name, u, url in pages}

    for name, (_, response, _body) in after.items():
        assert response.status_code == 200, name
    assert {k: v[0] for k, v in after.items()} == {k: v[0] for k, v in before.items()}
    # what they show grew with the data
    shown = {k: v[1].context["page"].paginator.count for k, v in after.items() if k.startswith("list")}
    assert shown == {k: FACTOR * before[k][1].context["page"].paginator.count for k in shown}
    assert (
        after["type"][1].context["totals"]["issued"] == FACTOR * before["type"][1].context["totals"]["issued"]
    )
    verified = len(before["provider"][1].context["verified"])
    assert len(after["provider"][1].context["verified"]) == FACTOR * verified > 0
