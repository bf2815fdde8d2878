"""A synthetic province for scale work: `kechuang demo --scale province [--seed N]`.

40 districts under one province, each with the Kaizhou set of departments, 20 towns and its own copy of
the Kaizhou plan; 100,000 enterprises with 8 years of figures (800,000 rows) and their recognitions;
a 知识价值信用贷款 for one enterprise in 20 (`_loans`); 50,000 S&T projects (district, municipal and national plan projects, key-technology projects, 揭榜挂帅,
transfer projects; application years 2019–2027) carried by the district's enterprises or by its hospitals,
schools and farm stations, each with its lifecycle (申报 → 立项/未立项 → 在研 → 结题/终止) and amounts; the
districts' calls with 25,000 online applications, a province expert pool of 1,000 and 20,000 applications
reviewed by 5 experts each (100,000 score sheets: `province_applications.py`); each district's copy of the
demo policy with budgets and one grant per enterprise on average (100,000) with its payments
(`province_policies.py`); an audit entry for every
generated record (over 1,000,000). Repeatable: the same seed gives the same data.
Rows are written through the bulk writer (`core/bulkwrite.py`), the path imports use, a district (and at
most PROJECT_CHUNK projects) at a time, so memory stays flat whatever the totals.
"""

from __future__ import annotations

import copy
import json
import random
import time
from datetime import date
from decimal import Decimal

from django.db import transaction

from kechuang.core.bulkwrite import insert
from kechuang.core.context import Source, audit_context
from kechuang.enterprises import creditcode
from kechuang.enterprises.models import Enterprise, EnterpriseYear, Qualification, QualificationKind
from kechuang.enterprises.summaries import refresh_towns
from kechuang.finance import rules as finance_rules
from kechuang.finance.models import Bank, Loan, LoanStatus
from kechuang.org.loading import SEED_DIR, _ensure
from kechuang.org.models import Department
from kechuang.plans.loading import ALL_TOWNS, KAIZHOU_2021, load_plan_spec
from kechuang.projects.demo import CODES, lifecycle
from kechuang.projects.models import Category, Project
from kechuang.site import province_applications, province_policies, province_vouchers
from kechuang.site.generated import audit_created

PROVINCE = "示范省"
FIRST = "东西南北青白金石云龙凤华安宁永丰长平清江新兴德庆远泰和鹤松柳桂"
SECOND = "州阳城川山源溪峰湖原林岭台关陵浦"
TOWN_SUFFIX = ["街道", "镇", "镇", "镇", "乡"]
YEARS = list(range(2018, 2026))
CHUNK = 20_000
PROJECT_CHUNK = 5_000
# application years and categories of the generated projects, with their weights
PROJECT_YEARS = {2019: 8, 2020: 9, 2021: 10, 2022: 11, 2023: 12, 2024: 13, 2025: 14, 2026: 15, 2027: 4}
PROJECT_CATEGORIES = {
    Category.DISTRICT: 50,
    Category.MUNICIPAL: 15,
    Category.NATIONAL: 3,
    Category.KEY_TECHNOLOGY: 10,
    Category.CHALLENGE: 5,
    Category.TRANSFER: 17,
}
TOPICS = [
    "高速覆铜板",
    "道地中药材",
    "特色水果",
    "新能源汽车零部件",
    "智能装备",
    "锂电池材料",
    "生态渔业",
    "绿色畜牧",
    "工业互联网",
    "新型建材",
    "电子元器件",
    "食品精深加工",
    "节能环保装备",
    "数字乡村",
]
WORK = ["关键技术研究", "技术集成与示范", "工艺优化研究", "产业化应用", "智能化改造", "新产品开发"]
# applicants that are not enterprises: (unit, the district department it reports to)
PUBLIC_UNITS = [
    ("人民医院", "区卫生健康委"),
    ("中医院", "区卫生健康委"),
    ("农业技术推广站", "区农业农村委"),
    ("水产站", "区农业农村委"),
    ("职业教育中心", "区教委"),
    ("科技创新服务中心", "区科技局"),
]


def _names(rng: random.Random, count: int, suffix: str, taken: set) -> list[str]:
    names = []
    while len(names) < count:
        name = rng.choice(FIRST) + rng.choice(SECOND) + suffix
        if name not in taken:
            taken.add(name)
            names.append(name)
    return names


def _tree(rng: random.Random, districts: int, towns: int) -> dict:
    kaizhou = json.loads((SEED_DIR / "kaizhou.json").read_text(encoding="utf-8"))
    district_spec = kaizhou["tree"][0]["children"][0]
    departments = [c for c in district_spec["children"] if c.get("kind") == "department"]
    taken: set = set()
    children = []
    for number, name in enumerate(_names(rng, districts, "区", taken), 1):
        town_names = _names(rng, towns, "", set())
        children.append(
            {
                "name": name,
                "kind": "district",
                "code": f"99{number:02d}00",
                "children": departments
                + [
                    {"name": town + TOWN_SUFFIX[i % len(TOWN_SUFFIX)], "kind": "town"}
                    for i, town in enumerate(town_names)
                ],
            }
        )
    provincial = [{"name": _provincial(d["name"]), "kind": "department"} for d in departments]
    return {"name": PROVINCE, "kind": "province", "code": "990000", "children": provincial + children}


def _provincial(name: str) -> str:
    """The province-level counterpart of a district department (区科技局 → 省科技局)."""
    if name.startswith("区"):
        return "省" + name[1:]
    return f"{PROVINCE}{name}" if not name.startswith(PROVINCE) else name


def generate(
    seed: int = 2026,
    districts: int = 40,
    enterprises: int = 100_000,
    towns: int = 20,
    projects: int = 50_000,
    applications: int = 25_000,
    reviewed: int = 20_000,
    experts: int = 1_000,
    experts_per_item: int = 5,
    log=print,
) -> dict:
    """Create the province if it is not there yet; return what was created (counts and seconds).

    `applications`: online applications to the districts' calls, of which `reviewed` are under expert
    review, each by `experts_per_item` of the province's `experts` (kechuang/site/province_applications.py)."""
    if Department.objects.filter(name=PROVINCE, depth=1).exists():
        log(f"{PROVINCE}已存在，未重复生成。")
        return {}
    province_applications.check_sizes(
        districts, enterprises, applications, reviewed, experts_per_item, experts
    )
    rng = random.Random(seed)
    started = time.perf_counter()
    figures: dict = {}
    with audit_context(source=Source.SYSTEM, reason=f"省级规模演示数据（种子 {seed}）"):
        with transaction.atomic():
            _ensure(None, _tree(rng, districts, towns))
        province = Department.objects.get(name=PROVINCE, depth=1)
        district_nodes = list(
            Department.objects.filter(path__startswith=province.path, kind="district").order_by("path")
        )
        figures["departments"] = Department.objects.filter(path__startswith=province.path).count()
        log(
            f"单位树：{len(district_nodes)} 个区县，共 {figures['departments']} 个单位（{time.perf_counter() - started:.0f} 秒）"
        )
        _plans(district_nodes)
        _province_leader(province)
        log(f"方案：每个区县一份、省级汇总一份（{time.perf_counter() - started:.0f} 秒）")
        figures.update(_enterprises(rng, district_nodes, enterprises, log))
        # the bulk writer skips model signals: the new towns' qualification summaries are built here
        refresh_towns(
            Department.objects.filter(path__startswith=province.path, kind="town").values_list(
                "pk", flat=True
            )
        )
        log(f"资质汇总表（{time.perf_counter() - started:.0f} 秒）")
        # a stream of its own: the projects do not shift the enterprises an earlier seed produced
        figures.update(_projects(random.Random(f"{seed}:projects"), district_nodes, projects))
        figures["audit_entries"] += figures["projects"]
        log(f"项目：{figures['projects']} 个（{time.perf_counter() - started:.0f} 秒）")
        # calls, online applications, the expert pool and the reviews: streams of their own again
        reviews = province_applications.generate(
            seed,
            province,
            district_nodes,
            applications=applications,
            reviewed=reviewed,
            experts=experts,
            experts_per_item=experts_per_item,
            log=log,
        )
        figures["audit_entries"] += reviews.pop("audit_entries")
        figures.update(reviews)
        paid = province_applications.payments(random.Random(f"{seed}:payments"), district_nodes, log=log)
        figures["audit_entries"] += paid.pop("audit_entries")
        figures.update(paid)
        figures.update(_loans(random.Random(f"{seed}:loans"), district_nodes))
        figures["audit_entries"] += figures["loans"]
        log(f"知识价值信用贷款：{figures['loans']} 笔（{time.perf_counter() - started:.0f} 秒）")
        policies = province_policies.generate(random.Random(f"{seed}:policies"), district_nodes, log=log)
        figures["audit_entries"] += policies.pop("audit_entries")
        figures.update(policies)
        vouchers = province_vouchers.generate(random.Random(f"{seed}:vouchers"), district_nodes, log=log)
        figures["audit_entries"] += vouchers.pop("audit_entries")
        figures.update(vouchers)
    figures["seconds"] = round(time.perf_counter() - started, 1)
    log(f"完成：{figures}")
    return figures


SCALED_KINDS = {"increment", "stock", "amount"}  # province targets: the districts' added up


def _plans(district_nodes) -> None:
    spec = json.loads(KAIZHOU_2021.read_text(encoding="utf-8"))
    source = (KAIZHOU_2021.parent / spec["source_file"]).read_text(encoding="utf-8")
    for number, district in enumerate(district_nodes, 1):
        own = copy.deepcopy(spec)
        own["department"] = [PROVINCE, district.name]
        own["doc_number"] = f"{district.name[:2]}府办发〔2021〕{60 + number}号"
        load_plan_spec(own, source)
    # the province's own copy, loaded last (the plan in force for province-wide viewers): the same
    # programmes led by the province's departments, count and amount targets multiplied by the number of
    # districts; its cockpit measures the whole province — the roll-up
    own = _renamed(copy.deepcopy(spec), {_d: _provincial(_d) for _d in _district_units(spec)})
    own["department"] = [PROVINCE]
    own["doc_number"] = "示范省府办发〔2021〕1号"
    own["title"] = f"{PROVINCE}推进实施科技创新“七大工程”行动方案（省级汇总）"
    for programme in own["programmes"]:
        for indicator in programme.get("indicators", []):
            if indicator.get("kind") in SCALED_KINDS:
                for target in indicator["targets"]:
                    if target.get("value") is not None and not target.get("factor"):
                        target["value"] = target["value"] * len(district_nodes)
    load_plan_spec(own, source)


PROVINCE_LEADER = "sheng"


def _province_leader(province: Department) -> None:
    """A leader of the whole province (password as the demo accounts'): opens the province's cockpit."""
    from kechuang.org.models import Membership, RoleGrant, User
    from kechuang.org.roles import Role, Scope
    from kechuang.site.demo import DEMO_PASSWORD

    user = User(username=PROVINCE_LEADER, display_name="省领导")
    user.set_password(DEMO_PASSWORD)
    user.save()
    RoleGrant.objects.create(user=user, role=Role.LEADER, scope=Scope.SUBTREE, department=province)
    Membership.objects.create(
        user=user,
        department=Department.objects.get(path__startswith=province.path, depth=2, name="省政府办公室"),
        is_primary=True,
    )


def _district_units(spec: dict) -> set[str]:
    units = set()
    for programme in spec["programmes"]:
        for item in programme.get("tasks", []) + programme.get("indicators", []):
            units.update(filter(None, [item.get("lead"), *item.get("co", [])]))
    return units - {ALL_TOWNS}  # the towns stay each district's own


def _renamed(value, names: dict, key: str | None = None):
    """The definition with its lead and co-operating units renamed."""
    if isinstance(value, dict):
        return {k: _renamed(v, names, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_renamed(v, names, key) for v in value]
    if key in ("lead", "co") and isinstance(value, str):
        return names.get(value, value)
    return value


def _enterprises(rng: random.Random, district_nodes, total: int, log) -> dict:
    towns_of = {
        d.pk: list(Department.objects.filter(path__startswith=d.path, kind="town").order_by("path"))
        for d in district_nodes
    }
    kinds = {k.code: k for k in QualificationKind.objects.filter(code__in=["cq_tech", "hte"])}
    per_district = total // len(district_nodes)
    counts = {"enterprises": 0, "enterprise_years": 0, "qualifications": 0, "audit_entries": 0}
    for district in district_nodes:
        with transaction.atomic():
            rows, places = [], []
            for i in range(per_district):
                town = rng.choice(towns_of[district.pk])
                body = "".join(
                    rng.choice(creditcode.ALPHABET[:10] + "ABCDEFGHJKLMNPQRTUWXY") for _ in range(8)
                )
                # registered by 2017: eight full years of figures, 2018–2025
                registered = date(rng.randint(2005, 2017), rng.randint(1, 12), rng.randint(1, 28))
                rows.append(
                    {
                        "credit_code": creditcode.build(district.code, body),
                        "name": f"{town.name[:2]}{rng.choice(['智能', '新材', '生物', '数字', '精密', '绿色'])}科技有限公司{i}",
                        "town_id": town.pk,
                        "industry_code": rng.choice(["C39", "C35", "C26", "I65", "M73", "C38"]),
                        "registered_on": registered,
                        "source_channel": rng.choice(
                            ["孵化培育", "科技人员创办", "传统产业改造", "科技招商"]
                        ),
                        "is_active": True,
                    }
                )
                places.append(town.path)
            rows = list({r["credit_code"]: r for r in rows}.values())  # a repeated random code is dropped
            ids = insert(Enterprise, rows)
            _audit(Enterprise, ids, rows, places, lambda r: r["name"])
            counts["enterprises"] += len(ids)
            years, year_places, quals, qual_places = [], [], [], []
            for pk, row, place in zip(ids, rows, places, strict=False):
                sales = Decimal(rng.randint(2_000_000, 400_000_000))
                growth = Decimal(str(round(rng.uniform(0.95, 1.25), 3)))
                for year in YEARS:
                    if year < row["registered_on"].year:
                        continue
                    employees = rng.randint(10, 600)
                    years.append(
                        {
                            "enterprise_id": pk,
                            "year": year,
                            "version": 1,
                            "employees": employees,
                            "st_staff": employees // 5,
                            "rd_staff": employees // 8,
                            "sales_revenue": sales.quantize(Decimal("0.01")),
                            "total_income": (sales * Decimal("1.03")).quantize(Decimal("0.01")),
                            "rd_expense": (sales * Decimal("0.04")).quantize(Decimal("0.01")),
                            "rd_domestic": (sales * Decimal("0.035")).quantize(Decimal("0.01")),
                        }
                    )
                    year_places.append(place)
                    sales = sales * growth
                    if rng.random() < 0.35:
                        quals.append(
                            {
                                "enterprise_id": pk,
                                "kind_id": kinds["cq_tech"].pk,
                                "issued_on": date(year, rng.randint(3, 11), 15),
                                "status": "valid",
                            }
                        )
                        qual_places.append(place)
                if rng.random() < 0.12:
                    issued = date(rng.randint(2018, 2025), 11, rng.randint(1, 28))
                    quals.append(
                        {
                            "enterprise_id": pk,
                            "kind_id": kinds["hte"].pk,
                            "issued_on": issued,
                            "expires_on": issued.replace(year=issued.year + 3),
                            "status": "valid",
                        }
                    )
                    qual_places.append(place)
            for start in range(0, len(years), CHUNK):
                chunk = years[start : start + CHUNK]
                chunk_ids = insert(EnterpriseYear, chunk)
                _audit(
                    EnterpriseYear,
                    chunk_ids,
                    chunk,
                    year_places[start : start + CHUNK],
                    lambda r: f"{r['year']}年",
                )
                counts["enterprise_years"] += len(chunk_ids)
            for q in quals:
                if "expires_on" not in q:
                    q["expires_on"] = date(q["issued_on"].year + 1, 3, 31)
            qual_ids = insert(Qualification, quals)
            _audit(Qualification, qual_ids, quals, qual_places, lambda r: f"资质 {r['issued_on']}")
            counts["qualifications"] += len(qual_ids)
        counts["audit_entries"] = (
            counts["enterprises"] + counts["enterprise_years"] + counts["qualifications"]
        )
        log(f"  {district.name}：企业 {len(ids)}，年度数据 {len(years)}，资质 {len(qual_ids)}")
    return counts


def _projects(rng: random.Random, district_nodes, total: int) -> dict:
    """`total` projects spread evenly over the districts (the first ones take the remainder)."""
    base, extra = divmod(total, len(district_nodes))
    years, year_weights = list(PROJECT_YEARS), list(PROJECT_YEARS.values())
    categories = [c.value for c in PROJECT_CATEGORIES]  # plain strings for the bulk writer
    category_weights = list(PROJECT_CATEGORIES.values())
    created = 0
    for index, district in enumerate(district_nodes):
        wanted = base + (1 if index < extra else 0)
        units = Department.objects.filter(path__startswith=district.path, kind__in=["town", "department"])
        paths = {d.pk: d.path for d in units}
        by_name = {d.name: d for d in units}
        # (pk, town) of the district's enterprises, in a stable order: the seed picks the same ones
        applicants = list(
            Enterprise.objects.filter(town__path__startswith=district.path)
            .order_by("pk")
            .values_list("pk", "town_id")
        )
        sequence: dict = {}
        while wanted > 0:
            rows = []
            for _ in range(min(wanted, PROJECT_CHUNK)):
                year = rng.choices(years, year_weights)[0]
                category = rng.choices(categories, category_weights)[0]
                sequence[(year, category)] = sequence.get((year, category), 0) + 1
                row = {
                    "year": year,
                    "number": f"{district.code}-{year}-{CODES[category]}-{sequence[(year, category)]:05d}",
                    "name": rng.choice(TOPICS)
                    + rng.choice(WORK)
                    + ("（揭榜挂帅）" if category == Category.CHALLENGE else ""),
                    "category": category,
                    "enterprise_id": None,
                    "unit_name": "",
                    "note": "",
                    **lifecycle(rng, year, category),
                }
                if applicants and rng.random() < 0.85:
                    row["enterprise_id"], town_id = rng.choice(applicants)
                    # challenges are posted and run by the district's bureau, the rest sit in the town
                    row["department_id"] = (
                        by_name["区科技局"].pk if category == Category.CHALLENGE else town_id
                    )
                else:
                    unit, department = rng.choice(PUBLIC_UNITS)
                    row["unit_name"] = district.name + unit
                    row["department_id"] = by_name[department].pk
                rows.append(row)
            ids = _insert_projects(rows, [paths[r["department_id"]] for r in rows])
            created += len(ids)
            wanted -= len(rows)
    return {"projects": created}


LOANS_EVERY = 20  # one 知识价值信用贷款 per 20 enterprises of a district
LOAN_BANKS = ["农村商业银行", "建设银行", "工商银行", "三峡银行"]
LOAN_GRADES = {"A": 1, "B": 2, "C": 4, "D": 5, "E": 4}


def _loans(rng: random.Random, district_nodes) -> dict:
    """One loan per LOANS_EVERY enterprises of each district, from the district's four banks, within the
    credit line of its grade (the rule in force on the granted date), 2021–2025, one-year terms mostly;
    those granted before mid-2024 are settled."""
    grades, weights = list(LOAN_GRADES), list(LOAN_GRADES.values())
    created = 0
    for district in district_nodes:
        borrowers = list(
            Enterprise.objects.filter(town__path__startswith=district.path)
            .order_by("pk")
            .values_list("pk", "town__path")
        )
        picked = borrowers[::LOANS_EVERY]
        if not picked:
            continue
        banks = [Bank.objects.get_or_create(name=f"{bank}{district.name}支行")[0] for bank in LOAN_BANKS]
        rows, places = [], []
        for n, (enterprise_id, place) in enumerate(picked, start=1):
            grade = rng.choices(grades, weights)[0]
            granted = date(rng.randint(2021, 2025), rng.randint(1, 12), rng.randint(1, 28))
            line = finance_rules.credit_line(grade, granted)
            term = rng.choice([12, 12, 12, 24])
            settled = granted < date(2024, 6, 30) and term == 12
            rows.append(
                {
                    "enterprise_id": enterprise_id,
                    "bank_id": rng.choice(banks).pk,
                    "grade": grade,
                    "credit_line": line,
                    "contract_number": f"{district.code}-ZSJZ-{granted.year}-{n:05d}",
                    "amount": Decimal(100000 * rng.randint(3, int(line / 100000))),
                    "granted_on": granted,
                    "term_months": term,
                    "annual_rate": Decimal(rng.choice(["3.85", "3.95", "4.05", "4.35"])),
                    "purpose": "研发投入",
                    "status": LoanStatus.SETTLED.value if settled else LoanStatus.ACTIVE.value,
                    "settled_on": date(granted.year + 1, granted.month, granted.day) if settled else None,
                }
            )
            places.append(place)
        created += len(_insert_loans(rows, places))
    return {"loans": created}


@transaction.atomic
def _insert_loans(rows: list[dict], places: list[str]) -> list[int]:
    ids = insert(Loan, rows)
    _audit(Loan, ids, rows, places, lambda r: r["contract_number"])
    return ids


@transaction.atomic
def _insert_projects(rows: list[dict], places: list[str]) -> list[int]:
    ids = insert(Project, rows)
    _audit(Project, ids, rows, places, lambda r: f"{r['number']} {r['name']}")
    return ids


def _audit(model, ids, rows, places, label) -> None:
    audit_created(model, ids, rows, places, label)
