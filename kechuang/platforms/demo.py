"""Synthetic Kaizhou platforms 2015–2025, seeded and repeatable.

Calibrated to public figures: in 2021 the district added 40 municipal-or-higher R&D and service
institutions (the plan wanted 40 R&D and 40 service institutions by the end of 2021); the first
新型研发机构 arrives in 2023 ("到2025年实现零的突破").
"""

import random
from datetime import date, timedelta

from django.db import transaction

from kechuang.enterprises.models import Enterprise
from kechuang.org.models import Department

from .models import Institution, InstitutionType, Level

# year → [(type, level, count)]
NEW = {
    2015: [("企业技术中心", "区级", 4), ("检验检测机构", "区级", 3), ("孵化载体", "区级", 2)],
    2016: [("企业技术中心", "区级", 3), ("技术转移机构", "区级", 2)],
    2017: [("企业技术中心", "市级", 2), ("工程技术研究中心", "区级", 2), ("检验检测机构", "区级", 2)],
    2018: [("企业技术中心", "市级", 2), ("知识产权服务机构", "区级", 2), ("孵化载体", "市级", 1)],
    2019: [("工程技术研究中心", "市级", 2), ("企业技术中心", "区级", 3), ("检验检测机构", "市级", 2)],
    2020: [
        ("企业技术中心", "市级", 3),
        ("重点实验室", "区级", 1),
        ("技术转移机构", "区级", 3),
        ("孵化载体", "区级", 2),
    ],
    2021: [
        ("企业技术中心", "市级", 12),
        ("工程技术研究中心", "市级", 6),
        ("产业技术研究院", "市级", 3),
        ("其他研发机构", "市级", 3),
        ("检验检测机构", "市级", 6),
        ("技术转移机构", "市级", 4),
        ("知识产权服务机构", "市级", 3),
        ("孵化载体", "国家级", 1),
        ("孵化载体", "市级", 2),
        ("检验检测机构", "区级", 4),
        ("其他科技服务机构", "区级", 5),
    ],
    2022: [
        ("企业技术中心", "市级", 6),
        ("工程技术研究中心", "市级", 3),
        ("检验检测机构", "市级", 3),
        ("技术转移机构", "区级", 2),
        ("其他科技服务机构", "区级", 2),
    ],
    2023: [
        ("新型研发机构", "市级", 1),
        ("企业技术中心", "市级", 5),
        ("重点实验室", "市级", 1),
        ("检验检测机构", "市级", 2),
        ("知识产权服务机构", "区级", 2),
    ],
    2024: [
        ("企业技术中心", "市级", 4),
        ("创新中心", "市级", 1),
        ("工程技术研究中心", "市级", 2),
        ("技术转移机构", "市级", 2),
        ("孵化载体", "区级", 2),
    ],
    2025: [
        ("新型研发机构", "市级", 1),
        ("企业技术中心", "市级", 4),
        ("检验检测机构", "市级", 2),
        ("其他科技服务机构", "区级", 3),
    ],
}
HOSTED = {"企业技术中心", "工程技术研究中心", "重点实验室"}
PREFIX = {"企业技术中心": "企业技术中心", "工程技术研究中心": "工程技术研究中心", "重点实验室": "重点实验室"}
STANDALONE = [
    "开州区{n}检验检测有限公司",
    "重庆{n}技术转移服务中心",
    "开州{n}知识产权代理事务所",
    "{n}科技企业孵化器",
    "开州{n}产业技术研究院",
    "开州{n}新型研发机构",
    "开州{n}科技服务有限公司",
    "重庆{n}创新中心",
    "开州{n}研究所",
]
NAMES = [
    "汉丰",
    "浦里",
    "盛山",
    "澎溪",
    "南河",
    "东河",
    "举子",
    "铁峰",
    "雪宝",
    "大慈",
    "汉丰湖",
    "云枫",
    "文峰",
    "临江",
    "白鹤",
    "赵家",
    "镇东",
    "丰乐",
    "渠口",
    "长沙",
    "竹溪",
    "岳溪",
]


def _standalone(rng, kind: str, used: set) -> str:
    pattern = {
        "检验检测机构": 0,
        "技术转移机构": 1,
        "知识产权服务机构": 2,
        "孵化载体": 3,
        "产业技术研究院": 4,
        "新型研发机构": 5,
        "其他科技服务机构": 6,
        "创新中心": 7,
    }.get(kind, 8)
    while True:
        name = STANDALONE[pattern].format(
            n=rng.choice(NAMES) + rng.choice(["", "智造", "绿色", "数字", "现代"])
        )
        if name not in used:
            used.add(name)
            return name


@transaction.atomic
def load_demo_platforms(seed: int = 2021) -> int:
    rng = random.Random(seed)
    district = Department.objects.get(name="开州区", kind=Department.Kind.DISTRICT)
    towns = list(Department.objects.filter(path__startswith=district.path, kind="town").order_by("path"))
    hosts = list(Enterprise.objects.filter(qualifications__kind__code="cq_tech").distinct().order_by("pk"))
    existing = set(Institution.objects.values_list("name", "institution_type", "level"))
    used, created = set(), 0
    for year, batches in sorted(NEW.items()):
        for kind, level, count in batches:
            for _ in range(count):
                day = date(year, 1, 1) + timedelta(days=rng.randrange(360))
                host = rng.choice(hosts) if kind in HOSTED and hosts else None
                name = f"{host.name}{PREFIX[kind]}" if host else _standalone(rng, kind, used)
                town = host.town if host else rng.choice(towns)
                revoked = date(year + 4, 6, 30) if year <= 2017 and rng.random() < 0.25 else None
                if (name, kind, level) in existing:
                    continue
                existing.add((name, kind, level))
                Institution.objects.create(
                    name=name,
                    institution_type=InstitutionType(kind),
                    level=Level(level),
                    town=town,
                    host=host,
                    independent=host is None,
                    recognized_on=day,
                    revoked_on=revoked,
                )
                created += 1
    return created


def load_demo(plan) -> None:
    """This app's part of `kechuang demo` (the site calls it after the reference data and accounts)."""
    load_demo_platforms()
