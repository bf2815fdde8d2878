"""Demo online applications: the demo enterprise account `qiye` has a draft half filled in and one returned
for correction (形式审查 退回 with kjj's comment), and other demo enterprises have submitted and accepted
applications with co-applicants, budget lines and small PDF attachments — all through the applicant's and
the bureau's own actions, as the pages do them. Idempotent: it adds nothing once qiye has an application.

It applies to an open call (已发布, opens_on ≤ today ≤ closes_on) that the applicants qualify for, and
publishes one itself (and a second for the returned application, one application per applicant being the
rule) when there is none."""

from datetime import timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from kechuang.enterprises.models import Enterprise
from kechuang.org.models import Department, User
from kechuang.workflow import engine as workflow

from . import applications, calls
from .models import BudgetItem, Call, CallStatus, Category, Project

# a tiny valid PDF (one empty page): what an applicant's scanned paper would be
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)

TOPICS = "智能制造与工业互联网\n新材料与绿色化工\n现代农业与农产品加工\n生物医药与大健康"

# (key, number — the first free n —, title, category) of the calls published when none is open
DEMO_CALLS = [
    ("district", "KZZN{year}-{n:02d}", "{year}年度区级科技计划项目申报指南", Category.DISTRICT),
    ("transfer", "KZZN{year}-{n:02d}", "{year}年度科技成果转化项目申报指南", Category.TRANSFER),
]


def pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _eligible(call: Call, enterprise: Enterprise) -> bool:
    return not applications.barriers_to_starting(call, enterprise)


def _open_calls(enterprise: Enterprise) -> list[Call]:
    today = timezone.localdate()
    found = Call.objects.filter(status=CallStatus.OPEN, opens_on__lte=today, closes_on__gte=today)
    return [c for c in found.select_related("department").order_by("pk") if _eligible(c, enterprise)]


def _within(call: Call, amount: int) -> int:
    """`amount` 元, or the call's limit per application when it is lower."""
    return min(amount, int(call.max_request)) if call.max_request else amount


def _publish_call(kjj, bureau, key: str) -> Call:
    """A call open from ten days ago for a month (next year's projects once autumn has come)."""
    today = timezone.localdate()
    year = today.year + 1 if today.month >= 9 else today.year
    _key, number, title, category = next(c for c in DEMO_CALLS if c[0] == key)
    used = set(Call.objects.filter(year=year).values_list("number", flat=True))
    number = next(n for k in range(1, 100) if (n := number.format(year=year, n=k)) not in used)
    call = calls.save_call(
        kjj,
        None,
        reason="演示数据：发布申报指南",
        year=year,
        number=number,
        title=title.format(year=year),
        category=category,
        department=bureau,
        topics=TOPICS,
        budget=Decimal("5000000"),
        max_request=Decimal("500000"),
        opens_on=today - timedelta(days=10),
        closes_on=today + timedelta(days=30),
        correction_days=5,
        attachments="项目申报书\n营业执照",
        enterprise_only=True,
        one_per_applicant=True,
    )
    workflow.perform(call, "publish", kjj)
    return call


def _fill(
    user, project, *, funding, own, lines, discipline, co=(), attach=True, summary=True, planned_end_on=None
) -> Project:
    """The applicant's steps on the page: basics, co-applicants, budget and attachments."""
    project = Project.objects.select_related("call").get(pk=project.pk)
    applications.save_application(
        user,
        project,
        name=project.name,
        topic=project.topic,
        discipline=discipline,
        summary="研究内容：关键工艺攻关与中试验证。\n技术路线：实验室小试 → 中试 → 示范应用。\n预期成果：申请发明专利 2 项，新增产值 800 万元。"
        if summary
        else "",
        contact_name="李明" if summary else "",
        contact_phone="13800235601" if summary else "",
        funding=funding,
        self_funding=own,
        planned_end_on=planned_end_on,
    )
    for name, share in co:
        applications.add_co_applicant(user, project, name=name, share=share)
    applications.save_budget(user, project, lines)
    if attach:
        for kind in project.call.attachment_list:
            applications.add_attachment(user, project, kind=kind, upload=pdf(f"{kind}.pdf"))
    return Project.objects.select_related("call").get(pk=project.pk)


def _budget(funding: int, own: int) -> dict:
    """A plausible budget of `funding` public money and `own` funds in 元 (lines add up exactly)."""
    shares = [(BudgetItem.EQUIPMENT, 40), (BudgetItem.MATERIALS, 30), (BudgetItem.TESTING, 15)]
    lines, spent_f, spent_o = {}, 0, 0
    for item, share in shares:
        f, o = funding * share // 100, own * share // 100
        lines[item.value] = (Decimal(f), Decimal(o), f"{item.label}，按实际需要测算")
        spent_f, spent_o = spent_f + f, spent_o + o
    lines[BudgetItem.LABOUR.value] = (Decimal(funding - spent_f), Decimal(own - spent_o), "项目组人员劳务")
    return lines


@transaction.atomic
def load_demo_applications() -> int:
    """Create the demo applications (none if qiye already has one); return how many were created."""
    from kechuang.reviews.models import Discipline

    qiye = User.objects.filter(username="qiye").first()
    kjj = User.objects.filter(username="kjj").first()
    own = qiye.enterprises.first() if qiye is not None else None
    if own is None or kjj is None or Project.objects.filter(call__isnull=False, enterprise=own).exists():
        return 0
    bureau = Department.objects.get(name="区科技局")
    manufacturing = Discipline.objects.filter(name="先进制造与自动化").first() or Discipline.objects.first()
    open_calls = _open_calls(own) or [_publish_call(kjj, bureau, "district")]
    first = open_calls[0]
    second = next((c for c in open_calls[1:] if c.pk != first.pk), None)
    if second is None:  # one application per applicant: the returned one answers a second call
        second = first if not first.one_per_applicant else _publish_call(kjj, bureau, "transfer")
    created = 0

    # qiye's draft: the basics and part of the budget, no attachments yet
    topic = first.topic_list[0]
    draft = applications.start(
        qiye, first, enterprise=own, name="高速覆铜板智能化压合产线研发与示范", topic=topic
    )
    _fill(
        qiye,
        draft,
        funding=Decimal(_within(first, 300000)),
        own=Decimal("450000"),
        lines={BudgetItem.EQUIPMENT.value: (Decimal("180000"), Decimal("300000"), "压合设备改造")},
        discipline=manufacturing,
        attach=False,
        planned_end_on=timezone.localdate().replace(month=12, day=31) + timedelta(days=730),
    )
    created += 1

    # qiye's returned application: complete, submitted, sent back by the bureau with a comment
    returned = applications.start(
        qiye, second, enterprise=own, name="覆铜板生产废水资源化处理技术成果转化", topic=second.topic_list[-1]
    )
    funding = _within(second, 200000)
    returned = _fill(
        qiye,
        returned,
        funding=Decimal(funding),
        own=Decimal("260000"),
        lines=_budget(funding, 260000),
        discipline=manufacturing,
        co=[("重庆三峡学院", "废水处理工艺研究与检测")],
    )
    applications.submit(qiye, returned)
    workflow.perform(
        Project.objects.get(pk=returned.pk), "return", kjj, comment="预算明细与申请金额不一致，请补正"
    )
    created += 1

    # other demo enterprises, entered by the bureau for them (代为录入): submitted, half of them accepted
    others = [
        e
        for e in Enterprise.objects.filter(town__path__startswith=bureau.region().path, is_active=True)
        .exclude(pk=own.pk)
        .exclude(users__isnull=False)
        .select_related("town")
        .order_by("pk")[:40]
        if _eligible(first, e)
    ][:4]
    names = [
        ("柑橘采后商品化处理智能分选装备研发", "重庆大学", "分选算法与样机研制"),
        ("道地中药材木香提取物制备工艺研究", "重庆医科大学", "药效学评价"),
        ("锂电池正极材料回收再利用技术研究", "重庆理工大学", "回收工艺中试"),
        ("农村生活污水一体化处理设备研发", "开州区环境监测站", "出水水质监测"),
    ]
    for n, (enterprise, (name, partner, share)) in enumerate(zip(others, names, strict=False)):
        topic = first.topic_list[n % len(first.topic_list)]
        project = applications.start(kjj, first, enterprise=enterprise, name=name, topic=topic)
        funding, own_funds = _within(first, 100000 + 50000 * n), 150000 + 80000 * n
        project = _fill(
            kjj,
            project,
            funding=Decimal(funding),
            own=Decimal(own_funds),
            lines=_budget(funding, own_funds),
            discipline=Discipline.objects.order_by("order", "name")[n % Discipline.objects.count()],
            co=[(partner, share)],
        )
        applications.submit(kjj, project)
        if n % 2 == 0:
            workflow.perform(Project.objects.get(pk=project.pk), "accept", kjj)
        created += 1
    return created
