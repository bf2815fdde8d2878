"""Synthetic Kaizhou S&T projects 2019–2027 (the 2027 call is open), seeded and repeatable.

Drawn from the plan's own words for programme 3: a batch of district projects every year, municipal
support sought, key-technology projects on 柴葛退热口服液 and 5G high-speed copper-clad laminate (2021),
farming (特色水果, 道地中药材, 绿色畜牧, 生态渔业) and a first 揭榜挂帅 trial. Lifecycles (approval,
acceptance, termination) and amounts are drawn by `lifecycle`, which the province generator shares.
"""

import random
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction

from kechuang.enterprises.models import Enterprise
from kechuang.org.models import Department, User

from .models import Call, CallStatus, Category, Project, Status

# The day the synthetic lifecycles are seen at: fixed, so the same seed gives the same data on any day.
AS_OF = date(2026, 11, 28)

CODES = {
    Category.DISTRICT: "QJ",
    Category.MUNICIPAL: "SJ",
    Category.NATIONAL: "GJ",
    Category.KEY_TECHNOLOGY: "GG",
    Category.CHALLENGE: "JB",
    Category.TRANSFER: "ZH",
}
# category → (lowest, highest) public funding in 元, and the share of applications approved
FUNDING = {
    Category.DISTRICT: (50_000, 300_000),
    Category.MUNICIPAL: (200_000, 1_000_000),
    Category.NATIONAL: (1_000_000, 5_000_000),
    Category.KEY_TECHNOLOGY: (500_000, 3_000_000),
    Category.CHALLENGE: (1_000_000, 5_000_000),
    Category.TRANSFER: (100_000, 800_000),
}
APPROVAL_RATE = {
    Category.DISTRICT: 0.75,
    Category.MUNICIPAL: 0.5,
    Category.NATIONAL: 0.3,
    Category.KEY_TECHNOLOGY: 0.8,
    Category.CHALLENGE: 0.6,
    Category.TRANSFER: 0.7,
}


def lifecycle(rng: random.Random, year: int, category: str, approve: bool | None = None) -> dict:
    """Status, dates and amounts of a project applied for in `year`, as seen on AS_OF; every result
    passes Project.clean(). `approve` forces the decision (None: drawn at the category's rate)."""
    if year > AS_OF.year:  # next year's call, open now: applied this autumn, not yet decided
        applied = date(year - 1, rng.randint(9, AS_OF.month), rng.randint(1, 28))
    elif rng.random() < 0.3:  # calls for the next year's projects often close in the autumn before
        applied = date(year - 1, rng.randint(10, 12), rng.randint(1, 28))
    else:
        applied = date(year, rng.randint(1, 5), rng.randint(1, 28))
    low, high = FUNDING[category]
    requested = rng.randrange(low, high + 1, 1_000)
    own = Decimal(int(requested * rng.uniform(0.5, 3.0)) // 1_000 * 1_000)
    fields = {
        "applied_on": applied,
        "approved_on": None,
        "planned_end_on": None,
        "completed_on": None,
        "funding": Decimal(0),
        "self_funding": own,
    }
    decided = applied + timedelta(days=rng.randint(60, 150))
    approved = rng.random() < APPROVAL_RATE[category] if approve is None else approve
    if decided > AS_OF:  # still under review: just filed, accepted for review, or sent back for papers
        if AS_OF - applied < timedelta(days=20):
            return {**fields, "status": Status.APPLIED.value}
        pending = Status.RETURNED if rng.random() < 0.15 else Status.ACCEPTED
        return {**fields, "status": pending.value}
    if not approved:
        return {**fields, "status": Status.REJECTED.value}
    planned_end = decided + timedelta(days=365 * rng.randint(1, 3))
    fields.update(approved_on=decided, planned_end_on=planned_end, funding=Decimal(requested))
    if planned_end <= AS_OF:
        if rng.random() < 0.08:
            return {**fields, "status": Status.TERMINATED.value}
        completed = min(planned_end + timedelta(days=rng.randint(-30, 120)), AS_OF)
        return {**fields, "status": Status.COMPLETED.value, "completed_on": max(completed, decided)}
    if rng.random() < 0.02:
        return {**fields, "status": Status.TERMINATED.value}
    recent = AS_OF - decided < timedelta(days=90)  # approved, not yet reported as started
    return {**fields, "status": (Status.APPROVED if recent else Status.ONGOING).value}


# (year, category, name, non-enterprise applicant as (unit name, department) or None for an enterprise,
#  approved: True / False / None for drawn)
PROJECTS = [
    (2019, Category.DISTRICT, "开州春橙绿色高效栽培技术示范", ("开州区农业技术推广站", "区农业农村委"), True),
    (2019, Category.DISTRICT, "道地中药材木香规范化种植与初加工技术研究", None, None),
    (2019, Category.DISTRICT, "智能配电开关柜装配线数字化改造", None, None),
    (2019, Category.MUNICIPAL, "高性能铝合金轮毂轻量化关键技术研发", None, None),
    (2019, Category.TRANSFER, "锂电池正极材料制备技术成果转化", None, True),
    (2020, Category.DISTRICT, "稻渔综合种养技术集成与示范", ("开州区水产站", "区农业农村委"), True),
    (2020, Category.DISTRICT, "开州土鸡绿色健康养殖技术研究", None, None),
    (2020, Category.DISTRICT, "建筑固废资源化再生骨料技术研究", None, None),
    (
        2020,
        Category.DISTRICT,
        "基层医疗机构远程心电诊断平台应用研究",
        ("开州区人民医院", "区卫生健康委"),
        None,
    ),
    (2020, Category.MUNICIPAL, "柴葛退热口服液制备工艺优化研究", None, True),
    (2021, Category.KEY_TECHNOLOGY, "柴葛退热口服液质量标准与产业化关键技术攻关", None, True),
    (2021, Category.KEY_TECHNOLOGY, "大数据通讯5G及以上高速覆铜板关键技术攻关", None, True),
    (2021, Category.CHALLENGE, "高速覆铜板低介电损耗树脂配方（揭榜挂帅试点）", None, True),
    (2021, Category.DISTRICT, "开州春橙采后保鲜与冷链技术研究", None, True),
    (2021, Category.DISTRICT, "开州木香种苗繁育与标准化种植示范", None, True),
    (2021, Category.DISTRICT, "汉丰湖土著鱼类资源保护与增殖技术", ("开州区水产站", "区农业农村委"), True),
    (2021, Category.DISTRICT, "生猪养殖粪污资源化利用技术示范", None, None),
    (2021, Category.DISTRICT, "乡村旅游智慧导览系统开发", None, False),
    (2021, Category.MUNICIPAL, "新能源汽车线束智能检测装备研发", None, True),
    (
        2021,
        Category.MUNICIPAL,
        "特色水果病虫害绿色防控技术集成",
        ("开州区农业技术推广站", "区农业农村委"),
        None,
    ),
    (2021, Category.TRANSFER, "覆铜板用高纯电子级玻纤布成果转化", None, True),
    (2022, Category.DISTRICT, "中药材林下生态种植技术研究", None, None),
    (2022, Category.DISTRICT, "智能电子元器件自动化贴装工艺改进", None, None),
    (2022, Category.DISTRICT, "生态渔业尾水处理技术示范", None, None),
    (2022, Category.MUNICIPAL, "工业互联网设备预测性维护平台研发", None, None),
    (2022, Category.KEY_TECHNOLOGY, "高频高速覆铜板基材国产化关键技术攻关", None, True),
    (2022, Category.TRANSFER, "柴葛退热口服液中试成果转化", None, True),
    (2023, Category.DISTRICT, "开州春橙品质提升与品牌标准研究", None, None),
    (
        2023,
        Category.DISTRICT,
        "山地特色畜禽疫病快速检测技术",
        ("开州区动物疫病预防控制中心", "区农业农村委"),
        None,
    ),
    (2023, Category.DISTRICT, "新型储能电池模组热管理技术研究", None, None),
    (2023, Category.MUNICIPAL, "数控机床关键零部件精密加工技术研发", None, None),
    (2023, Category.NATIONAL, "三峡库区特色中药材资源综合利用技术集成与示范", None, True),
    (2023, Category.CHALLENGE, "智能制造产线视觉质检算法（揭榜挂帅）", None, True),
    (2024, Category.DISTRICT, "道地中药材有效成分提取工艺研究", None, None),
    (2024, Category.DISTRICT, "智慧农业物联网监测系统应用示范", None, None),
    (2024, Category.DISTRICT, "装配式建筑构件绿色生产技术研究", None, None),
    (2024, Category.MUNICIPAL, "高速覆铜板用低轮廓铜箔研发", None, True),
    (2024, Category.KEY_TECHNOLOGY, "新能源汽车电机控制器关键技术攻关", None, True),
    (2024, Category.TRANSFER, "柑橘深加工果胶提取成果转化", None, None),
    (2025, Category.DISTRICT, "开州春橙数字果园建设技术示范", None, True),
    (2025, Category.DISTRICT, "生态渔业智能投喂系统研发", None, None),
    (2025, Category.DISTRICT, "中药饮片智能炮制设备研究", None, None),
    (2025, Category.MUNICIPAL, "5G通信用高频基板材料可靠性研究", None, True),
    (2025, Category.CHALLENGE, "汽车零部件轻量化连接工艺（揭榜挂帅）", None, True),
    (2025, Category.KEY_TECHNOLOGY, "高端电子电路基材关键技术攻关", None, True),
    (2026, Category.DISTRICT, "柑橘黄龙病早期监测预警技术研究", None, None),
    (
        2026,
        Category.MUNICIPAL,
        "汉丰湖水质智能监测与预警系统研发",
        ("开州区生态环境监测站", "区科技局"),
        True,
    ),
    (2026, Category.TRANSFER, "中药材残渣生物有机肥成果转化", None, None),
    (2027, Category.DISTRICT, "开州木香精深加工产品开发", None, None),
    (2027, Category.DISTRICT, "智能网联汽车线束柔性生产工艺研究", None, None),
    (2027, Category.CHALLENGE, "低介电常数覆铜板树脂国产替代（揭榜挂帅）", None, None),
]


@transaction.atomic
def load_demo_projects(seed: int = 2021) -> int:
    """Create the demo projects that are missing; return how many were created."""
    rng = random.Random(seed)
    district = Department.objects.get(name="开州区", kind=Department.Kind.DISTRICT)
    units = {
        d.name: d
        for d in Department.objects.filter(path__startswith=district.path, kind=Department.Kind.DEPARTMENT)
    }
    bureau = units["区科技局"]
    candidates = list(
        Enterprise.objects.filter(town__path__startswith=district.path, qualifications__kind__code="cq_tech")
        .select_related("town")
        .distinct()
        .order_by("pk")
    )
    existing = set(Project.objects.values_list("year", "number"))
    sequence: dict = {}
    created = 0
    for year, category, name, unit, approve in PROJECTS:
        sequence[(year, category)] = sequence.get((year, category), 0) + 1
        number = f"KZKJ{year}-{CODES[category]}-{sequence[(year, category)]:03d}"
        fields = lifecycle(rng, year, category, approve)
        eligible = [e for e in candidates if e.registered_on < fields["applied_on"]]
        enterprise = rng.choice(eligible) if unit is None and eligible else None
        if (year, number) in existing:
            continue
        if enterprise is not None:
            # challenges are posted and run by the bureau; other projects sit in the applicant's town
            department = bureau if category == Category.CHALLENGE else enterprise.town
            applicant = {"enterprise": enterprise}
        else:
            unit_name, department_name = unit or ("开州区科技创新服务中心", "区科技局")
            department, applicant = units[department_name], {"unit_name": unit_name}
        project = Project(
            year=year,
            number=number,
            name=name,
            category=category,
            department=department,
            **applicant,
            **fields,
        )
        project.full_clean()  # the synthetic lifecycle must satisfy the same rules as a clerk's entry
        project.save()
        created += 1
    return created


def load_demo(plan) -> None:
    """This app's part of `kechuang demo` (the site calls it after the reference data and accounts)."""
    load_demo_projects()
    load_demo_calls(plan)
    link_demo_tasks(plan)  # before the online applications: they inherit their call's tasks
    load_demo_review_rounds()
    from .demo_applications import load_demo_applications  # last: it applies to an open call

    load_demo_applications()
    load_demo_batches()
    # --- 中期检查: signed 任务书 and their reports (late, very late, 整改) for a few projects 在研 ---
    from .demo_interim import load_demo_interim

    load_demo_interim(plan)
    # --- end of 中期检查 ---
    from .demo_lifecycle import load_demo_lifecycle  # after 立项: 任务书, reports, acceptances, payments

    load_demo_lifecycle()


# --- 申报指南: the calls the demo projects answered, and next year's, open now --------------------------

# the plan's programme 3 in its own words: the supported directions of the district's yearly call
DISTRICT_TOPICS = [
    "高新技术产业与战略性新兴产业关键技术攻关",
    "传统产业技术改造升级与科技成果落地转化",
    "现代农业科技创新与成果应用示范（特色水果、道地中药材、绿色畜牧、生态渔业、乡村旅游）",
    "社会发展领域科技创新（医疗卫生、生态环境）",
]
KEY_TECHNOLOGY_TOPICS = [
    "大数据通讯5G及以上高速覆铜板及电子电路基材关键技术",
    "柴葛退热口服液等中医药大健康产品制备与质量标准关键技术",
    "新能源汽车关键零部件与智能制造关键技术",
]
TRANSFER_TOPICS = [
    "科技成果中试熟化与工程化验证",
    "高校院所科技成果在开州落地转化",
    "科技成果转化公共服务平台建设",
]
ATTACHMENTS = ["项目申报书", "营业执照或法人证书", "上年度财务报表", "知识产权及前期研究证明材料"]

# (year or None for next year's, category, status, budget in 元, single request cap in 元, opens, closes,
#  qualifications (codes; one of them), enterprise only)
CALLS = [
    (2021, Category.DISTRICT, "已完成", 3_000_000, 300_000, (2020, 11, 15), (2021, 4, 30), (), False),
    (
        2021,
        Category.KEY_TECHNOLOGY,
        "已完成",
        8_000_000,
        3_000_000,
        (2020, 11, 20),
        (2021, 4, 30),
        ("cq_tech", "hte"),
        True,
    ),
    (2022, Category.DISTRICT, "已完成", 3_500_000, 300_000, (2021, 11, 15), (2022, 4, 30), (), False),
    (2023, Category.DISTRICT, "已完成", 4_000_000, 300_000, (2022, 11, 15), (2023, 4, 30), (), False),
    (2024, Category.DISTRICT, "已完成", 5_000_000, 300_000, (2023, 11, 15), (2024, 4, 30), (), False),
    (2025, Category.DISTRICT, "已截止", 6_000_000, 300_000, (2024, 11, 15), (2025, 4, 30), (), False),
]
CALL_TITLES = {
    Category.DISTRICT: "开州区区级科技计划项目申报指南",
    Category.KEY_TECHNOLOGY: "开州区重点产业关键核心技术攻关项目申报指南",
    Category.TRANSFER: "开州区科技成果转化项目申报指南",
}
TOPICS = {
    Category.DISTRICT: DISTRICT_TOPICS,
    Category.KEY_TECHNOLOGY: KEY_TECHNOLOGY_TOPICS,
    Category.TRANSFER: TRANSFER_TOPICS,
}
# a project's field of review from the words of its name (first match; else 先进制造与自动化)
FIELD_WORDS = [
    ("现代农业", ("春橙", "柑橘", "种植", "种苗", "畜", "生猪", "土鸡", "渔", "鱼", "果园", "稻", "农业")),
    ("生物与新医药", ("中药", "柴葛", "医疗", "心电", "药", "疫病")),
    ("新能源与节能", ("电池", "储能", "新能源", "电机")),
    ("新材料", ("覆铜板", "材料", "铝合金", "玻纤", "铜箔", "基材", "树脂", "果胶")),
    ("电子信息", ("电子", "5G", "通信", "导览", "视觉", "物联网", "互联网")),
    ("资源与环境", ("固废", "尾水", "水质", "粪污", "生态")),
]


def field_of(name: str) -> str:
    return next((field for field, words in FIELD_WORDS if any(w in name for w in words)), "先进制造与自动化")


def topic_of(call, project) -> str:
    """The call's direction a project answers (by its field; the transfers and trials by their words)."""
    topics, field = call.topic_list, field_of(project.name)
    if call.category == Category.KEY_TECHNOLOGY:
        return topics[{"新材料": 0, "电子信息": 0, "生物与新医药": 1}.get(field, 2)]
    if call.category != Category.DISTRICT:
        return topics[0]
    if any(w in project.name for w in ("转化", "中试", "工艺", "提取")):
        return topics[1]
    if field == "现代农业":
        return topics[2]
    if field in ("资源与环境",) or any(w in project.name for w in ("医疗", "心电", "疫病", "水质")):
        return topics[3]
    return topics[1] if field == "生物与新医药" else topics[0]


@transaction.atomic
def load_demo_calls(plan=None) -> int:
    """The district's calls 2021–2025 (finished, the last one closed), next year's district call published
    and open today (its dates follow the real date, so it is open whenever the demo is loaded) and a
    transfer call still in draft; the demo projects of a call's year and category that were applied for
    while it was open answer it (call, topic, field of review). Return how many calls were created."""
    from django.utils import timezone

    from kechuang.enterprises.models import QualificationKind
    from kechuang.reviews.models import Discipline
    from kechuang.workflow import engine as workflow

    from . import calls as call_actions

    kjj = User.objects.filter(username="kjj").first()
    if kjj is None:
        return 0
    bureau = Department.objects.get(name="区科技局")
    kinds = {k.code: k for k in QualificationKind.objects.all()}
    today = timezone.localdate()
    upcoming = today.year + 1
    opens = max(date(today.year, 1, 1), today - timedelta(days=90))
    specs = [
        (year, category, status, budget, cap, date(*o), date(*c), quals, only)
        for year, category, status, budget, cap, o, c, quals, only in CALLS
    ]
    specs += [
        (
            upcoming,
            Category.DISTRICT,
            "已发布",
            8_000_000,
            300_000,
            opens,
            today + timedelta(days=30),
            ("cq_tech", "hte", "kxqy"),
            True,
        ),
        (
            upcoming,
            Category.TRANSFER,
            "草稿",
            5_000_000,
            800_000,
            today + timedelta(days=40),
            today + timedelta(days=80),
            ("cq_tech",),
            True,
        ),
    ]
    disciplines = {d.name: d for d in Discipline.objects.all()}
    created = 0
    for year, category, status, budget, cap, opens_on, closes_on, quals, only in specs:
        number = f"KZZN{year}-{CODES[category]}"  # 指南: its applications are numbered after it
        call = Call.objects.filter(year=year, number=number).first()
        if call is None:
            attachments = ATTACHMENTS + (["科技查新报告"] if category == Category.KEY_TECHNOLOGY else [])
            fields = {
                "year": year,
                "number": number,
                "title": CALL_TITLES[category],  # shown after its year (“2027年 开州区…”)
                "category": category,
                "department": bureau,
                "topics": "\n".join(TOPICS[category]),
                "budget": Decimal(budget),
                "max_request": Decimal(cap),
                "opens_on": opens_on,
                "closes_on": closes_on,
                "attachments": "\n".join(attachments),
                "enterprise_only": only,
                "one_per_applicant": True,
                "status": CallStatus.DRAFT if status == "已发布" else status,
                "note": "" if status != "草稿" else "待局务会审定后发布",
            }
            call = call_actions.save_call(
                kjj,
                None,
                reason="发布申报指南",
                qualifications=[kinds[c] for c in quals if c in kinds],
                **fields,
            )
            if status == "已发布":  # published through its workflow: the step is on the call's thread
                workflow.perform(call, "publish", kjj, comment="经局务会审定发布")
            created += 1
        if call.status == CallStatus.DRAFT:
            continue
        answering = Project.objects.filter(
            year=call.year,
            category=call.category,
            call__isnull=True,
            applied_on__gte=call.opens_on,
            applied_on__lte=call.closes_on,
        ).select_related("enterprise")
        if call.status == CallStatus.OPEN:
            continue  # the open call's applications are made online, with their budgets and files
        applicants = set(
            Project.objects.filter(call=call).exclude(enterprise=None).values_list("enterprise_id", flat=True)
        )  # one application per applicant
        for project in answering.order_by("pk"):
            if project.enterprise_id is not None and project.enterprise_id in applicants:
                continue
            if project.enterprise_id is not None:
                applicants.add(project.enterprise_id)
            project.call = call
            project.topic = topic_of(call, project)
            project.discipline = disciplines.get(field_of(project.name))
            project.full_clean()
            project.save(update_fields=["call", "topic", "discipline"])
    return created


# --- the plan's tasks they carry out: programme 3 of the Kaizhou plan ----------------------------------
# 3.1 区级科技项目、争取市级项目  3.2 柴葛退热口服液关键技术攻关  3.3 高速覆铜板关键技术攻关
# 3.4 现代农业科技创新和成果应用示范  3.5 承接科技成果转化  3.6 “揭榜挂帅”
CALL_TASKS = {
    Category.DISTRICT: ("3.1", "3.4"),
    Category.KEY_TECHNOLOGY: ("3.2", "3.3"),
    Category.TRANSFER: ("3.5",),
}
COPPER_CLAD_WORDS = ("覆铜板", "基材", "基板", "玻纤布", "铜箔")


def demo_task_codes(category: str, name: str) -> list[str]:
    """The codes of programme 3's tasks a demo project carries out, from its category and the words of its
    name."""
    codes = []
    if category in (Category.DISTRICT, Category.MUNICIPAL, Category.NATIONAL):
        codes.append("3.1")
    if "柴葛" in name:
        codes.append("3.2")
    if any(word in name for word in COPPER_CLAD_WORDS):
        codes.append("3.3")
    if category in (Category.DISTRICT, Category.NATIONAL) and field_of(name) == "现代农业":
        codes.append("3.4")
    if category == Category.TRANSFER:
        codes.append("3.5")
    if category == Category.CHALLENGE:
        codes.append("3.6")
    return codes


@transaction.atomic
def link_demo_tasks(plan) -> int:
    """Link the demo calls and the projects not linked yet to the tasks of the plan's programme 3 they
    carry out (an online application started later inherits its call's). Return how many projects were
    linked."""
    if plan is None:
        return 0
    from kechuang.plans.models import Task

    tasks = {t.code: t for t in Task.objects.filter(programme__plan=plan, programme__number=3)}
    if not tasks:
        return 0
    for call in Call.objects.filter(department__path__startswith=plan.department.path).order_by("pk"):
        call.tasks.set([tasks[code] for code in CALL_TASKS.get(call.category, ()) if code in tasks])
    linked = Project.tasks.through.objects.values("project_id")
    count = 0
    region = Project.objects.filter(department__path__startswith=plan.department.path)
    for project in region.exclude(pk__in=linked).order_by("pk"):
        chosen = [tasks[code] for code in demo_task_codes(project.category, project.name) if code in tasks]
        if chosen:
            project.tasks.set(chosen)
            count += 1
    return count


# --- the review of applications (the reviews app's rounds over this app's projects) ----------------

CRITERIA = [
    ("技术创新性", "0.4", "100"),
    ("市场前景与效益", "0.3", "100"),
    ("实施方案可行性", "0.2", "100"),
    ("团队与基础", "0.1", "100"),
]


def _discipline_of(project):
    from kechuang.reviews.models import Discipline

    field = getattr(project.enterprise, "hightech_field", "") or "先进制造与自动化"
    return Discipline.objects.filter(name=field).first() or Discipline.objects.get(name="先进制造与自动化")


def load_demo_review_rounds(seed: int = 2026) -> int:
    """Two rounds: last year's, finished; this year's, open — sheets in, one recusal refilled, and the demo
    account `expert` with sheets still to fill."""
    from datetime import date, timedelta

    from django.utils import timezone

    from kechuang.reviews import actions
    from kechuang.reviews.demo import expert_account
    from kechuang.reviews.models import Assignment, Expert, ReviewRound
    from kechuang.workflow import engine as workflow

    if ReviewRound.objects.exists():
        return 0
    rng = random.Random(seed)
    kjj = User.objects.filter(username="kjj").first()
    bureau = Department.objects.get(name="区科技局")
    if kjj is None:
        return 0
    today = timezone.localdate()
    made = 0
    for year, deadline, projects in (
        (
            2026,
            date(2026, 3, 20),
            Project.objects.filter(year=2026).select_related("enterprise").order_by("pk"),
        ),
        (
            today.year + 1,
            today + timedelta(days=14),
            Project.objects.filter(year=today.year + 1).select_related("enterprise").order_by("pk"),
        ),
    ):
        if not projects:
            continue
        review_round = actions.save_round(
            kjj,
            None,
            criteria=CRITERIA,
            reason="组织立项评审",
            title=f"{year}年度区级科技计划项目立项评审",
            kind="立项评审",
            department=bureau,
            deadline=max(deadline, today),
            experts_per_item=5,
        )
        for project in projects:
            actions.add_item(
                kjj,
                review_round,
                title=project.name,
                discipline=_discipline_of(project),
                organisations=[project.applicant],
                target=project,
            )
        actions.auto_assign(kjj, review_round, seed=seed)
        if deadline < today:  # last year's round: scored while it was open
            ReviewRound.objects.filter(pk=review_round.pk).update(deadline=today)
            review_round.refresh_from_db()
        own = Expert.objects.filter(user__username="expert").first()
        first_item = review_round.items.order_by("pk").first()
        if (
            own is not None
            and deadline >= today
            and not Assignment.objects.filter(item__round=review_round, expert=own).exists()
        ):
            try:
                actions.assign_manually(kjj, first_item, own, reason="该领域资深专家")
            except actions.ActionRefused:
                pass
        workflow.perform(review_round, "open", kjj)
        rows = list(
            Assignment.objects.filter(item__round=review_round)
            .select_related("expert", "item")
            .order_by("pk")
        )
        current = deadline >= today
        recusal = next((r for r in rows if own is None or r.expert_id != own.pk), None) if current else None
        for n, row in enumerate(rows):
            if current and own is not None and row.expert_id == own.pk:
                continue  # the demo expert's own work in this year's round
            account = expert_account(row.expert)
            if row is recusal:  # one recusal, refilled below
                actions.declare(account, row, conflict=True, note="与申报单位负责人有合作关系")
                continue
            actions.declare(account, row, conflict=False)
            if current and n % 4 == 3:
                continue  # declared, not yet scored
            base = rng.randint(60, 90)
            scores = {f"c{k}": str(max(0, min(100, base + rng.randint(-12, 12)))) for k in range(1, 5)}
            actions.save_sheet(
                account,
                row,
                scores=scores,
                comment="方案较完整，建议关注产业化进度。",
                recommendation="推荐" if base >= 70 else "修改后推荐",
                submit=True,
            )
        if current:
            actions.auto_assign(kjj, review_round, seed=seed)  # the recused place refilled
        else:
            ReviewRound.objects.filter(pk=review_round.pk).update(deadline=deadline)
            review_round.refresh_from_db()
            workflow.perform(review_round, "close", kjj)
            workflow.perform(review_round, "finish", kjj)
        made += 1
    return made


# --- 立项批次: last call's list as it was decided, and the open call's list in 公示 ------------------------


def load_demo_batches() -> int:
    """Two batches: the latest past call's, decided (its approved applications funded, the others declined,
    as the synthetic lifecycles decided them), and the open call's accepted applications in 公示 from today
    (through `approval`: drafted, funded as requested, published)."""
    from kechuang.core.context import audit_context

    from . import approval
    from .models import ApprovalBatch, BatchLine, BatchStatus, Decision

    if ApprovalBatch.objects.exists():
        return 0
    kjj = User.objects.filter(username="kjj").first()
    if kjj is None:
        return 0
    made = 0
    past = (
        Call.objects.filter(status__in=[CallStatus.CLOSED, CallStatus.FINISHED])
        .filter(applications__approved_on__isnull=False)
        .distinct()
        .order_by("-year", "pk")
        .first()
    )
    if past is not None:
        from django.db.models import Q

        rows = list(
            past.applications.filter(Q(status=Status.REJECTED) | Q(approved_on__isnull=False)).order_by("pk")
        )
        decided_on = min(p.approved_on for p in rows if p.approved_on)
        with audit_context(actor=kjj, reason="演示数据：已下达的立项批次"), transaction.atomic():
            batch = ApprovalBatch.objects.create(
                call=past,
                title=f"{past.year}年度{past.title.removesuffix('申报指南')}拟立项项目名单",
                publicity_days=5,
                publicity_from=decided_on - timedelta(days=14),
                publicity_until=decided_on - timedelta(days=8),
                contact="区科技局 023-52222222（工作日 9:00—17:00）",
                document_number=f"开州科技发〔{decided_on.year}〕{past.pk + 10}号",
                decided_on=decided_on,
                status=BatchStatus.DECIDED,
            )
            funded = [p for p in rows if p.approved_on]
            for rank, project in enumerate(funded + [p for p in rows if not p.approved_on], start=1):
                fund = project.approved_on is not None
                BatchLine.objects.create(
                    batch=batch,
                    project=project,
                    rank=rank,
                    requested=project.funding,
                    decision=Decision.FUND if fund else Decision.DECLINE,
                    funded=project.funding if fund else Decimal("0"),
                    reason="" if fund else approval.OUT_OF_RANGE,
                )
        made += 1
    current = (
        Call.objects.filter(status=CallStatus.OPEN, applications__status=Status.ACCEPTED)
        .distinct()
        .order_by("-year", "pk")
        .first()
    )
    if current is not None:
        batch = approval.draft(kjj, current, contact="区科技局 023-52222222（工作日 9:00—17:00）")
        for line in batch.lines.filter(decision=Decision.DECLINE, requested__gt=0):
            approval.save_line(kjj, line, decision=Decision.FUND, funded=line.requested, reason="")
        if approval.may_publish(batch, kjj) is None:
            approval.publish(kjj, batch)
            approval.record_objection(
                kjj,
                batch,
                name="开州区某机械制造有限公司",
                contact="13800000000",
                content="认为所列项目的技术指标与申报书不一致，请核实。",
                line=batch.lines.order_by("rank", "pk").first(),
            )
        made += 1
    return made
