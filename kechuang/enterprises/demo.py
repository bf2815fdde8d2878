"""Synthetic but realistic Kaizhou enterprises 2019–2025, seeded and repeatable.

Calibrated to public figures: in 2021 the district added 54 重庆市科技型企业 (plan target 50) and 20
高新技术企业 (target 15). Other years follow the district's trend (the 2023 双倍增 plan aims at >610
科技型企业 and >120 HTE by 2025). Running the loader again adds nothing.
"""

import hashlib
import random
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction

from kechuang.core import derived
from kechuang.org.models import Department

from . import creditcode, stages
from .choices import HighTechField, SourceChannel
from .models import Enterprise, EnterpriseYear, Qualification, QualificationKind, StageRecord
from .rules import params_for

# First-ever recognitions per year (the increments the plan counts).
NEW_CQ_TECH = {
    2016: 15,
    2017: 20,
    2018: 25,
    2019: 40,
    2020: 45,
    2021: 54,
    2022: 62,
    2023: 68,
    2024: 72,
    2025: 75,
}
NEW_HTE = {2016: 4, 2017: 6, 2018: 8, 2019: 10, 2020: 12, 2021: 20, 2022: 22, 2023: 24, 2024: 26, 2025: 28}
UNQUALIFIED = 90  # enterprises in the registry without any recognition yet (the reserve pool's raw material)
DATA_YEARS = range(2019, 2026)

PLACES = [
    "开州",
    "汉丰",
    "浦里",
    "盛山",
    "举子",
    "大慈",
    "澎溪",
    "南河",
    "东河",
    "温泉",
    "铁峰",
    "雪宝",
    "汉丰湖",
    "云枫",
    "文峰",
    "白鹤",
    "镇安",
    "厚坝",
    "长沙",
    "临江",
    "竹溪",
    "岳溪",
    "南雅",
    "渠口",
    "九龙",
]
CORES = [
    ("智能装备", HighTechField.ADVANCED_MANUFACTURING),
    ("精密机械", HighTechField.ADVANCED_MANUFACTURING),
    ("数控", HighTechField.ADVANCED_MANUFACTURING),
    ("汽车零部件", HighTechField.ADVANCED_MANUFACTURING),
    ("新材料", HighTechField.NEW_MATERIALS),
    ("覆铜板", HighTechField.NEW_MATERIALS),
    ("玻纤", HighTechField.NEW_MATERIALS),
    ("电子", HighTechField.ELECTRONIC_INFORMATION),
    ("光电", HighTechField.ELECTRONIC_INFORMATION),
    ("信息技术", HighTechField.ELECTRONIC_INFORMATION),
    ("软件", HighTechField.ELECTRONIC_INFORMATION),
    ("生物", HighTechField.BIO_MEDICINE),
    ("中药", HighTechField.BIO_MEDICINE),
    ("制药", HighTechField.BIO_MEDICINE),
    ("医疗器械", HighTechField.BIO_MEDICINE),
    ("环保", HighTechField.RESOURCES_ENVIRONMENT),
    ("水处理", HighTechField.RESOURCES_ENVIRONMENT),
    ("新能源", HighTechField.NEW_ENERGY),
    ("节能", HighTechField.NEW_ENERGY),
    ("检测", HighTechField.HIGHTECH_SERVICES),
    ("农业科技", HighTechField.BIO_MEDICINE),
    ("食品", HighTechField.BIO_MEDICINE),
]
SUFFIXES = ["科技有限公司", "技术有限公司", "有限公司", "股份有限公司", "科技股份有限公司", "实业有限公司"]
INDUSTRY = {
    HighTechField.ADVANCED_MANUFACTURING: ["C3421", "C3484", "C3670", "C3399"],
    HighTechField.NEW_MATERIALS: ["C3985", "C3061", "C2651"],
    HighTechField.ELECTRONIC_INFORMATION: ["C3982", "I6513", "C3976"],
    HighTechField.BIO_MEDICINE: ["C2740", "C2720", "C3581", "A0179", "C1399"],
    HighTechField.RESOURCES_ENVIRONMENT: ["N7722", "C3591"],
    HighTechField.NEW_ENERGY: ["C3825", "D4415"],
    HighTechField.HIGHTECH_SERVICES: ["M7452", "M7520"],
}
STREETS_WEIGHT = 6


def _day(rng: random.Random, year: int, months=(1, 12)) -> date:
    start = date(year, months[0], 1)
    end = date(year, months[1], 28)
    return start + timedelta(days=rng.randrange((end - start).days + 1))


class _Plan:
    """The whole synthetic population, decided in memory first so it is identical on every run."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.enterprises: list[dict] = []
        self.names: set[str] = set()
        self.codes: set[str] = set()

    def name(self) -> tuple[str, str]:
        rng = self.rng
        while True:
            core, field = rng.choice(CORES)
            name = f"重庆{rng.choice(PLACES)}{core}{rng.choice(SUFFIXES)}"
            if name not in self.names:
                self.names.add(name)
                return name, field

    def code(self) -> str:
        while True:
            body = "MA5U" + "".join(
                self.rng.choice(creditcode.ALPHABET[:10] + "ABCDEFGHJKLMNPQRTUWXY") for _ in range(4)
            )
            code = creditcode.build("500154", body)
            if code not in self.codes:
                self.codes.add(code)
                return code

    def enterprise(self, founded_before: int) -> dict:
        rng = self.rng
        name, field = self.name()
        registered = _day(rng, rng.randint(max(2000, founded_before - 15), founded_before - 1))
        return {
            "name": name,
            "field": field,
            "code": self.code(),
            "registered_on": registered,
            "industry": rng.choice(INDUSTRY[field]),
            "channel": rng.choices(list(SourceChannel.values), weights=[3, 2, 4, 2])[0],
            "quals": [],
            "hte": False,
        }

    def build(self) -> list[dict]:
        rng = self.rng
        tech = []
        for year, count in NEW_CQ_TECH.items():
            for _ in range(count):
                e = self.enterprise(year)
                e["quals"].append(("cq_tech", _day(rng, year)))
                if rng.random() < 0.02 * (2025 - year):
                    e["revoked"] = _day(rng, min(2025, year + rng.randint(1, 4)))
                tech.append(e)
        for year, count in NEW_HTE.items():
            pool = [
                e
                for e in tech
                if not e["hte"] and min(d for _, d in e["quals"]).year <= year and "revoked" not in e
            ]
            for e in rng.sample(pool, count):
                e["hte"] = True
                issued = _day(rng, year, (10, 12))
                while issued.year <= 2025:
                    e["quals"].append(("hte", issued))
                    if rng.random() > 0.75:  # about a quarter do not renew
                        break
                    issued = _day(rng, issued.year + 3, (10, 12))
        for e in tech:
            for year in DATA_YEARS:
                if "revoked" not in e and rng.random() < 0.55:
                    e["quals"].append(("kxqy", _day(rng, year, (3, 9))))
        others = [self.enterprise(rng.randint(2017, 2025)) for _ in range(UNQUALIFIED)]
        self.enterprises = tech + others
        for e in self.enterprises:
            e["years"] = self.figures(e)
        return self.enterprises

    def figures(self, e: dict) -> dict[int, dict]:
        rng = self.rng
        hte = e["hte"]
        sales = Decimal(round(min(8e8, max(3e5, rng.lognormvariate(16.4, 1.0)))))
        staff_ratio = rng.uniform(0.12, 0.35) if hte else rng.uniform(0.03, 0.25)
        rd_ratio = rng.uniform(0.035, 0.08) if hte else rng.uniform(0.005, 0.05)
        result = {}
        for year in DATA_YEARS:
            if e["registered_on"].year > year:
                continue
            sales = (sales * Decimal(str(round(max(0.6, rng.gauss(1.12, 0.15)), 4)))).quantize(Decimal(1))
            employees = max(5, int(float(sales) / 420_000 * rng.uniform(0.7, 1.3)))
            rd = (sales * Decimal(str(round(rd_ratio * rng.uniform(0.85, 1.15), 5)))).quantize(Decimal(1))
            income = (sales * Decimal(str(round(rng.uniform(1.0, 1.08), 4)))).quantize(Decimal(1))
            net_assets = (sales * Decimal(str(round(rng.uniform(0.3, 0.9), 4)))).quantize(Decimal(1))
            share = rng.uniform(0.62, 0.95) if hte else rng.uniform(0.1, 0.7)
            result[year] = {
                "sales_revenue": sales,
                "total_income": income,
                "total_cost": (sales * Decimal(str(round(rng.uniform(0.8, 0.98), 4)))).quantize(Decimal(1)),
                "rd_expense": rd,
                "rd_domestic": (rd * Decimal(str(round(rng.uniform(0.85, 1.0), 4)))).quantize(Decimal(1)),
                "net_assets": net_assets,
                "total_assets": (net_assets * Decimal(str(round(rng.uniform(1.3, 2.5), 4)))).quantize(
                    Decimal(1)
                ),
                "hightech_income": (income * Decimal(str(round(share, 4)))).quantize(Decimal(1)),
                "employees": employees,
                "st_staff": max(1, int(employees * staff_ratio)),
                "rd_staff": max(1, int(employees * staff_ratio * 0.7)),
                "conversions": rng.randint(1, 6) if hte else rng.randint(0, 3),
                "ip_class1": rng.randint(0, 4) if hte else rng.choice([0, 0, 0, 1]),
                "ip_class2": rng.randint(3, 20) if hte else rng.randint(0, 6),
            }
        return result


def demo_phone(code: str) -> str:
    """A made-up mobile number for a demo enterprise's contact, the same on every load (from its code)."""
    digits = int(hashlib.sha256(code.encode()).hexdigest(), 16) % 10**8
    return f"139{digits:08d}"


def _towns() -> list[tuple[Department, int]]:
    district = Department.objects.get(name="开州区", kind=Department.Kind.DISTRICT)
    towns = Department.objects.filter(path__startswith=district.path, kind=Department.Kind.TOWN).order_by(
        "path"
    )
    return [(t, STREETS_WEIGHT if t.name.endswith("街道") else 1) for t in towns]


@transaction.atomic
@derived.batched()
def load_demo_enterprises(seed: int = 2021) -> int:
    """Create the synthetic enterprises that are missing; return how many were created (the towns'
    qualification summaries are refreshed once, at the end)."""
    population = _Plan(seed).build()
    rng = random.Random(seed + 1)
    towns = _towns()
    existing = set(Enterprise.objects.values_list("credit_code", flat=True))
    kinds = {k.code: k for k in QualificationKind.objects.all()}
    stage_params = params_for("stage", date(2025, 12, 31))
    created = 0
    for e in population:
        town = rng.choices([t for t, _ in towns], weights=[w for _, w in towns])[0]
        if e["code"] in existing:
            continue
        years = e["years"]
        last = max(years) if years else None
        stage, why = stages.classify(
            e["registered_on"],
            last,
            years[last]["sales_revenue"] if last else None,
            date(2025, 12, 31),
            stage_params,
        )
        enterprise = Enterprise.objects.create(
            credit_code=e["code"],
            name=e["name"],
            town=town,
            industry_code=e["industry"],
            hightech_field=e["field"],
            registered_on=e["registered_on"],
            source_channel=e["channel"],
            stage=stage,
            stage_reason=why,
            contact_name="联系人",
            contact_phone=demo_phone(e["code"]),
        )
        for year, values in sorted(years.items()):
            EnterpriseYear.objects.create(enterprise=enterprise, year=year, **values)
        previous = None
        for year, values in sorted(years.items()):
            stage_then, why_then = stages.classify(
                e["registered_on"], year, values["sales_revenue"], date(year, 12, 31), stage_params
            )
            if stage_then != previous:
                StageRecord.objects.create(
                    enterprise=enterprise, stage=stage_then, data_year=year, reason=why_then
                )
                previous = stage_then
        for code, issued in sorted(e["quals"], key=lambda q: q[1]):
            kind = kinds[code]
            revoked = e.get("revoked") if code == "cq_tech" else None
            Qualification.objects.create(
                enterprise=enterprise,
                kind=kind,
                issued_on=issued,
                expires_on=kind.default_expiry(issued),
                number=f"{code.upper()}-{issued:%Y}-{enterprise.pk:05d}",
                status="revoked" if revoked else "valid",
                revoked_on=revoked,
            )
        created += 1
    return created


def load_demo(plan) -> None:
    """This app's part of `kechuang demo` (the site calls it after the reference data and accounts)."""
    load_demo_enterprises()
