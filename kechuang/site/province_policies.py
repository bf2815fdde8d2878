"""The province's support policies at scale, for scale work (part of `kechuang demo --scale province`,
kechuang/site/province.py).

Each district gets its own copy of the demo policy (`policies/demo.py`: a document marked as demo data,
its five articles with their rules as JSON, version 1 from 2020-01-01) with budgets 2021–2026, and
GRANTS_PER_ENTERPRISE grants (兑现) per enterprise of the district — 100,000 for the province's 100,000 —
spread over the budget years 2021–2025 and over the articles, each with its payments (拨付):

- a grant of 2021–2024 is paid (已拨付): one payment, or two tranches; now and then a payment voided and
  paid again under a new voucher;
- a grant of 2025 is paid, payable (待拨付: account confirmed, sometimes a first tranche paid) or awaiting
  the enterprise's account (待确认收款账户: no account yet);
- a few of every year are revoked (已撤销) before any payment.

Every year's budget covers what its grants commit (the demo's amount, raised to the committed total and a
margin where the grants need more). Vouchers are unique (the district's code, the month, a serial). The
confirmed account number is personal data (`PersonalField`, encrypted): it is encrypted once per grant and
its payments reuse that token (`core.personal.Plain` carries it, and the bulk writer's `seal` writes a
carried token as it is), so the province's ~200,000 account numbers cost ~100,000 encryptions.

Everything goes through the bulk writer, a district at a time in its own transaction, with an audit entry
for every row (`site/generated.py`, as `province._audit`); the same seed gives the same data.
"""

from __future__ import annotations

import random
import time
from datetime import date, datetime, timedelta
from decimal import ROUND_CEILING, Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction

from kechuang.core.bulkwrite import insert
from kechuang.core.personal import Plain, encrypt
from kechuang.enterprises.models import Enterprise
from kechuang.org.models import Department
from kechuang.policies.demo import ARTICLES, WAN
from kechuang.policies.models import (
    Budget,
    Disbursement,
    DisbursementStatus,
    Grant,
    GrantStatus,
    Instrument,
    PolicyDocument,
    Rule,
)
from kechuang.site.generated import audit_created

GRANTS_PER_ENTERPRISE = 1.0  # 100,000 grants for the province's 100,000 enterprises
GRANT_YEARS = list(range(2021, 2026))
BUDGET_YEARS = list(range(2021, 2027))
OPEN_YEAR = 2025  # the grants of this year are still being paid
# how often each article of policies.demo.ARTICLES is granted, by its name (an article not named: never)
ARTICLE_WEIGHTS = {
    "研发投入补助": 50,
    "高新技术企业首次认定奖励": 8,
    "研发平台奖励": 2,
    "科技型企业入库奖励": 35,
    "科技成果转化奖励": 5,
    "人才引进奖励": 4,
}
REVOKED_SHARE = 0.02
SPLIT_SHARE = 0.25  # paid in two tranches
VOIDED_SHARE = 0.01  # a payment voided and paid again
BANKS = ["重庆农村商业银行", "中国建设银行", "中国工商银行", "重庆三峡银行"]
CHUNK = 20_000


def _amount(rng: random.Random, name: str) -> Decimal:
    """A plausible amount under the named article's demo rule (元)."""
    if name == "研发投入补助":  # a tier plus 3 % of the increment, at most 50 万, to the hundred
        return Decimal(rng.choice([40_000, 100_000, 200_000, 400_000]) + 100 * rng.randint(0, 1000)).min(
            Decimal(500_000)
        )
    if name == "高新技术企业首次认定奖励":
        return Decimal(300_000)
    if name == "研发平台奖励":
        return Decimal(rng.choice([500_000, 500_000, 1_000_000]))
    if name == "科技型企业入库奖励":
        return Decimal(20_000)
    if name == "人才引进奖励":
        return Decimal(100_000)
    return Decimal(10_000 * rng.randint(5, 50))  # 成果转化: 10 % of the contract, at most 50 万


def _moment(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=ZoneInfo(settings.TIME_ZONE))


def generate(rng: random.Random, district_nodes: list[Department], log=print) -> dict:
    """The districts' policies, budgets, grants and payments; returns the counts (with `audit_entries`)."""
    started = time.perf_counter()
    counts = {
        "policy_documents": 0,
        "instruments": 0,
        "budgets": 0,
        "grants": 0,
        "disbursements": 0,
        "audit_entries": 0,
    }
    for number, district in enumerate(district_nodes, 1):
        with transaction.atomic():
            for key, value in _district(rng, number, district, audit_created).items():
                counts[key] += value
    counts["audit_entries"] = (
        counts["policy_documents"]
        + 2 * counts["instruments"]  # each with its rule
        + counts["budgets"]
        + counts["grants"]
        + counts["disbursements"]
    )
    log(
        f"政策兑现：{counts['grants']} 笔兑现、{counts['disbursements']} 笔拨付"
        f"（{time.perf_counter() - started:.0f} 秒）"
    )
    return counts


def _district(rng: random.Random, number: int, district: Department, audit) -> dict:
    bureau = Department.objects.get(path__startswith=district.path, depth=district.depth + 1, name="区科技局")
    place = district.path
    short = district.name[:2]
    document = {
        "department_id": district.pk,
        "number": f"{short}府办发〔2021〕示例{number}号",
        "title": f"{district.name}支持科技创新若干财政金融政策（演示）",
        "issued_on": date(2021, 3, 1),
        "effective_from": date(2021, 3, 1),
        "effective_to": None,
        "summary": "演示数据：省级规模测试用的政策，条款与金额并非正式规定。",
        "is_demo": True,
    }
    [document_id] = insert(PolicyDocument, [document])
    audit(PolicyDocument, [document_id], [document], [place], lambda r: r["title"])
    instruments = [
        {
            "document_id": document_id,
            "article": spec["article"],
            "name": spec["name"],
            "kind": str(spec["kind"]),
            "mode": str(spec["mode"]),
            "beneficiary": spec["beneficiary"],
            "lead_department_id": bureau.pk,
            "expert_review": spec.get("expert_review", False),
            "description": spec["description"],
            "sort_order": n * 10,
        }
        for n, spec in enumerate(ARTICLES, 1)
    ]
    instrument_ids = insert(Instrument, instruments)
    audit(Instrument, instrument_ids, instruments, [place] * len(instruments), lambda r: r["name"])
    rules = [
        {
            "instrument_id": pk,
            "version": 1,
            "valid_from": date(2020, 1, 1),
            "valid_to": None,
            "conditions": spec["conditions"],
            "amount": spec["amount"],
            "basis": f"{document['number']} {spec['article']}",
            "created_by_id": None,
        }
        for pk, spec in zip(instrument_ids, ARTICLES, strict=True)
    ]
    rule_ids = insert(Rule, rules)
    audit(Rule, rule_ids, rules, [place] * len(rules), lambda r: f"第 {r['version']} 版")

    enterprises = list(
        Enterprise.objects.filter(town__path__startswith=district.path)
        .order_by("pk")
        .values_list("pk", "name", "town__path")
    )
    wanted = round(len(enterprises) * GRANTS_PER_ENTERPRISE)
    grants, grant_places, plans = [], [], []
    committed: dict[tuple[int, int], Decimal] = {}
    serial = 0
    bank = {pk: f"{rng.choice(BANKS)}{district.name}支行" for pk, _, _ in enterprises}
    weights = [ARTICLE_WEIGHTS.get(spec["name"], 0) for spec in ARTICLES]
    for _ in range(wanted if enterprises else 0):
        position = rng.randrange(len(enterprises))
        enterprise_id, name, town_path = enterprises[position]
        index = rng.choices(range(len(ARTICLES)), weights)[0]
        year = rng.choice(GRANT_YEARS)
        amount = _amount(rng, ARTICLES[index]["name"])
        decided = date(year, rng.randint(4, 9), rng.randint(1, 28))
        if rng.random() < REVOKED_SHARE:
            status = GrantStatus.REVOKED
        elif year < OPEN_YEAR:
            status = GrantStatus.PAID
        else:
            status = rng.choices(
                [GrantStatus.PAID, GrantStatus.PAYABLE, GrantStatus.AWAITING_ACCOUNT], [5, 3, 2]
            )[0]
        has_account = status != GrantStatus.AWAITING_ACCOUNT and not (
            status == GrantStatus.REVOKED and rng.random() < 0.5
        )
        account = ""
        if has_account:
            text = f"6228{number:03d}{position:011d}{index}"  # 19 digits, as the seed repeats
            account = Plain(text, encrypt(text))  # its payments write this very token
        grants.append(
            {
                "instrument_id": instrument_ids[index],
                "budget_year": year,
                "enterprise_id": enterprise_id,
                "amount": amount,
                "benefit_line_id": None,
                "decision_number": f"{short}科发〔{year}〕{30 + index}号",
                "decided_on": decided,
                "reasons": [{"text": f"{ARTICLES[index]['name']}：{year - 1} 年度台账数据测算（演示）"}],
                "account_name": name if has_account else "",
                "bank_name": bank[enterprise_id] if has_account else "",
                "account_number": account,
                "account_confirmed_at": _moment(decided + timedelta(days=rng.randint(3, 30)))
                if has_account
                else None,
                "account_confirmed_by_id": None,
                "status": status.value,
            }
        )
        grant_places.append(town_path)
        if status != GrantStatus.REVOKED:
            key = (index, year)
            committed[key] = committed.get(key, Decimal(0)) + amount
        plans.append(_payments(rng, status, amount, decided))

    budgets = []
    for index, (pk, spec) in enumerate(zip(instrument_ids, ARTICLES, strict=True)):
        for year in BUDGET_YEARS:
            demo = Decimal(spec["budgets"].get(year, 100)) * WAN
            need = committed.get((index, year), Decimal(0))
            if need > demo:  # the margin a district would keep: a tenth, to the 10 万
                demo = ((need * Decimal("1.1")) / (10 * WAN)).to_integral_value(rounding=ROUND_CEILING)
                demo = demo * 10 * WAN
            budgets.append({"instrument_id": pk, "year": year, "amount": demo})
    budget_ids = insert(Budget, budgets)
    audit(Budget, budget_ids, budgets, [place] * len(budgets), lambda r: f"{r['year']} 年预算")

    made = {"grants": 0, "disbursements": 0}
    for start in range(0, len(grants), CHUNK):
        chunk = grants[start : start + CHUNK]
        ids = insert(Grant, chunk)
        audit(Grant, ids, chunk, grant_places[start : start + CHUNK], lambda r: r["decision_number"])
        made["grants"] += len(ids)
        payments, payment_places = [], []
        for grant_id, grant, place_, plan in zip(
            ids, chunk, grant_places[start : start + CHUNK], plans[start : start + CHUNK], strict=True
        ):
            for amount, paid_on, voided in plan:
                serial += 1
                payments.append(
                    {
                        "grant_id": grant_id,
                        "amount": amount,
                        "paid_on": paid_on,
                        "voucher": f"{district.code}-CZ{paid_on:%Y%m}-{serial:06d}",
                        "account_name": grant["account_name"],
                        "bank_name": grant["bank_name"],
                        "account_number": grant["account_number"],
                        "status": (DisbursementStatus.VOIDED if voided else DisbursementStatus.PAID).value,
                        "recorded_by_id": None,
                    }
                )
                payment_places.append(place_)
        payment_ids = insert(Disbursement, payments)
        audit(Disbursement, payment_ids, payments, payment_places, lambda r: r["voucher"])
        made["disbursements"] += len(payment_ids)
    return {"policy_documents": 1, "instruments": len(instrument_ids), "budgets": len(budget_ids), **made}


def _payments(rng: random.Random, status, amount: Decimal, decided: date) -> list[tuple]:
    """(amount, paid_on, voided) of a grant's payments: all of it for a paid grant (in one or two
    tranches, a voided payment repeated), a first tranche for some payable ones, nothing otherwise."""
    if status not in (GrantStatus.PAID, GrantStatus.PAYABLE):
        return []
    day = decided + timedelta(days=rng.randint(30, 90))
    if status == GrantStatus.PAYABLE:
        if rng.random() < 0.2:
            return [((amount / 2).quantize(Decimal("0.01")), day, False)]
        return []
    plan = []
    if rng.random() < SPLIT_SHARE:
        first = (amount * Decimal("0.6")).quantize(Decimal("0.01"))
        plan = [(first, day, False), (amount - first, day + timedelta(days=rng.randint(60, 120)), False)]
    else:
        plan = [(amount, day, False)]
    if rng.random() < VOIDED_SHARE:
        amount_, day_, _ = plan[0]
        plan[0] = (amount_, day_, True)
        plan.insert(1, (amount_, day_ + timedelta(days=7), False))
    return plan
