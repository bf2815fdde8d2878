"""Synthetic Kaizhou 科技金融 2021–2025, seeded and repeatable — demo data, not the district's records.

About 40 知识价值信用贷款 from the banks in Kaizhou to the demo's 科技型企业 (grade and amount within the
grade's credit line, mostly one-year terms), a few overdue with one risk-compensation claim in each state of
its workflow, and 8 seed-fund investments (one exited). Every record carries the plan's task 8.4
(“用好种子基金，推进知识价值信用贷款增量扩面”)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction

from kechuang.core.context import audit_context
from kechuang.enterprises.models import Enterprise
from kechuang.org.models import Department
from kechuang.plans.models import Task
from kechuang.workflow import engine as workflow

from . import rules
from .models import Bank, ClaimStatus, Grade, Loan, LoanStatus, RiskClaim, SeedForm, SeedInvestment

BANKS = [
    "重庆农村商业银行开州支行",
    "中国建设银行开州支行",
    "中国工商银行开州支行",
    "重庆三峡银行开州支行",
    "中国农业银行开州支行",
    "中国银行开州支行",
]
LOANS_PER_YEAR = {2021: 6, 2022: 7, 2023: 8, 2024: 9, 2025: 10}
PURPOSES = ["研发投入", "购置研发设备", "流动资金周转", "新产品试制", "技术改造", "知识产权产业化"]
GRADE_WEIGHTS = [("A", 1), ("B", 2), ("C", 4), ("D", 5), ("E", 4)]
TEAMS = ["开州汉丰湖智能传感创业团队", "开州大进生态农业科技团队", "开州白鹤新材料创业团队"]
SEED_TASK = "8.4"


def _task(plan) -> list[Task]:
    if plan is None:
        return []
    return list(Task.objects.filter(programme__plan=plan, code=SEED_TASK))


def _amount(rng, line: Decimal) -> Decimal:
    """A round sum within the credit line (10万 steps, at least 30万 or the line)."""
    steps = int(line / 100000)
    return Decimal(100000 * rng.randint(min(3, steps), steps))


def _loans(rng, banks, enterprises, own, tasks) -> list[Loan]:
    loans, n = [], 0
    hanfeng = [e for e in enterprises if e.town.name == "汉丰街道" and e != own]
    for year, count in LOANS_PER_YEAR.items():
        for i in range(count):
            n += 1
            if own is not None and year == 2023 and i == 0:
                enterprise = own  # the demo enterprise account's own loan
            elif year == 2022 and i == 0 and hanfeng:
                enterprise = hanfeng[0]  # falls overdue: its claim waits for review (a town's record)
            else:
                enterprise = rng.choice(enterprises)
            grade = rng.choices([g for g, _ in GRADE_WEIGHTS], [w for _, w in GRADE_WEIGHTS])[0]
            granted = date(year, 1, 15) + timedelta(days=rng.randrange(330))
            term = rng.choice([12, 12, 12, 12, 24, 36])
            amount = _amount(rng, rules.credit_line(grade, granted))
            bank = rng.choice(banks)
            due = granted + timedelta(days=term * 30)
            # the first four of 2022 fall overdue (their claims: `_claims`)
            settled = due <= date(2025, 6, 30) and not (year == 2022 and i < 4)
            loan = Loan(
                enterprise=enterprise,
                bank=bank,
                grade=Grade(grade),
                contract_number=f"KZ-ZSJZ-{year}-{n:03d}",
                amount=amount,
                granted_on=granted,
                term_months=term,
                annual_rate=Decimal(rng.choice(["3.85", "3.95", "4.05", "4.20", "4.35"])),
                purpose=rng.choice(PURPOSES),
                status=LoanStatus.SETTLED if settled else LoanStatus.ACTIVE,
                settled_on=due if settled else None,
            )
            loan.full_clean()
            loan.save()
            loan.tasks.set(tasks)
            loans.append(loan)
    return loans


def _claims(loans, kjj) -> None:
    """Four loans fall overdue; their claims stand one in each state: 申请, 审核通过, 不予补偿, 已代偿 (then
    a recovery recorded)."""
    candidates = [loan for loan in loans if loan.contract_number.startswith("KZ-ZSJZ-2022-")][:4]
    for loan in candidates:
        workflow.perform(loan, "overdue", kjj, changes={"overdue_on": loan.granted_on + timedelta(days=370)})
    for step, loan in enumerate(candidates):
        loan.refresh_from_db()
        principal = (loan.amount * Decimal("0.6")).quantize(Decimal("1"))
        claim = RiskClaim(loan=loan, applied_on=loan.overdue_on + timedelta(days=95), principal=principal)
        claim.full_clean()
        claim.save()
        if step == 1:
            workflow.perform(claim, "approve", kjj, comment="材料齐全，逾期本金经银行核实")
        elif step == 2:
            workflow.perform(claim, "reject", kjj, comment="银行未按约定履行贷后管理，不予补偿")
        elif step == 3:
            workflow.perform(claim, "approve", kjj, comment="材料齐全")
            paid = claim.applied_on + timedelta(days=40)
            workflow.perform(claim, "pay", kjj, changes={"paid_on": paid, "voucher": f"KZFXBC-{paid:%Y}-001"})
            recovered = (claim.compensation * Decimal("0.25")).quantize(Decimal("1"))
            workflow.perform(
                claim,
                "recover",
                kjj,
                comment="处置抵质押物追回",
                changes={"recovered": recovered, "recovered_on": paid + timedelta(days=120)},
            )
    assert {c.status for c in RiskClaim.objects.all()} >= set(ClaimStatus.values)


def _seed(rng, enterprises, towns, tasks) -> None:
    young = [e for e in enterprises if e.registered_on and e.registered_on.year >= 2019] or enterprises
    for i in range(8):
        year = 2021 + i * 4 // 8
        invested = date(year, 3, 1) + timedelta(days=rng.randrange(270))
        equity = i % 3 != 2
        team = TEAMS[i // 3] if i in (2, 5) else ""
        enterprise = None if team else young[(i * 7) % len(young)]
        investment = SeedInvestment(
            enterprise=enterprise,
            team_name=team,
            town=enterprise.town if enterprise else rng.choice(towns),
            kind=SeedForm.EQUITY if equity else SeedForm.LOAN,
            amount=Decimal(rng.choice([300000, 500000, 800000]))
            if year < 2024
            else Decimal(rng.choice([1000000, 1500000])),
            invested_on=invested,
            share_percent=Decimal(rng.choice(["5", "8", "10", "12"])) if equity else None,
            term_months=None if equity else 36,
            decided_on=invested - timedelta(days=21),
            decision_number=f"开州种投决〔{year}〕{i + 1}号",
        )
        if i == 0:  # the first one exited: bought back by the founders
            investment.exited_on = date(2024, 12, 20)
            investment.exit_way = "回购"
            investment.recovered = investment.amount + Decimal("60000")
        investment.full_clean()
        investment.save()
        investment.tasks.set(tasks)


@transaction.atomic
def load_demo_finance(plan=None, seed: int = 2021) -> None:
    if Loan.objects.exists():
        return
    from kechuang.org.models import User

    rng = random.Random(seed)
    kjj = User.objects.filter(username="kjj").first()
    with audit_context(actor=kjj, reason="演示数据"):
        banks = [Bank.objects.get_or_create(name=name)[0] for name in BANKS]
        enterprises = list(
            Enterprise.objects.filter(qualifications__kind__code="cq_tech")
            .select_related("town")
            .distinct()
            .order_by("pk")
        )
        if not enterprises:
            return
        own = (
            Enterprise.objects.filter(users__username="qiye").select_related("town").first()
        )  # the demo enterprise account's own loan
        towns = list(Department.objects.filter(kind=Department.Kind.TOWN, name="汉丰街道"))
        tasks = _task(plan)
        loans = _loans(rng, banks, enterprises, own, tasks)
        _claims(loans, kjj)
        _seed(rng, enterprises, towns or list(Department.objects.filter(kind=Department.Kind.TOWN)), tasks)


def load_demo(plan) -> None:
    """This app's part of `kechuang demo` (the site calls it after the reference data and accounts)."""
    load_demo_finance(plan)
