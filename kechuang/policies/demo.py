"""The Kaizhou demo's policy: a plausible 《开州区支持科技创新若干财政金融政策》 — marked as demo data, its
articles and amounts invented for the demo (the district's real formula is not public, DOMAIN.md §8 and
§11) — with budgets 2021–2026, and its 免申即享 articles paid through the flow: the lists on 2020 data
confirmed and paid in 2021 (target 6-1 is computed from these payments), the lists on 2025 data confirmed
this year with enterprises still confirming their accounts (the demo enterprise among them), and one
list still being drawn up for the bureau to confirm. (The years between are left out: the demo
loads in seconds.)"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from kechuang.org.models import Department, User
from kechuang.workflow import engine as workflow

from . import actions, exempt, grants
from .models import BenefitRound, GrantStatus, InstrumentKind, LineStatus, Mode, PolicyDocument

WAN = Decimal(10_000)
LATER_DATA_YEAR = 2025

ARTICLES = [
    {
        "article": "第三条",
        "name": "研发投入补助",
        "kind": InstrumentKind.RD_SUBSIDY,
        "mode": Mode.EXEMPT,
        "beneficiary": "区内研发费用 50 万元以上的企业",
        "description": "对上年度研发费用达到 50 万元、500 万元、1000 万元、1 亿元的企业分别给予 4 万元、10 万元、"
        "20 万元、40 万元补助；研发费用较前一年增加的，另按增量的 3% 给予补助，单个企业最高 50 万元。",
        "conditions": [{"fact": "rd_expense", "op": ">=", "value": 500_000}],
        "amount": {
            "type": "sum",
            "parts": [
                {
                    "type": "tiers",
                    "fact": "rd_expense",
                    "tiers": [
                        {"from": 500_000, "amount": 40_000},
                        {"from": 5_000_000, "amount": 100_000},
                        {"from": 10_000_000, "amount": 200_000},
                        {"from": 100_000_000, "amount": 400_000},
                    ],
                },
                {"type": "share", "terms": [{"fact": "rd_increment", "rate": "0.03"}]},
            ],
            "cap": 500_000,
            "round_to": 100,
        },
        "budgets": {2021: 1300, 2022: 1200, 2023: 1100, 2024: 1200, 2025: 1300, 2026: 1400},
    },
    {
        "article": "第四条",
        "name": "高新技术企业首次认定奖励",
        "kind": InstrumentKind.HTE_AWARD,
        "mode": Mode.EXEMPT,
        "beneficiary": "首次认定为国家高新技术企业的区内企业",
        "description": "对首次认定为国家高新技术企业的企业，一次性奖励 30 万元。",
        "conditions": [{"fact": "first_qualified", "kind": "hte"}],
        "amount": {"type": "fixed", "amount": 300_000},
        "budgets": {2021: 400, 2022: 600, 2023: 700, 2024: 900, 2025: 1000, 2026: 1200},
    },
    {
        "article": "第五条",
        "name": "研发平台奖励",
        "kind": InstrumentKind.PLATFORM_AWARD,
        "mode": Mode.EXEMPT,
        "beneficiary": "新获认定国家级、市级研发平台的依托企业",
        "description": "对新认定的国家级研发平台给予 100 万元奖励，市级研发平台给予 50 万元奖励。",
        "conditions": [],
        "amount": {
            "type": "sum",
            "parts": [
                {
                    "type": "per_unit",
                    "fact": "platforms_recognized",
                    "level": ["国家级"],
                    "amount": 1_000_000,
                },
                {"type": "per_unit", "fact": "platforms_recognized", "level": ["市级"], "amount": 500_000},
            ],
        },
        "budgets": {2021: 300, 2022: 600, 2023: 300, 2024: 300, 2025: 300, 2026: 300},
    },
    {
        "article": "第六条",
        "name": "科技型企业入库奖励",
        "kind": InstrumentKind.OTHER,
        "mode": Mode.EXEMPT,
        "beneficiary": "首次入库重庆市科技型企业的区内企业",
        "description": "对首次入库重庆市科技型企业的企业，一次性奖励 2 万元。",
        "conditions": [{"fact": "first_qualified", "kind": "cq_tech"}],
        "amount": {"type": "fixed", "amount": 20_000},
        "budgets": {2021: 100, 2022: 100, 2023: 100, 2024: 100, 2025: 100, 2026: 100},
    },
    {
        "article": "第七条",
        "name": "科技成果转化奖励",
        "kind": InstrumentKind.TRANSFER_AWARD,
        "mode": Mode.APPLY,
        "beneficiary": "在区内转化科技成果并取得销售收入的企业",
        "description": "对企业购买或受让科技成果并在区内转化的，按技术合同成交额的 10% 给予奖励，最高 50 万元；"
        "须企业申报，经专家评审。",
        "expert_review": True,
        "conditions": [{"fact": "qualified", "kind": "cq_tech"}],
        "amount": {"type": "fixed", "amount": 500_000},
        "budgets": {2021: 200, 2022: 200, 2023: 200, 2024: 200, 2025: 200, 2026: 200},
    },
    {
        "article": "第八条",
        "name": "人才引进奖励",
        "kind": InstrumentKind.TALENT_AWARD,
        "mode": Mode.APPLY,
        "beneficiary": "全职引进博士或高级职称人才的区内企业",
        "description": "企业全职引进博士或具有高级职称人才并签订 3 年以上劳动合同的，每引进 1 名奖励 10 万元；"
        "须企业申报，经所在镇乡街道初审、人力社保局等部门联审并公示。",
        "conditions": [],
        "amount": {"type": "fixed", "amount": 100_000},
        "budgets": {2021: 100, 2022: 100, 2023: 100, 2024: 100, 2025: 100, 2026: 100},
    },
    {
        "article": "第九条",
        "name": "科技创新券",
        "kind": InstrumentKind.VOUCHER,
        "mode": Mode.APPLY,
        "beneficiary": "入库重庆市科技型企业的区内企业",
        "description": "向入库科技型企业发放科技创新券，用于购买检验检测、技术开发、技术咨询、知识产权等科技服务，"
        "每券面额 2 万元至 3 万元，每家企业每年最多 5 万元；由在册服务机构兑付，科技局审核后与服务机构结算。",
        "conditions": [{"fact": "qualified", "kind": "cq_tech"}],
        "amount": {"type": "fixed", "amount": 20_000},
        # through the current year: the vouchers demo issues this year's vouchers against it
        "budgets": {
            year: 50 if year < 2023 else 100 for year in range(2021, max(2027, date.today().year) + 1)
        },
    },
]


def _accounts_confirmed(round_, *, skip=frozenset()) -> list:
    """Each enterprise on the confirmed list confirms its account: the demo enterprise online, as its
    account would; the others — enterprises without an account of their own — by their signed letter,
    which the demo records as the system."""
    from .models import Grant

    demo = User.objects.get(username="qiye")
    offered = list(
        Grant.objects.filter(benefit_line__round=round_, status=GrantStatus.AWAITING_ACCOUNT)
        .exclude(enterprise_id__in=skip)
        .select_related("enterprise__town", "instrument")
        .order_by("pk")
    )
    by_letter = []
    for grant in offered:
        if grant.enterprise.users.filter(pk=demo.pk).exists():
            grants.confirm_account(demo, grant, **_account(grant))
            continue
        for key, value in _account(grant).items():
            setattr(grant, key, value)
        grant.account_confirmed_at = timezone.now()
        by_letter.append(grant)
    Grant.objects.bulk_update(
        by_letter, ["account_name", "bank_name", "account_number", "account_confirmed_at"], batch_size=500
    )
    workflow.perform_many(by_letter, "confirm_account", None, comment="企业书面确认收款账户（演示）")
    return list(Grant.objects.filter(pk__in=[g.pk for g in offered]).select_related("enterprise"))


def _pay(bureau, confirmed, paid_on: date, serial: list[int]) -> None:
    rows = []
    for grant in confirmed:
        serial[0] += 1
        rows.append((grant, grant.amount, f"KZCZ{paid_on:%Y%m}-{serial[0]:05d}"))
    grants.pay_batch(bureau, rows, paid_on=paid_on)


def _account(grant) -> dict:
    return {
        "account_name": grant.enterprise.name,
        "bank_name": "重庆农村商业银行开州支行",
        "account_number": f"{6228_0000_0000 + grant.enterprise_id * 7919:016d}"[-16:],
    }


def load_demo(plan) -> None:
    district = plan.department
    if PolicyDocument.objects.filter(department=district, is_demo=True).exists():
        return
    bureau = User.objects.get(username="kjj")
    lead = Department.objects.get(name="区科技局")
    document = actions.save_document(
        bureau,
        None,
        department=district,
        number="开州府办发〔2021〕示例1号",
        title="开州区支持科技创新若干财政金融政策（演示）",
        issued_on=date(2021, 3, 1),
        effective_from=date(2021, 3, 1),
        summary="演示数据：为展示政策兑现全过程而拟写的政策，条款与金额并非开州区正式规定。",
        is_demo=True,
        reason="演示数据",
    )
    instruments = {}
    for n, spec in enumerate(ARTICLES, 1):
        instrument = actions.save_instrument(
            bureau,
            None,
            document=document,
            article=spec["article"],
            name=spec["name"],
            kind=spec["kind"],
            mode=spec["mode"],
            beneficiary=spec["beneficiary"],
            lead_department=lead,
            expert_review=spec.get("expert_review", False),
            description=spec["description"],
            sort_order=n * 10,
            reason="演示数据",
        )
        actions.save_rule(
            bureau,
            instrument,
            valid_from=date(2020, 1, 1),
            conditions=spec["conditions"],
            amount=spec["amount"],
            basis=f"{document.number} {spec['article']}",
        )
        for year, amount in spec["budgets"].items():
            grants.save_budget(bureau, instrument, year, Decimal(amount) * WAN)
        instruments[spec["name"]] = instrument

    serial = [0]
    exempt_names = [spec["name"] for spec in ARTICLES if spec["mode"] == Mode.EXEMPT]
    # 2020's data, paid in 2021 (target 6-1)
    for n, name in enumerate(exempt_names):
        round_ = exempt.compute(bureau, instruments[name], data_year=2020, budget_year=2021)
        if not round_.lines.filter(eligible=True).exists():
            continue
        _fit_budget(bureau, round_)
        exempt.confirm(
            bureau, round_, decision_number=f"开州科发〔2021〕{31 + n}号", confirmed_on=date(2021, 5, 20 + n)
        )
        _pay(bureau, _accounts_confirmed(round_), date(2021, 6, 25 + n), serial)
    # 2025's data: the R&D subsidy confirmed this year, enterprises confirming their accounts; the HTE
    # award still being drawn up
    today = timezone.localdate()
    rd = exempt.compute(
        bureau, instruments["研发投入补助"], data_year=LATER_DATA_YEAR, budget_year=LATER_DATA_YEAR + 1
    )
    _fit_budget(bureau, rd)
    exempt.confirm(
        bureau,
        rd,
        decision_number=f"开州科发〔{LATER_DATA_YEAR + 1}〕31号",
        confirmed_on=today - timedelta(days=10),
    )
    _pay_some(bureau, rd, serial, today)
    exempt.compute(
        bureau,
        instruments["高新技术企业首次认定奖励"],
        data_year=LATER_DATA_YEAR,
        budget_year=LATER_DATA_YEAR + 1,
    )
    _applications(bureau, instruments["人才引进奖励"], today)


def _applications(bureau, instrument, today: date) -> None:
    """人才引进奖励 this year: a first batch on its 公示 (four enterprises proposed — filed on paper, recorded
    by the bureau —, one objection waiting), and a second batch open, where the demo enterprise's
    application waits for its town's 初审."""
    from django.core.files.base import ContentFile

    from kechuang.enterprises.models import Enterprise
    from kechuang.workflow import engine as workflow

    from . import applications
    from .models import ApplicationStatus, Checker, PolicyApplication

    year = today.year
    first = applications.save_window(
        bureau,
        None,
        instrument=instrument,
        title=f"{year}年第一批人才引进奖励申报",
        data_year=year - 1,
        budget_year=year,
        opens_on=today - timedelta(days=60),
        closes_on=today - timedelta(days=30),
        checker=Checker.TOWN,
        attachments="劳动合同\n学历学位或职称证书",
        contact="区科技局人才科，电话 023-52200000",
    )
    workflow.perform(first, "close", bureau)
    demo = set(User.objects.get(username="qiye").enterprises.values_list("pk", flat=True))
    chosen = list(Enterprise.objects.filter(is_active=True).exclude(pk__in=demo).order_by("pk")[:4])
    rows = [
        PolicyApplication(
            window=first,
            enterprise=e,
            checker=e.town,
            number=f"ZC{year}{first.pk:03d}{n:04d}",
            computed=Decimal(100_000),
            requested=Decimal(100_000) * (1 + n % 2),
            proposed=Decimal(100_000) * (1 + n % 2) if n != 4 else Decimal(100_000),
            statement=f"全职引进博士 {1 + n % 2} 名（纸质申报，科技局代录）。",
            contact_name="人事负责人",
            contact_phone=f"1380000{n:04d}",
            account_name=e.name,
            bank_name="重庆农村商业银行开州支行",
            account_number=f"{6228_0000_0000 + e.pk * 7919:016d}"[-16:],
            submitted_on=first.closes_on - timedelta(days=n),
            joint_opinion="人力社保局、财政局同意",
            status=ApplicationStatus.PROPOSED,
            created_by=bureau,
        )
        for n, e in enumerate(chosen, 1)
    ]
    for row in rows:
        row.computed = max(row.computed, row.requested)
    from kechuang.audit.recording import record_bulk

    record_bulk(PolicyApplication.objects.bulk_create(rows), "create")
    start = today - timedelta(days=2)
    applications.publish(bureau, first, start=start)
    first.refresh_from_db()
    applications.record_objection(
        bureau,
        first,
        name="匿名群众（已实名登记）",
        content="反映其中一家企业所引进人才未全职在岗。",
        received_on=start,
        application=PolicyApplication.objects.filter(window=first).order_by("number").last(),
    )
    second = applications.save_window(
        bureau,
        None,
        instrument=instrument,
        title=f"{year}年第二批人才引进奖励申报",
        data_year=year - 1,
        budget_year=year,
        opens_on=today - timedelta(days=5),
        closes_on=today + timedelta(days=25),
        checker=Checker.TOWN,
        attachments="劳动合同",
    )
    qiye = User.objects.get(username="qiye")
    enterprise = qiye.enterprises.order_by("pk").first()
    application = applications.start(qiye, second, enterprise)
    application = applications.save(
        qiye,
        application,
        statement="全职引进新材料方向博士 1 名，签订 5 年劳动合同。",
        contact_name="张经理",
        contact_phone="13800001111",
        account_name=enterprise.name,
        bank_name="中国农业银行开州支行",
        account_number="6228480000012345678",
    )
    contract = ContentFile(b"%PDF-1.4\n% demo\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", name="劳动合同.pdf")
    applications.add_attachment(qiye, application, kind="劳动合同", upload=contract)
    application = applications.submit(qiye, PolicyApplication.objects.get(pk=application.pk))
    workflow.perform(application, "accept", bureau)


def _fit_budget(bureau, round_: BenefitRound) -> None:
    """A list beyond what its year's budget leaves gets the budget adjusted first (追加), as the bureau
    would with the finance bureau's approval."""
    from django.db.models import Sum

    total = (
        round_.lines.filter(eligible=True, status=LineStatus.PROPOSED).aggregate(t=Sum("amount"))["t"] or 0
    )
    [row] = grants.execution([round_.instrument], round_.budget_year)
    if total > row.left:
        budget = round_.instrument.budgets.get(year=round_.budget_year)
        grants.adjust_budget(
            bureau,
            budget,
            amount=(total - row.left).quantize(Decimal(1)) + WAN,
            reason="按免申即享名单追加预算（区财政局同意）",
            adjusted_on=date(round_.budget_year, 5, 10),
            document_number=f"开州财预〔{round_.budget_year}〕示例号",
        )


def _pay_some(bureau, round_: BenefitRound, serial: list[int], today: date) -> None:
    """This year's list: half of the enterprises confirmed their account, half of those paid; the demo
    enterprise and the others still to confirm."""
    demo = set(User.objects.get(username="qiye").enterprises.values_list("pk", flat=True))
    waiting = set(
        round_.lines.filter(status=LineStatus.OFFERED)
        .order_by("pk")
        .values_list("enterprise_id", flat=True)[1::2]
    )
    confirmed = _accounts_confirmed(round_, skip=demo | waiting)
    _pay(bureau, confirmed[::2], today, serial)
