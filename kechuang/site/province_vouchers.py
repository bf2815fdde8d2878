"""科技创新券 at province scale (demo data): each district's two voucher types of 2024 and 2025 (a 研发服务券
of 2万, and a 5万 one, which a quarter of the firms get), five registered service institutions in its towns, and a
voucher a year for every enterprise — 200,000 for 100,000 enterprises — in every state of their workflow:
issued, redeemed (awaiting verification, some flagged), verified, settled in monthly payments, voided.
Written by the bulk writer, each row audited where it sits; a voucher's numbers and amounts keep the rules
the actions check (within the face value, half the invoice, the yearly cap of 5万 an enterprise)."""

from __future__ import annotations

import random
import time
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction

from kechuang.core.bulkwrite import insert
from kechuang.enterprises import creditcode
from kechuang.enterprises.models import Enterprise
from kechuang.org.models import Department
from kechuang.site.generated import audit_created
from kechuang.vouchers.models import ServiceProvider, Voucher, VoucherStatus, VoucherType

VOUCHERS_PER_ENTERPRISE = 2.0  # over the two years: one a year each
YEARS = (2024, 2025)
PROVIDERS_PER_DISTRICT = 5
# (share of the vouchers, state)
STATES = [
    (0.30, VoucherStatus.ISSUED),
    (0.08, VoucherStatus.REDEEMED),
    (0.07, VoucherStatus.VERIFIED),
    (0.50, VoucherStatus.SETTLED),
    (0.05, VoucherStatus.VOIDED),
]
SERVICES = ["检验检测", "技术开发", "技术咨询", "知识产权服务", "研发费用专项审计"]
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CHUNK = 20_000


def _body(n: int) -> str:
    """An 8-character organisation body, unique per `n`, for the institutions' credit codes."""
    digits = []
    for _ in range(6):
        n, r = divmod(n, len(ALPHABET))
        digits.append(ALPHABET[r])
    return "MB" + "".join(reversed(digits))


def generate(rng: random.Random, district_nodes: list[Department], log=print) -> dict:
    """The districts' voucher types, institutions and vouchers; returns the counts (with `audit_entries`)."""
    started = time.perf_counter()
    counts = {"voucher_types": 0, "voucher_providers": 0, "vouchers": 0}
    serial = {year: Voucher.objects.filter(number__startswith=f"CX{year}-").count() for year in YEARS}
    for number, district in enumerate(district_nodes, 1):
        for key, value in _district(rng, number, district, serial).items():
            counts[key] += value
    counts["audit_entries"] = sum(counts.values())
    log(f"科技创新券：{counts['vouchers']} 张（{time.perf_counter() - started:.0f} 秒）")
    return counts


def _district(rng: random.Random, number: int, district: Department, serial: dict) -> dict:
    place = district.path
    short = district.name
    with transaction.atomic():
        types = [
            {
                "department_id": district.pk,
                "name": f"{short}科技创新券（{label}）",
                "year": year,
                "instrument_id": None,
                "face_value": Decimal(face),
                "valid_from": date(year, 1, 1),
                "valid_to": date(year + 1, 3, 31),
                "redeem_requires_id": None,
                "annual_cap": Decimal(50_000),
                "total_count": None,
                "max_share": Decimal("0.50"),
                "same_day_flag": 3,
                "services": "、".join(SERVICES),
                "is_open": year == YEARS[-1],
                "is_demo": True,
            }
            for year in YEARS
            for label, face in (("研发服务", 20_000), ("重点研发", 50_000))
        ]
        type_ids = insert(VoucherType, types)
        audit_created(
            VoucherType, type_ids, types, [place] * len(types), lambda r: f"{r['year']} 年{r['name']}"
        )
        towns = list(
            Department.objects.filter(path__startswith=place, kind=Department.Kind.TOWN).order_by("path")
        )
        providers = [
            {
                "name": f"{short}{SERVICES[n % len(SERVICES)]}服务机构{n + 1}（演示）",
                "credit_code": creditcode.build("500100", _body(number * 100 + n)),
                "town_id": towns[n % len(towns)].pk,
                "legal_representative": f"负责人{number}-{n + 1}",
                "contact_name": f"联系人{number}-{n + 1}",
                "contact_phone": "",
                "services": SERVICES[n % len(SERVICES)],
                "registered_on": date(2023, 1 + n, 1),
                "is_active": True,
                "note": "演示数据",
            }
            for n in range(PROVIDERS_PER_DISTRICT if towns else 0)
        ]
        provider_ids = insert(ServiceProvider, providers)
        audit_created(
            ServiceProvider,
            provider_ids,
            providers,
            [towns[n % len(towns)].path for n in range(len(providers))],
            lambda r: r["name"],
        )
    enterprises = list(
        Enterprise.objects.filter(town__path__startswith=place).order_by("pk").values_list("pk", "town__path")
    )
    if not enterprises or not provider_ids:
        return {"voucher_types": len(type_ids), "voucher_providers": len(provider_ids), "vouchers": 0}
    offered: dict[int, list[tuple[dict, int]]] = {}  # year → its types (the 2万 one first)
    for vtype, type_id in zip(types, type_ids, strict=True):
        offered.setdefault(vtype["year"], []).append((vtype, type_id))
    chance = VOUCHERS_PER_ENTERPRISE / len(offered)  # of a voucher in each year
    rows, places, created = [], [], 0
    weights = [share for share, _ in STATES]
    for enterprise_id, town_path in enterprises:
        for year, choices in offered.items():
            if rng.random() >= chance:
                continue
            # one voucher a year: the 2万 type for most, the 5万 one for a quarter (each alone reaches
            # the yearly cap of 5万 at most)
            vtype, type_id = choices[0] if rng.random() < 0.75 else choices[-1]
            face = vtype["face_value"]
            assert face <= vtype["annual_cap"]
            rows.append(
                _voucher(
                    rng,
                    vtype,
                    type_id,
                    enterprise_id,
                    year,
                    face,
                    provider_ids,
                    serial,
                    number,
                    short,
                    weights,
                )
            )
            places.append(town_path)
            if len(rows) >= CHUNK:
                created += _insert(rows, places)
                rows, places = [], []
    created += _insert(rows, places)
    return {"voucher_types": len(type_ids), "voucher_providers": len(provider_ids), "vouchers": created}


def _voucher(
    rng, vtype, type_id, enterprise_id, year, face, provider_ids, serial, number, short, weights
) -> dict:
    """One generated voucher in a state drawn by `STATES`, with what that state carries."""
    status = rng.choices([s for _, s in STATES], weights)[0]
    serial[year] += 1
    issued = date(year, rng.randint(2, 6), rng.randint(1, 28))
    row = {
        "type_id": type_id,
        "enterprise_id": enterprise_id,
        "number": f"CX{year}-{serial[year]:06d}",
        "face_value": face,
        "issued_on": issued,
        "expires_on": vtype["valid_to"],
        "status": str(status),
        "provider_id": None,
        "redeemed_on": None,
        "redeemed_by_id": None,
        "service_content": "",
        "contract_number": "",
        "contract_amount": None,
        "invoice_number": "",
        "invoice_amount": None,
        "redeemed_amount": None,
        "flags": [],
        "verify_note": "",
        "settled_on": None,
        "settlement_number": "",
        "note": "",
    }
    if status in (VoucherStatus.REDEEMED, VoucherStatus.VERIFIED, VoucherStatus.SETTLED):
        provider = rng.randrange(len(provider_ids))
        invoice = face * 2 + Decimal(100 * rng.randint(0, 500))
        amount = (
            face if rng.random() < 0.7 else (face * Decimal(rng.randint(50, 99)) / 100).quantize(Decimal(1))
        )
        redeemed = issued + timedelta(days=rng.randint(10, 200))
        row.update(
            provider_id=provider_ids[provider],
            redeemed_on=redeemed,
            service_content=SERVICES[provider % len(SERVICES)],
            contract_number=f"FW{year}-{serial[year]:07d}",
            contract_amount=invoice,
            invoice_number=f"{year}{number:03d}{serial[year]:09d}",
            invoice_amount=invoice,
            redeemed_amount=amount,
            flags=["该机构当天第 3 笔足额兑付（演示）。"]
            if status == VoucherStatus.REDEEMED and rng.random() < 0.1
            else [],
        )
        if status != VoucherStatus.REDEEMED:
            row["verify_note"] = "合同、发票齐全"
        if status == VoucherStatus.SETTLED:
            settled = redeemed + timedelta(days=rng.randint(15, 60))
            row.update(
                settled_on=settled,
                settlement_number=f"{short[:2]}科券结〔{settled.year}〕{settled.month}-{provider + 1}号",
            )
    elif status == VoucherStatus.VOIDED:
        row["note"] = "企业注销，作废（演示）"
    return row


@transaction.atomic
def _insert(rows: list[dict], places: list[str]) -> int:
    if not rows:
        return 0
    ids = insert(Voucher, rows)
    audit_created(Voucher, ids, rows, places, lambda r: r["number"])
    return len(ids)
