"""The budget-execution page and API, a 免申即享 list's page and the instrument's page issue as many
queries on ten times the data as on the demo's: ten times the district's enterprises and yearly rows
(`testing/scaling.grow`), the list computed again over them, ten times the grants and payments, and more
budget years on the instrument."""

from decimal import Decimal

import pytest
from django.db import transaction

from kechuang.core.bulkwrite import insert
from kechuang.policies import exempt, views
from kechuang.policies.models import Budget, Disbursement, Grant, Instrument
from kechuang.testing import scaling

pytestmark = pytest.mark.django_db

FACTOR = 10


def _pages(round_, instrument):
    return [
        ("budget", "/policies/budget/?year=2021"),
        ("budget_api", "/api/v1/policies/budget?year=2021"),
        ("round", round_.get_absolute_url()),
        ("instrument", instrument.get_absolute_url()),
    ]


def _more_grants_and_payments(factor: int) -> None:
    """`factor` − 1 copies of every grant (new ones of the same enterprise) and of its payments (new
    vouchers)."""
    grants = list(Grant.objects.order_by("pk").values())
    payments = list(Disbursement.objects.order_by("pk").values())
    of_grant: dict[int, list[dict]] = {}
    for p in payments:
        of_grant.setdefault(p["grant_id"], []).append(p)
    with transaction.atomic():
        for copy in range(1, factor):
            rows = [{k: v for k, v in g.items() if k not in ("id", "benefit_line_id")} for g in grants]
            ids = insert(Grant, rows)
            new = []
            for new_id, g in zip(ids, grants, strict=True):
                for p in of_grant.get(g["id"], ()):
                    row = {k: v for k, v in p.items() if k != "id"}
                    new.append({**row, "grant_id": new_id, "voucher": f"{p['voucher']}-{copy}"})
            insert(Disbursement, new)


def test_policy_pages_keep_their_queries_at_1x_and_10x(client_as, user):
    instrument = Instrument.objects.get(name="研发投入补助")
    round_ = exempt.compute(user("kjj"), instrument, data_year=2023, budget_year=2024)
    client = client_as("kjj")
    pages = _pages(round_, instrument)
    for _, url in pages:  # warm caches (session, content types)
        scaling.count_queries(client, url)
    before = {name: scaling.count_queries(client, url) for name, url in pages}
    lines = round_.lines.count()
    grants, payments = Grant.objects.count(), Disbursement.objects.count()
    assert lines > 100 and grants and payments

    scaling.grow(FACTOR)
    round_ = exempt.compute(user("kjj"), instrument, data_year=2023, budget_year=2024)
    _more_grants_and_payments(FACTOR)
    with transaction.atomic():
        last = max(instrument.budgets.values_list("year", flat=True))
        for year in range(last + 1, last + 1 + 4):
            Budget.objects.create(instrument=instrument, year=year, amount=Decimal(1_000_000))
    after = {name: scaling.count_queries(client, url) for name, url in pages}

    assert round_.lines.count() == FACTOR * lines
    assert Grant.objects.count() == FACTOR * grants and Disbursement.objects.count() == FACTOR * payments
    assert {k: v[0] for k, v in after.items()} == {k: v[0] for k, v in before.items()}
    # what they show grew with the data
    assert after["budget_api"][1].json()["paid"] == FACTOR * before["budget_api"][1].json()["paid"]
    listed = before["round"][1].context["listed_count"]
    assert after["round"][1].context["listed_count"] == FACTOR * listed
    assert len(after["round"][1].context["listed"]) == min(FACTOR * listed, views.ROUND_PAGE)  # one page
    assert len(after["instrument"][1].context["budget_rows"]) == 4 + len(
        before["instrument"][1].context["budget_rows"]
    )
