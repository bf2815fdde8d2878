"""A demo expert pool for Kaizhou: experts of the universities, institutes, hospitals and enterprises a
district bureau draws on, in every field, one of them the demo account `expert`, one paused, some with
declared conflicts. Seeded and repeatable."""

import random

from django.db import transaction

from kechuang.org.models import Department, User

from .models import DISCIPLINES, DeclaredConflict, Discipline, Expert

ORGANISATIONS = {
    "电子信息": ["重庆大学", "重庆邮电大学", "重庆三峡学院"],
    "生物与新医药": ["西南大学", "重庆医科大学", "开州区人民医院"],
    "航空航天": ["重庆大学"],
    "新材料": ["重庆大学", "重庆三峡学院", "重庆市科学技术研究院"],
    "高技术服务": ["重庆邮电大学", "重庆市科学技术研究院"],
    "新能源与节能": ["重庆大学", "重庆三峡学院"],
    "资源与环境": ["西南大学", "重庆三峡学院"],
    "先进制造与自动化": ["重庆大学", "重庆理工大学", "重庆市科学技术研究院"],
    "现代农业": ["西南大学", "重庆市农业科学院", "开州区农业技术推广站"],
    "财务与管理": ["重庆工商大学", "开州区财政局", "重庆三峡学院"],
}
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉建斌红波宁亮俊峰浩"
TITLES = ["正高级", "正高级", "副高级", "副高级", "副高级", "中级"]


@transaction.atomic
def load_demo_experts(seed: int = 2021, per_discipline: int = 6) -> int:
    if Expert.objects.exists():
        return 0
    rng = random.Random(seed)
    bureau = Department.objects.get(name="区科技局")
    for order, name in enumerate(
        DISCIPLINES, start=1
    ):  # installed by the migration; a flushed database has none
        Discipline.objects.get_or_create(name=name, defaults={"order": order * 10})
    disciplines = {d.name: d for d in Discipline.objects.all()}
    names: set[str] = set()
    created = []
    for field, organisations in ORGANISATIONS.items():
        for n in range(per_discipline):
            name = ""
            while not name or name in names:
                name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
            names.add(name)
            expert = Expert.objects.create(
                name=name,
                organisation=organisations[n % len(organisations)],
                title=rng.choice(TITLES),
                position="教授" if "大学" in organisations[n % len(organisations)] else "",
                phone=f"139{rng.randrange(10**8):08d}",
                email=f"expert{len(created) + 1:03d}@example.cn",
                department=bureau,
            )
            chosen = [disciplines[field]]
            if rng.random() < 0.3:  # some review a second field
                chosen.append(disciplines[rng.choice([f for f in ORGANISATIONS if f != field])])
            expert.disciplines.set(chosen)
            created.append(expert)
    # the demo account `expert` is the first expert of advanced manufacturing
    account = User.objects.filter(username="expert").first()
    linked = next(e for e in created if e.disciplines.filter(name="先进制造与自动化").exists())
    if account is not None:
        linked.user = account
        linked.save(update_fields=["user"])
        DeclaredConflict.objects.create(
            expert=linked, organisation="重庆理工大学", reason="曾在该校任职（2015—2019年）"
        )
    paused = created[3]
    paused.available = False
    paused.unavailable_reason = "2026年12月至2027年2月出国访学"
    paused.save(update_fields=["available", "unavailable_reason"])
    from kechuang.enterprises.models import Enterprise

    companies = list(Enterprise.objects.order_by("pk").values_list("name", flat=True)[:20])
    for expert in rng.sample(created, 4) if companies else ():
        if expert.conflicts.exists():
            continue
        DeclaredConflict.objects.create(
            expert=expert, organisation=rng.choice(companies), reason="亲属任该公司高管"
        )
    return len(created)


def load_demo(plan) -> None:
    """This app's part of `kechuang demo` (the site calls it after the reference data and accounts)."""
    load_demo_experts()


def expert_account(expert: Expert) -> User:
    """The expert's own sign-in (demo experts other than `expert` get one, without a password)."""
    from kechuang.org.models import RoleGrant
    from kechuang.org.roles import Role, Scope

    expert = Expert.objects.select_related("user").get(
        pk=expert.pk
    )  # as stored: another row may have linked it
    if expert.user_id:
        return expert.user
    account = User.objects.create(username=f"zj{expert.pk:03d}", display_name=expert.name, is_active=True)
    account.set_unusable_password()
    account.save(update_fields=["password"])
    RoleGrant.objects.create(
        user=account, role=Role.EXPERT, scope=Scope.SELF, department=Department.objects.get(name="开州区")
    )
    expert.user = account
    expert.save(update_fields=["user"])
    return account
