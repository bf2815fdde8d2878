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
    load_demo_rounds()


CRITERIA = [
    ("技术创新性", "0.4", "100"),
    ("市场前景与效益", "0.3", "100"),
    ("实施方案可行性", "0.2", "100"),
    ("团队与基础", "0.1", "100"),
]


def _discipline_of(project) -> Discipline:
    field = getattr(project.enterprise, "hightech_field", "") or "先进制造与自动化"
    return Discipline.objects.filter(name=field).first() or Discipline.objects.get(name="先进制造与自动化")


def load_demo_rounds(seed: int = 2026) -> int:
    """Two rounds: last year's, finished; this year's, open — sheets in, one recusal refilled, and the demo
    account `expert` with sheets still to fill."""
    from datetime import date, timedelta

    from django.utils import timezone

    from kechuang.projects.models import Project
    from kechuang.workflow import engine as workflow

    from . import actions
    from .models import Assignment, ReviewRound

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
            account = _account_for(row.expert)
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


def _account_for(expert: Expert) -> User:
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
