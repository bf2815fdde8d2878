"""What the finance app's URLs answer each demo role (read by the permission matrix,
`kechuang/site/tests/test_permission_matrix.py`): SAMPLES fill a URL's arguments with a demo record, EXPECTED
holds the answers per method and role. A URL of this app without an entry fails the matrix."""

from kechuang.finance.models import Bank, Loan, RiskClaim, SeedInvestment
from kechuang.testing.permissions import (
    ADMINS_403,
    ANONYMOUS,
    REGISTRY_LIST_API,
    REGISTRY_VIEWERS,
    endpoint,
    every,
    only,
    page,
)

# the sample loan is the demo enterprise account's own, in 汉丰街道: the bureau, the town, the leader and
# the enterprise see it; the other units' reporters see none of the towns' records
LOAN_SEERS = ("kjj", "hanfeng", "leader", "qiye")
# claims and the teams' seed investments in 汉丰街道: no enterprise account owns them
TOWN_SEERS = ("kjj", "hanfeng", "leader")
HIDDEN = {"jxw": 404, "tjj": 404}


def _record(seers, hidden):
    return {**only(*seers, others=404, expert=403, fuwu=403, **ADMINS_403), **hidden}


def _record_api(seers, hidden):
    return {
        "GET": {**_record(seers, hidden), ANONYMOUS: 401},
        "PATCH": {**every(422), ANONYMOUS: 401},
    }


def _loan():
    return Loan.objects.filter(enterprise__users__username="qiye").order_by("pk").first()


def _claim():
    return (
        RiskClaim.objects.filter(loan__enterprise__town__name="汉丰街道", status="申请")
        .order_by("pk")
        .first()
    )


def _seed():
    return (
        SeedInvestment.objects.filter(town__name="汉丰街道", enterprise__isnull=True).order_by("pk").first()
    )


def _bank():
    return Bank.objects.order_by("pk").first()


SAMPLES = {
    "loans:detail": lambda: {"pk": _loan().pk},
    "loans:edit": lambda: {"pk": _loan().pk},
    "loans:delete": lambda: {"pk": _loan().pk},
    "api:get_loans": lambda: {"record_id": _loan().pk},
    "api:update_loans": lambda: {"record_id": _loan().pk},
    "risk-claims:detail": lambda: {"pk": _claim().pk},
    "risk-claims:edit": lambda: {"pk": _claim().pk},
    "risk-claims:delete": lambda: {"pk": _claim().pk},
    "api:get_risk-claims": lambda: {"record_id": _claim().pk},
    "api:update_risk-claims": lambda: {"record_id": _claim().pk},
    "seed-investments:detail": lambda: {"pk": _seed().pk},
    "seed-investments:edit": lambda: {"pk": _seed().pk},
    "seed-investments:delete": lambda: {"pk": _seed().pk},
    "api:get_seed-investments": lambda: {"record_id": _seed().pk},
    "api:update_seed-investments": lambda: {"record_id": _seed().pk},
    "banks:detail": lambda: {"pk": _bank().pk},
    "banks:edit": lambda: {"pk": _bank().pk},
    "api:get_banks": lambda: {"record_id": _bank().pk},
}


def _registry(key, seers, hidden, *, delete=True, write=True):
    found = {
        f"{key}:list": page(only(*REGISTRY_VIEWERS), post=every(405)),
        f"{key}:create": page(only("kjj")),  # the bureau keeps the finance records
        f"{key}:detail": page(_record(seers, hidden), post=every(405)),
        f"{key}:edit": page(only("kjj")),
        f"api:list_{key}": REGISTRY_LIST_API if write else {"GET": REGISTRY_LIST_API["GET"]},
        f"api:get_{key}": _record_api(seers, hidden) if write else endpoint(_record(seers, hidden)),
    }
    if delete:
        found[f"{key}:delete"] = page(only("kjj"), post=only("kjj", code=302))  # deleted, back to the list
    if write:
        found[f"api:create_{key}"] = REGISTRY_LIST_API
        found[f"api:update_{key}"] = _record_api(seers, hidden)
    return found


EXPECTED = {
    **_registry("loans", LOAN_SEERS, HIDDEN),
    **_registry("risk-claims", TOWN_SEERS, {**HIDDEN, "qiye": 404}),
    **_registry("seed-investments", TOWN_SEERS, {**HIDDEN, "qiye": 404}),
    # the banks are reference data: every holder of finance.view reads them
    **_registry("banks", REGISTRY_VIEWERS, {}, delete=False, write=False),
}
