"""The province's calls, online applications and expert review, for scale work (part of
`kechuang demo --scale province`, kechuang/site/province.py).

Per district and year (CALL_YEARS) two calls (申报指南: 区级科技计划项目 and 科技成果转化), each with its
online applications: projects with their call, topic, field, contact, budget lines adding up exactly to the
money requested and, for some, a co-applicant (another enterprise of the district, or a university or
institute of the province — whose experts must then stand aside). This year's calls are closed: their
applications are accepted (受理) and reviewed in one 立项评审 round per call, organised by the district's
bureau with the criteria of `projects.selection.DEFAULT_CRITERIA`, every item given `experts_per_item`
experts of the province's pool (`experts`, managed by 省科技局, each with 1–3 fields, an organisation and a
评审专家 account) by the least-loaded assignment of `reviews.assign` (field match, organisation conflicts
compared after the same normalisation), every expert declaring no conflict and submitting a sheet with
every score within its criterion's maximum; the round is then 已截止 with its ranking ready. Next year's
calls are open, with drafts, submitted, accepted and returned applications not yet under review.

Everything goes through the bulk writer a district at a time (each district in its own transaction), with
an audit entry for every row, so memory stays flat whatever the totals; the same seed gives the same data.
"""

from __future__ import annotations

import random
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from kechuang.core.bulkwrite import insert
from kechuang.enterprises.models import Enterprise
from kechuang.org.models import Department, RoleGrant, User
from kechuang.org.roles import Role, Scope
from kechuang.projects.demo import AS_OF
from kechuang.projects.models import (
    BudgetItem,
    BudgetLine,
    Call,
    CallStatus,
    Category,
    CoApplicant,
    Project,
    Status,
)
from kechuang.projects.selection import DEFAULT_CRITERIA
from kechuang.reviews import assign
from kechuang.reviews.models import (
    DISCIPLINES,
    Assignment,
    Criterion,
    Declaration,
    Discipline,
    Expert,
    Recommendation,
    ReviewItem,
    ReviewRound,
    RoundKind,
    RoundStatus,
    ScoreSheet,
    Title,
)
from kechuang.site.generated import audit_created as _audit

PAYMENT_CHUNK = 5_000  # projects whose 任务书 and tranches are written at a time
REVIEWED_YEAR = AS_OF.year  # its calls are closed and their applications reviewed
OPEN_YEAR = AS_OF.year + 1  # its calls are open now
CALL_YEARS = (REVIEWED_YEAR, OPEN_YEAR)
CALL_CATEGORIES = (Category.DISTRICT, Category.TRANSFER)
CALL_TOPICS = {
    Category.DISTRICT: [
        "智能制造与工业互联网",
        "新材料与绿色化工",
        "现代农业与农产品加工",
        "生物医药与大健康",
    ],
    Category.TRANSFER: ["高校院所成果在本区转化", "企业自主成果产业化", "农业科技成果推广应用"],
}
SUBJECTS = [
    "高速覆铜板",
    "道地中药材",
    "柑橘采后处理",
    "新能源汽车零部件",
    "锂电池正极材料",
    "智能配电装备",
    "稻渔综合种养",
    "工业互联网平台",
    "建筑固废再生骨料",
    "电子元器件",
    "农产品冷链物流",
    "生猪健康养殖",
]
WORK = {
    Category.DISTRICT: ["关键技术研究", "技术集成与示范", "工艺优化研究", "新产品开发"],
    Category.TRANSFER: ["技术成果转化", "成果产业化应用", "中试熟化与推广"],
}
MAX_REQUEST = 500_000  # 元 per application
# the fields applications ask for, with their weights (agriculture and manufacturing first)
FIELD_WEIGHTS = {
    "电子信息": 9,
    "生物与新医药": 10,
    "航空航天": 1,
    "新材料": 10,
    "高技术服务": 6,
    "新能源与节能": 8,
    "资源与环境": 7,
    "先进制造与自动化": 16,
    "现代农业": 18,
    "财务与管理": 3,
}
# the province's universities, institutes and hospitals: where its experts work, and some co-applicants
ORGANISATIONS = [
    f"示范省{name}"
    for name in [
        "理工大学",
        "农业大学",
        "医科大学",
        "师范大学",
        "工商大学",
        "交通大学",
        "科学技术研究院",
        "农业科学院",
        "林业科学研究院",
        "中医药研究院",
        "人民医院",
        "中医院",
        "环境科学研究院",
        "计量质量检测研究院",
        "生产力促进中心",
        "机械工业设计研究院",
        "化工研究院",
        "畜牧科学院",
        "水产科学研究所",
        "信息通信研究院",
    ]
]
POSITIONS = ["教授", "研究员", "主任医师", "高级工程师", "副教授", "副研究员", "高级会计师", ""]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉建斌红波宁亮俊峰浩"
TITLES = [Title.SENIOR, Title.SENIOR, Title.ASSOCIATE, Title.ASSOCIATE, Title.ASSOCIATE, Title.INTERMEDIATE]
EXPERT_USERNAME = "szj{:04d}"  # the experts' accounts; the first signs in with the demo password
CO_APPLICANT_RATE = 0.3
# statuses of next year's applications (none under review yet)
OPEN_STATUSES = {Status.DRAFT: 25, Status.APPLIED: 40, Status.ACCEPTED: 25, Status.RETURNED: 10}
BUDGET_ITEMS = [
    BudgetItem.EQUIPMENT,
    BudgetItem.MATERIALS,
    BudgetItem.TESTING,
    BudgetItem.FUEL,
    BudgetItem.TRAVEL,
    BudgetItem.PUBLICATION,
    BudgetItem.LABOUR,
    BudgetItem.CONSULTING,
    BudgetItem.INDIRECT,
]
COMMENTS = {
    Recommendation.RECOMMEND: "技术路线清晰，创新性较强，预期效益明显，建议支持。",
    Recommendation.REVISE: "方案总体可行，预算和考核指标需进一步细化后支持。",
    Recommendation.REJECT: "创新性不足，实施方案和预算依据不充分，不建议支持。",
}
ROUND_DEADLINE = date(REVIEWED_YEAR - 1, 12, 15)
ZONE = ZoneInfo(settings.TIME_ZONE)


def check_sizes(
    districts: int, enterprises: int, applications: int, reviewed: int, per_item: int, experts: int
):
    """Refuse sizes the generator cannot honour (a ValueError naming what is wrong)."""
    if reviewed > applications:
        raise ValueError(f"reviewed ({reviewed}) cannot exceed applications ({applications})")
    if reviewed and experts < per_item:
        raise ValueError(f"{experts} experts cannot review each item {per_item} times")
    # one application per applicant and call: a call never needs more applicants than a district has
    per_district = enterprises // districts
    for wanted in (-(-reviewed // districts), -(-(applications - reviewed) // districts)):
        if -(-wanted // len(CALL_CATEGORIES)) > per_district:
            raise ValueError(
                f"{wanted} applications a district exceed its {per_district} enterprises per call"
            )


def generate(
    seed: int,
    province: Department,
    district_nodes: list[Department],
    *,
    applications: int,
    reviewed: int,
    experts: int,
    experts_per_item: int,
    log=print,
) -> dict:
    """The calls, applications, expert pool and reviews of the province; return the figures (counts, and
    the audit entries written)."""
    started = time.perf_counter()
    rng = random.Random(f"{seed}:applications")
    # the fields are installed by the migration; a flushed database has none
    for order, name in enumerate(DISCIPLINES, start=1):
        Discipline.objects.get_or_create(name=name, defaults={"order": order * 10})
    fields = {d.name: d.pk for d in Discipline.objects.filter(name__in=FIELD_WEIGHTS)}
    counts = {
        key: 0
        for key in (
            "calls",
            "applications",
            "budget_lines",
            "co_applicants",
            "experts",
            "review_rounds",
            "review_items",
            "assignments",
            "score_sheets",
            "short_items",  # items with fewer eligible experts than places
        )
    }
    audited = 0
    pool, written = _experts(random.Random(f"{seed}:experts"), province, experts, fields)
    counts["experts"] = len(pool)
    audited += written
    log(f"专家库：{len(pool)} 位专家（{time.perf_counter() - started:.0f} 秒）")
    project_type = ContentType.objects.get_for_model(Project)
    reviewed_base, reviewed_extra = divmod(reviewed, len(district_nodes))
    other_base, other_extra = divmod(applications - reviewed, len(district_nodes))
    for index, district in enumerate(district_nodes):
        wanted_reviewed = reviewed_base + (1 if index < reviewed_extra else 0)
        wanted_other = other_base + (1 if index < other_extra else 0)
        with transaction.atomic():
            figures = _district(
                rng,
                district,
                wanted_reviewed,
                wanted_other,
                fields,
                pool,
                experts_per_item,
                project_type,
            )
        for key, value in figures.items():
            if key in counts:
                counts[key] += value
        audited += figures["audit_entries"]
        log(
            f"  {district.name}：申报 {figures['applications']}，评审项目 {figures['review_items']}，"
            f"评分表 {figures['score_sheets']}"
        )
    counts["audit_entries"] = audited
    log(
        f"申报指南：{counts['calls']} 个，在线申报：{counts['applications']} 项，"
        f"评审：{counts['review_rounds']} 轮 {counts['review_items']} 项，评分表 {counts['score_sheets']} 份"
        f"（{time.perf_counter() - started:.0f} 秒）"
    )
    return counts


def payments(rng: random.Random, district_nodes: list[Department], log=print) -> dict:
    """拨付: every approved project that ran (在研 or 结题) gets its signed 任务书 — the period from 立项 to the
    planned end, signed three weeks after 立项 — and its tranches: 40–60 % of the grant after signing, the
    rest after acceptance for a finished project; a tranche whose date lies after the data's day is
    arranged, not yet paid. Per district, a chunk of projects at a time, through the bulk writer, audited;
    the district's tranches never add up to more than the amount funded."""
    from kechuang.projects.models import Payer, Payment, PaymentStatus, TaskBook, TaskBookStatus, Tranche

    started = time.perf_counter()
    counts = {"task_books": 0, "payments": 0, "paid": Decimal("0")}
    audited = 0
    for district in district_nodes:
        rows = list(
            Project.objects.filter(
                department__path__startswith=district.path,
                status__in=[Status.ONGOING, Status.COMPLETED],
                funding__gt=0,
                approved_on__isnull=False,
                task_book__isnull=True,
            )
            .order_by("pk")
            .values_list(
                "pk", "number", "approved_on", "planned_end_on", "completed_on", "funding", "department__path"
            )
        )
        for start in range(0, len(rows), PAYMENT_CHUNK):
            chunk = rows[start : start + PAYMENT_CHUNK]
            books, book_places, tranches, tranche_places = [], [], [], []
            for pk, number, approved_on, planned_end_on, completed_on, funding, place in chunk:
                ends_on = (
                    planned_end_on
                    if planned_end_on and planned_end_on > approved_on
                    else approved_on + timedelta(days=730)
                )
                signed_on = approved_on + timedelta(days=21)
                books.append(
                    {
                        "project_id": pk,
                        "number": f"RWS-{number}",
                        "starts_on": approved_on,
                        "ends_on": ends_on,
                        "goals": "",
                        "report_every_months": 6,
                        "owner_funding": Decimal("0"),
                        "signed_on": signed_on,
                        "status": TaskBookStatus.SIGNED.value,
                    }
                )
                book_places.append(place)
                first = (funding * Decimal(rng.choice(("0.4", "0.5", "0.6")))).quantize(Decimal("1"))
                plan = [(Tranche.APPROVAL.value, first, signed_on + timedelta(days=rng.randint(5, 40)))]
                if completed_on is not None and funding > first:
                    plan.append(
                        (
                            Tranche.ACCEPTANCE.value,
                            funding - first,
                            completed_on + timedelta(days=rng.randint(10, 45)),
                        )
                    )
                for n, (tranche, amount, paid_on) in enumerate(plan, 1):
                    paid = paid_on <= AS_OF
                    tranches.append(
                        {
                            "project_id": pk,
                            "tranche": tranche,
                            "milestone_id": None,
                            "payer": Payer.DISTRICT.value,
                            "amount": amount,
                            "paid_on": paid_on if paid else None,
                            "voucher": f"CZ-{number}-{n}" if paid else "",
                            "note": "",
                            "status": (PaymentStatus.PAID if paid else PaymentStatus.PLANNED).value,
                        }
                    )
                    tranche_places.append(place)
                    if paid:
                        counts["paid"] += amount
            with transaction.atomic():
                book_ids = insert(TaskBook, books)
                _audit(TaskBook, book_ids, books, book_places, lambda r: f"{r['number']}")
                payment_ids = insert(Payment, tranches)
                _audit(
                    Payment,
                    payment_ids,
                    tranches,
                    tranche_places,
                    lambda r: f"{r['tranche']} {r['amount']} 元",
                )
            counts["task_books"] += len(book_ids)
            counts["payments"] += len(payment_ids)
            audited += len(book_ids) + len(payment_ids)
    log(
        f"任务书：{counts['task_books']} 份；拨付：{counts['payments']} 笔，已拨付 {counts['paid']:,.0f} 元"
        f"（{time.perf_counter() - started:.0f} 秒）"
    )
    counts["paid"] = str(counts["paid"])
    counts["audit_entries"] = audited
    return counts


# --- the expert pool ------------------------------------------------------------------------------


def _experts(rng: random.Random, province: Department, total: int, fields: dict) -> tuple[list, int]:
    """`total` experts managed by the province's 省科技局, each with an account (评审专家, scope self);
    returns the pool as `reviews.assign.Expert`s (fields by name) and the audit entries written."""
    from kechuang.site.demo import DEMO_PASSWORD

    if not total:
        return [], 0
    bureau = Department.objects.get(path__startswith=province.path, depth=province.depth + 1, name="省科技局")
    names = list(fields)
    taken: set[str] = set()
    experts, accounts, chosen = [], [], []
    unusable = "!" + "province-expert"  # no password: these accounts sign in once one is set
    for n in range(total):
        name = ""
        while not name or name in taken:
            name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
            if name in taken and rng.random() < 0.1:
                name += str(n)  # a common name: told apart by a number, as a register would
        taken.add(name)
        # the first field in turn, so every field has experts; some review one or two more
        own = [names[n % len(names)]]
        for _ in range(rng.choice((0, 0, 1, 1, 2))):
            extra = rng.choice(names)
            if extra not in own:
                own.append(extra)
        organisation = rng.choice(ORGANISATIONS)
        if rng.random() < 0.05:  # as typed into a register: full-width or stray spaces (the same unit)
            organisation = rng.choice(["　", " "]) + organisation + rng.choice(["", "　", " "])
        available = rng.random() >= 0.05
        experts.append(
            {
                "name": name,
                "organisation": organisation,
                "title": rng.choice(TITLES).value,
                "position": rng.choice(POSITIONS),
                "phone": f"139{rng.randrange(10**8):08d}",
                "email": f"expert{n + 1:04d}@example.cn",
                "department_id": bureau.pk,
                "available": available,
                "unavailable_reason": "" if available else "本人申请暂停（出差）",
                "note": "",
            }
        )
        accounts.append(
            {
                "username": EXPERT_USERNAME.format(n + 1),
                "display_name": name,
                "password": unusable,
                "is_active": True,
            }
        )
        chosen.append(own)
    if accounts:
        from django.contrib.auth.hashers import make_password

        accounts[0]["password"] = make_password(DEMO_PASSWORD)
    with transaction.atomic():
        user_ids = insert(User, accounts)
        _audit(User, user_ids, accounts, [bureau.path] * len(accounts), lambda r: r["username"])
        grants = [
            {
                "user_id": pk,
                "role": Role.EXPERT.value,
                "scope": Scope.SELF.value,
                "department_id": province.pk,
            }
            for pk in user_ids
        ]
        grant_ids = insert(RoleGrant, grants)
        _audit(RoleGrant, grant_ids, grants, [province.path] * len(grants), lambda r: "评审专家")
        for row, pk in zip(experts, user_ids, strict=True):
            row["user_id"] = pk
        expert_ids = insert(Expert, experts)
        through = Expert.disciplines.through
        insert(
            through,
            [
                {"expert_id": pk, "discipline_id": fields[name]}
                for pk, own in zip(expert_ids, chosen, strict=True)
                for name in own
            ],
        )
        # the fields as the m2m signal records them: the list of their ids, beside the row's columns
        _audit(
            Expert,
            expert_ids,
            experts,
            [bureau.path] * len(experts),
            lambda r: f"{r['name']}（{r['organisation'].strip()}）",
            [{"disciplines": sorted(fields[name] for name in own)} for own in chosen],
        )
    pool = [
        assign.Expert(pk, tuple(own), row["organisation"], row["available"])
        for pk, row, own in zip(expert_ids, experts, chosen, strict=True)
    ]
    return pool, len(user_ids) + len(grant_ids) + len(expert_ids)


# --- one district: its calls, applications and reviews --------------------------------------------


def _moment(day: date, rng: random.Random) -> datetime:
    return datetime(day.year, day.month, day.day, rng.randint(8, 21), rng.randint(0, 59), tzinfo=ZONE)


def _budget(rng: random.Random, funding: int, own: int) -> list[tuple[str, Decimal, Decimal]]:
    """Budget lines (item, funding, own funds) adding up exactly to `funding` and `own` 元."""
    items = rng.sample(BUDGET_ITEMS, rng.randint(3, 6))
    weights = [rng.randint(1, 10) for _ in items]
    total = sum(weights)
    lines, spent_f, spent_o = [], 0, 0
    for item, weight in zip(items[:-1], weights[:-1], strict=True):
        f, o = funding * weight // total // 100 * 100, own * weight // total // 100 * 100
        lines.append((item.value, Decimal(f), Decimal(o)))
        spent_f, spent_o = spent_f + f, spent_o + o
    lines.append((items[-1].value, Decimal(funding - spent_f), Decimal(own - spent_o)))
    return lines


def _district(rng, district, wanted_reviewed, wanted_other, fields, pool, per_item, project_type) -> dict:
    bureau = Department.objects.get(path__startswith=district.path, name="区科技局")
    paths = dict(
        Department.objects.filter(path__startswith=district.path, kind="town").values_list("pk", "path")
    )
    applicants = list(
        Enterprise.objects.filter(town__path__startswith=district.path)
        .order_by("pk")
        .values_list("pk", "name", "town_id")
    )
    figures = {"audit_entries": 0}

    # the calls: per year and category, this year's closed, next year's open
    calls = []
    for year in CALL_YEARS:
        for number, category in enumerate(CALL_CATEGORIES, start=1):
            closed = year == REVIEWED_YEAR
            calls.append(
                {
                    "year": year,
                    "number": f"{district.code}ZN{year}-{number:02d}",
                    "title": f"{district.name}{year}年度{category.label}申报指南",
                    "category": category.value,
                    "department_id": bureau.pk,
                    "topics": "\n".join(CALL_TOPICS[category]),
                    "budget": Decimal(MAX_REQUEST * 40),
                    "max_request": Decimal(MAX_REQUEST),
                    "opens_on": date(year - 1, 9, 1),
                    "closes_on": date(year - 1, 10, 31) if closed else date(year - 1, 12, 31),
                    "correction_days": 5,
                    "attachments": "项目申报书\n营业执照",
                    "enterprise_only": True,
                    "one_per_applicant": True,
                    "status": (CallStatus.CLOSED if closed else CallStatus.OPEN).value,
                    "note": "",
                }
            )
    call_ids = insert(Call, calls)
    _audit(Call, call_ids, calls, [bureau.path] * len(calls), lambda r: f"{r['year']}年 {r['title']}")
    figures["calls"] = len(call_ids)
    figures["audit_entries"] += len(call_ids)

    # the applications, spread over the year's calls; one per applicant and call
    field_names, field_weights = list(FIELD_WEIGHTS), list(FIELD_WEIGHTS.values())
    statuses, status_weights = [s.value for s in OPEN_STATUSES], list(OPEN_STATUSES.values())
    projects, project_calls, project_orgs = [], [], []
    for year, wanted in ((REVIEWED_YEAR, wanted_reviewed), (OPEN_YEAR, wanted_other)):
        year_calls = [(pk, row) for pk, row in zip(call_ids, calls, strict=True) if row["year"] == year]
        base, extra = divmod(wanted, len(year_calls))
        for position, (call_id, call) in enumerate(year_calls):
            count = base + (1 if position < extra else 0)
            topics = call["topics"].split("\n")
            for n, (enterprise_id, name, town_id) in enumerate(rng.sample(applicants, count), start=1):
                applied = call["opens_on"] + timedelta(
                    days=rng.randint(0, ((min(call["closes_on"], AS_OF) - call["opens_on"]).days))
                )
                requested = rng.randrange(50_000, MAX_REQUEST + 1, 1_000)
                own = int(requested * rng.uniform(0.5, 3.0)) // 1_000 * 1_000
                status = (
                    Status.ACCEPTED.value
                    if year == REVIEWED_YEAR
                    else rng.choices(statuses, status_weights)[0]
                )
                field = rng.choices(field_names, field_weights)[0]
                projects.append(
                    {
                        "year": year,
                        "number": f"{call['number']}-{n:03d}",
                        "name": rng.choice(SUBJECTS) + rng.choice(WORK[call["category"]]),
                        "category": call["category"],
                        "department_id": town_id,
                        "enterprise_id": enterprise_id,
                        "unit_name": "",
                        "status": status,
                        "applied_on": applied,
                        "approved_on": None,
                        "planned_end_on": date(year + rng.randint(1, 3), 12, 31),
                        "completed_on": None,
                        "funding": Decimal(requested),
                        "self_funding": Decimal(own),
                        "note": "",
                        "call_id": call_id,
                        "topic": rng.choice(topics),
                        "discipline_id": fields[field],
                        "summary": "研究内容：关键工艺攻关与中试验证。\n技术路线：小试 → 中试 → 示范应用。\n预期成果：申请发明专利 2 项。",
                        "contact_name": rng.choice(SURNAMES) + rng.choice(GIVEN),
                        "contact_phone": f"138{rng.randrange(10**8):08d}",
                    }
                )
                project_calls.append(call_id)
                project_orgs.append([name])
    project_ids = insert(Project, projects)
    _audit(
        Project,
        project_ids,
        projects,
        [paths[r["department_id"]] for r in projects],
        lambda r: f"{r['number']} {r['name']}",
    )
    figures["applications"] = len(project_ids)
    figures["audit_entries"] += len(project_ids)

    lines, line_places, partners, partner_places = [], [], [], []
    for pk, row, orgs in zip(project_ids, projects, project_orgs, strict=True):
        place = paths[row["department_id"]]
        for item, funding, own in _budget(rng, int(row["funding"]), int(row["self_funding"])):
            lines.append(
                {"project_id": pk, "item": item, "funding": funding, "self_funding": own, "note": ""}
            )
            line_places.append(place)
        if rng.random() < CO_APPLICANT_RATE:
            if rng.random() < 0.5:  # a university or institute of the province: its experts stand aside
                partner, partner_id, share = rng.choice(ORGANISATIONS), None, "技术研发与检测"
            else:
                partner_id, partner, _town = rng.choice(applicants)
                share = "中试与示范应用"
            if partner != orgs[0]:
                partners.append(
                    {"project_id": pk, "name": partner, "enterprise_id": partner_id, "share": share}
                )
                partner_places.append(place)
                orgs.append(partner)
    line_ids = insert(BudgetLine, lines)
    _audit(BudgetLine, line_ids, lines, line_places, lambda r: r["item"])
    partner_ids = insert(CoApplicant, partners)
    _audit(CoApplicant, partner_ids, partners, partner_places, lambda r: r["name"])
    figures["budget_lines"], figures["co_applicants"] = len(line_ids), len(partner_ids)
    figures["audit_entries"] += len(line_ids) + len(partner_ids)

    # the reviews: one round per closed call over its (accepted) applications
    figures.update(review_rounds=0, review_items=0, assignments=0, score_sheets=0, short_items=0)
    by_call: dict[int, list[int]] = {}
    for index, call_id in enumerate(project_calls):
        if projects[index]["year"] == REVIEWED_YEAR:
            by_call.setdefault(call_id, []).append(index)
    for call_id, call in zip(call_ids, calls, strict=True):
        if call_id not in by_call:
            continue
        reviewed = by_call[call_id]
        written = _round(
            rng,
            bureau,
            call,
            [(project_ids[i], projects[i], project_orgs[i]) for i in reviewed],
            pool,
            per_item,
            project_type,
            {pk: name for pk, name in zip(fields.values(), fields, strict=True)},
        )
        for key, value in written.items():
            figures[key] += value
    return figures


def _round(rng, bureau, call, applications, pool, per_item, project_type, field_names) -> dict:
    """A closed 立项评审 round over `applications` ((project id, row, organisations)): items, criteria,
    every item's experts and their submitted sheets."""
    place = bureau.path
    rounds = [
        {
            "title": f"{call['title']}立项评审"[:200],
            "kind": RoundKind.APPLICATION.value,
            "department_id": bureau.pk,
            "deadline": ROUND_DEADLINE,
            "experts_per_item": per_item,
            "method": "trimmed",
            "disagreement_threshold": Decimal(20),
            "blind": False,
            "peers_visible": False,
            "status": RoundStatus.CLOSED.value,
            "note": "",
        }
    ]
    round_id = insert(ReviewRound, rounds)[0]
    _audit(ReviewRound, [round_id], rounds, [place], lambda r: r["title"])
    criteria = [
        {
            "round_id": round_id,
            "key": f"c{order}",
            "name": name,
            "weight": Decimal(weight),
            "max_score": Decimal(top),
            "guidance": "",
            "order": order,
        }
        for order, (name, weight, top) in enumerate(DEFAULT_CRITERIA, start=1)
    ]
    criterion_ids = insert(Criterion, criteria)
    _audit(Criterion, criterion_ids, criteria, [place] * len(criteria), lambda r: r["name"])
    items = [
        {
            "round_id": round_id,
            "content_type_id": project_type.pk,
            "object_id": pk,
            "title": f"{row['number']} {row['name']}"[:200],
            "organisations": orgs,
            "discipline_id": row["discipline_id"],
        }
        for pk, row, orgs in applications
    ]
    item_ids = insert(ReviewItem, items)
    _audit(ReviewItem, item_ids, items, [place] * len(items), lambda r: r["title"])
    # the least-loaded eligible experts of the pool (field, availability, organisation after NFKC); by
    # position, not id, so that the same seed picks the same experts whatever ids the rows were given
    result = assign.greedy_assign(
        [
            assign.Item(n, field_names[row["discipline_id"]], tuple(row["organisations"]))
            for n, row in enumerate(items)
        ],
        [assign.Expert(n, e.fields, e.organisation, e.available) for n, e in enumerate(pool)],
        per_item,
        seed=rng.randrange(2**32),
    )
    pairs = sorted((item_ids[i], pool[e].id) for i, e in result.added)
    rows = [
        {
            "item_id": item_id,
            "expert_id": expert_id,
            "source": Assignment.Source.AUTO.value,
            "reason": "",
            "declaration": Declaration.NONE.value,
            "declaration_note": "",
            "declared_at": _moment(ROUND_DEADLINE - timedelta(days=rng.randint(10, 20)), rng),
        }
        for item_id, expert_id in pairs
    ]
    assignment_ids = insert(Assignment, rows)
    titles = dict(zip(item_ids, (r["title"] for r in items), strict=True))
    _audit(Assignment, assignment_ids, rows, [place] * len(rows), lambda r: f"评审 {titles[r['item_id']]}")
    # every sheet submitted: each score within its criterion's maximum, around the item's quality and the
    # expert's leniency
    quality = {pk: rng.uniform(55, 90) for pk in item_ids}
    leniency: dict[int, float] = {}
    sheets = []
    for pk, (item_id, expert_id) in zip(assignment_ids, pairs, strict=True):
        bias = leniency.setdefault(expert_id, rng.uniform(-6, 6))
        scores = {}
        total = Decimal(0)
        for criterion in criteria:
            top = int(criterion["max_score"])
            value = max(0, min(top, round((quality[item_id] + bias + rng.gauss(0, 6)) * top / 100)))
            scores[criterion["key"]] = str(value)
            total += criterion["weight"] * value * 100 / top
        recommendation = (
            Recommendation.RECOMMEND
            if total >= 80
            else Recommendation.REVISE
            if total >= 65
            else Recommendation.REJECT
        )
        sheets.append(
            {
                "assignment_id": pk,
                "scores": scores,
                "comment": COMMENTS[recommendation],
                "recommendation": recommendation.value,
                "submitted_at": _moment(ROUND_DEADLINE - timedelta(days=rng.randint(0, 9)), rng),
            }
        )
    sheet_ids = insert(ScoreSheet, sheets)
    _audit(ScoreSheet, sheet_ids, sheets, [place] * len(sheets), lambda r: "评分表")
    return {
        "short_items": len(result.short),
        "review_rounds": 1,
        "review_items": len(item_ids),
        "assignments": len(assignment_ids),
        "score_sheets": len(sheet_ids),
        "audit_entries": 1 + len(criterion_ids) + len(item_ids) + len(assignment_ids) + len(sheet_ids),
    }
