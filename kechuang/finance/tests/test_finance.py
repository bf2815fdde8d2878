"""科技金融: the loans' and seed investments' checks, the risk-compensation workflow, scope, sheets and
metrics (the kit's generic tests are in test_registry_kit.py)."""

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from kechuang.enterprises.models import Enterprise
from kechuang.finance import rules
from kechuang.finance.actions import save_loan, save_seed_investment
from kechuang.finance.claims import save_claim
from kechuang.finance.models import Bank, ClaimStatus, Loan, LoanStatus, RiskClaim, SeedInvestment
from kechuang.metrics.registry import metrics
from kechuang.org.actions import ActionRefused
from kechuang.org.scope import visible_to
from kechuang.tabular.models import ImportJob
from kechuang.testing.registry import entries_of
from kechuang.workflow import engine as workflow
from kechuang.workflow.engine import todos_for

pytestmark = pytest.mark.django_db


def _enterprise(town="汉丰街道"):
    return Enterprise.objects.filter(town__name=town).order_by("pk").first()


def _bank():
    return Bank.objects.get(name="中国建设银行开州支行")


def loan_fields(**changes) -> dict:
    values = {
        "enterprise": _enterprise(),
        "bank": _bank(),
        "grade": "C",
        "contract_number": "KZ-T-001",
        "amount": Decimal("2000000"),
        "granted_on": date(2025, 3, 1),
        "term_months": 12,
        "annual_rate": Decimal("3.95"),
    }
    values.update(changes)
    return values


# --- the rules are data -----------------------------------------------------------------------------


def test_the_grade_table_and_shares_come_from_the_rule_files():
    assert [rules.credit_line(g) for g in "ABCDE"] == [Decimal(n) * 10000 for n in (500, 400, 300, 160, 80)]
    assert rules.compensation_shares() == (Decimal("0.8"), Decimal("0.4"), Decimal("0.6"))
    assert rules.seed_cap() == Decimal("2000000")
    assert "china.com.cn" in rules.rule("credit_lines")["basis"]


# --- loans: each bad input refused in Chinese, nothing stored ----------------------------------------


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"amount": Decimal("0")}, "amount", "贷款金额应大于 0"),
        ({"amount": Decimal("-5")}, "amount", "贷款金额应大于 0"),
        ({"grade": "D", "amount": Decimal("1600000.01")}, "amount", "超过D级的授信额度 1,600,000.00 元"),
        ({"term_months": 0}, "term_months", "期限（月）应在 1 至 60 个月之间"),
        ({"term_months": 61}, "term_months", "期限（月）应在 1 至 60 个月之间"),
        ({"annual_rate": Decimal("24.01")}, "annual_rate", "年利率应在 0 至 24 之间"),
        ({"annual_rate": Decimal("-0.5")}, "annual_rate", "年利率应在 0 至 24 之间"),
        ({"status": "已结清"}, "settled_on", "已结清的贷款须填写结清日期"),
        ({"status": "已结清", "settled_on": date(2025, 1, 1)}, "settled_on", "结清日期不能早于放款日期"),
        ({"status": "逾期"}, "overdue_on", "逾期或已代偿的贷款须填写逾期日期"),
        ({"overdue_on": date(2025, 6, 1)}, "overdue_on", "在贷（未逾期）的贷款不填逾期日期"),
    ],
)
def test_a_bad_loan_is_refused_naming_the_field(user, changes, field, message):
    before = Loan.objects.count()
    with pytest.raises(ValidationError) as refused:
        save_loan(user("kjj"), None, **loan_fields(**changes))
    assert message in "；".join(refused.value.message_dict[field])
    assert Loan.objects.count() == before


def test_one_contract_number_per_bank_and_the_line_stored(user):
    loan = save_loan(user("kjj"), None, reason="登记", **loan_fields())
    assert loan.credit_line == Decimal("3000000") and loan.status == LoanStatus.ACTIVE
    assert entries_of(loan).filter(action="create", reason="登记").exists()
    with pytest.raises(ValidationError, match="该银行已登记此合同编号的贷款"):
        save_loan(user("kjj"), None, **loan_fields())
    other_bank = save_loan(user("kjj"), None, **loan_fields(bank=Bank.objects.exclude(pk=_bank().pk).first()))
    assert other_bank.contract_number == loan.contract_number
    with pytest.raises(ActionRefused, match="登记贷款时状态只能是"):
        save_loan(user("kjj"), None, **loan_fields(contract_number="KZ-T-002", status="已代偿"))


def test_the_form_names_a_line_exceeded(client_as):
    enterprise = _enterprise()
    response = client_as("kjj").post(
        "/finance/loans/new/",
        {
            "enterprise_code": enterprise.credit_code,
            "bank": _bank().pk,
            "grade": "E",
            "contract_number": "KZ-T-FORM",
            "amount": "900000",
            "granted_on": "2025-03-01",
            "term_months": "12",
            "annual_rate": "4",
            "status": "在贷",
        },
    )
    assert response.status_code == 200
    assert "超过E级的授信额度 800,000.00 元" in response.content.decode()
    assert not Loan.objects.filter(contract_number="KZ-T-FORM").exists()


def test_only_the_bureau_registers_loans(user):
    for who in ("hanfeng", "leader", "qiye"):
        with pytest.raises(ActionRefused):
            save_loan(user(who), None, **loan_fields())
    assert not Loan.objects.filter(contract_number="KZ-T-001").exists()


def test_the_loan_state_moves_through_its_workflow(user):
    kjj = user("kjj")
    loan = save_loan(kjj, None, **loan_fields())
    with pytest.raises(ActionRefused, match="没有登记逾期该记录的权限"):
        workflow.perform(loan, "overdue", user("leader"), changes={"overdue_on": date(2026, 3, 5)})
    workflow.perform(loan, "overdue", kjj, changes={"overdue_on": date(2026, 3, 5)})
    workflow.perform(loan, "cure", kjj, comment="企业已补足欠款")
    loan.refresh_from_db()
    assert loan.status == LoanStatus.ACTIVE and loan.overdue_on is None
    with pytest.raises(ValidationError, match="结清日期不能早于放款日期"):
        workflow.perform(loan, "settle", kjj, changes={"settled_on": date(2024, 1, 1)})
    workflow.perform(loan, "settle", kjj, changes={"settled_on": date(2026, 3, 1)})
    assert Loan.objects.get(pk=loan.pk).status == LoanStatus.SETTLED
    # an edit never changes the state
    save_loan(kjj, loan, status=LoanStatus.ACTIVE, note="x")
    assert Loan.objects.get(pk=loan.pk).status == LoanStatus.SETTLED


# --- risk-compensation claims -----------------------------------------------------------------------


def overdue_loan(kjj, **changes):
    loan = save_loan(kjj, None, **loan_fields(**changes))
    return workflow.perform(loan, "overdue", kjj, changes={"overdue_on": date(2026, 3, 5)})


def test_a_claim_is_computed_from_the_rule(user):
    kjj = user("kjj")
    loan = overdue_loan(kjj)
    claim = save_claim(kjj, None, loan=loan, applied_on=date(2026, 6, 1), principal=Decimal("1234567.89"))
    assert claim.status == ClaimStatus.APPLIED
    assert claim.compensation == Decimal("987654.31")  # 80 %
    assert claim.city_share == Decimal("395061.72") and claim.district_share == Decimal("592592.59")
    assert claim.city_share + claim.district_share == claim.compensation


def test_bad_claims_are_refused_and_nothing_stored(user):
    kjj = user("kjj")
    active = save_loan(kjj, None, **loan_fields())
    before = RiskClaim.objects.count()
    with pytest.raises(ValidationError) as refused:
        save_claim(kjj, None, loan=active, applied_on=date(2026, 6, 1), principal=Decimal("100000"))
    assert "只有逾期的贷款可以申请风险补偿" in refused.value.message_dict["loan"][0]
    loan = overdue_loan(kjj, contract_number="KZ-T-009")
    with pytest.raises(ValidationError) as refused:
        save_claim(kjj, None, loan=loan, applied_on=date(2026, 6, 1), principal=Decimal("2000000.01"))
    assert "超过贷款金额 2,000,000.00 元" in refused.value.message_dict["principal"][0]
    with pytest.raises(ValidationError, match="逾期未收回本金应大于 0"):
        save_claim(kjj, None, loan=loan, applied_on=date(2026, 6, 1), principal=Decimal("0"))
    with pytest.raises(ValidationError, match="申请日期不能早于贷款逾期日期"):
        save_claim(kjj, None, loan=loan, applied_on=date(2026, 1, 1), principal=Decimal("1"))
    assert RiskClaim.objects.count() == before
    save_claim(kjj, None, loan=loan, applied_on=date(2026, 6, 1), principal=Decimal("100000"))
    with pytest.raises(ValidationError, match="已有办理中的风险补偿申请"):
        save_claim(kjj, None, loan=loan, applied_on=date(2026, 6, 2), principal=Decimal("100000"))
    assert RiskClaim.objects.count() == before + 1
    with pytest.raises(ActionRefused, match="没有办理该贷款风险补偿的权限"):
        save_claim(user("hanfeng"), None, loan=loan, applied_on=date(2026, 6, 2), principal=Decimal("1"))


def test_the_claim_workflow_todos_payment_and_recovery(user):
    kjj, leader = user("kjj"), user("leader")
    loan = overdue_loan(kjj)
    claim = save_claim(kjj, None, loan=loan, applied_on=date(2026, 6, 1), principal=Decimal("1000000"))
    waiting = {todo.label for todo in todos_for(kjj)}
    assert "待审核的风险补偿申请" in waiting
    assert not any("风险补偿" in todo.label for todo in todos_for(leader))
    with pytest.raises(ActionRefused, match="没有审核通过该记录的权限"):
        workflow.perform(claim, "approve", leader)
    with pytest.raises(ActionRefused, match="没有审核通过该记录的权限"):
        workflow.perform(claim, "approve", user("hanfeng"))
    with pytest.raises(ActionRefused, match="不能代偿"):
        workflow.perform(claim, "pay", kjj, changes={"paid_on": date(2026, 7, 1), "voucher": "V1"})
    workflow.perform(claim, "approve", kjj, comment="材料齐全")
    with pytest.raises(ValidationError, match="代偿日期不能早于申请日期"):
        workflow.perform(claim, "pay", kjj, changes={"paid_on": date(2026, 5, 1), "voucher": "V1"})
    workflow.perform(claim, "pay", kjj, changes={"paid_on": date(2026, 7, 1), "voucher": "KZFXBC-2026-007"})
    claim.refresh_from_db()
    loan.refresh_from_db()
    assert claim.status == ClaimStatus.PAID and claim.voucher == "KZFXBC-2026-007"
    assert loan.status == LoanStatus.COMPENSATED  # in the same transaction
    assert claim.net_loss == Decimal("800000")
    with pytest.raises(ValidationError, match="累计追回金额不能超过代偿金额"):
        workflow.perform(
            claim, "recover", kjj, changes={"recovered": Decimal("800001"), "recovered_on": date(2026, 9, 1)}
        )
    workflow.perform(
        claim, "recover", kjj, changes={"recovered": Decimal("200000"), "recovered_on": date(2026, 9, 1)}
    )
    claim.refresh_from_db()
    assert claim.net_loss == Decimal("600000")
    labels = [event.label for event in workflow.history(claim)]
    assert {"审核通过", "代偿", "登记追回"} <= set(labels)
    assert entries_of(claim).filter(action="update").count() >= 3
    with pytest.raises(ActionRefused, match="只能修改备注"):
        save_claim(kjj, claim, principal=Decimal("1"))
    save_claim(kjj, claim, note="追偿中")


def test_a_rejected_claim_needs_a_reason_and_leaves_room_for_another(user):
    kjj = user("kjj")
    loan = overdue_loan(kjj)
    claim = save_claim(kjj, None, loan=loan, applied_on=date(2026, 6, 1), principal=Decimal("100000"))
    with pytest.raises(ValidationError, match="须填写意见"):
        workflow.perform(claim, "reject", kjj)
    with pytest.raises(ActionRefused, match="有办理中的风险补偿申请"):
        workflow.perform(loan, "cure", kjj, comment="x")
    workflow.perform(claim, "reject", kjj, comment="未履行贷后管理")
    again = save_claim(kjj, None, loan=loan, applied_on=date(2026, 8, 1), principal=Decimal("100000"))
    assert again.status == ClaimStatus.APPLIED


def test_the_transition_view_refuses_a_role_without_the_capability(client_as):
    claim = RiskClaim.objects.filter(
        status=ClaimStatus.APPLIED, loan__enterprise__town__name="汉丰街道"
    ).first()
    url = f"/workflow/finance.riskclaim/{claim.pk}/approve/"
    client_as("hanfeng").post(url, {"comment": "x"})  # a town reads the claim but may not decide it
    assert RiskClaim.objects.get(pk=claim.pk).status == ClaimStatus.APPLIED
    assert client_as("kjj").post(url, {"comment": "同意"}).status_code == 302
    assert RiskClaim.objects.get(pk=claim.pk).status == ClaimStatus.APPROVED


# --- seed investments -------------------------------------------------------------------------------


def seed_fields(dept, **changes) -> dict:
    values = {
        "team_name": "开州测试团队",
        "town": dept("汉丰街道"),
        "kind": "股权投资",
        "amount": Decimal("800000"),
        "invested_on": date(2025, 5, 1),
        "share_percent": Decimal("10"),
    }
    values.update(changes)
    return values


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"amount": Decimal("2000000.01")}, "amount", "超过单个项目上限 2,000,000.00 元"),
        ({"amount": Decimal("0")}, "amount", "投资金额应大于 0"),
        ({"exited_on": date(2025, 4, 1), "exit_way": "回购"}, "exited_on", "退出日期不能早于投资日期"),
        (
            {"exited_on": date(2025, 9, 1), "exit_way": "回购", "recovered": Decimal("-1")},
            "recovered",
            "收回金额不能为负数",
        ),
        ({"exited_on": date(2025, 9, 1)}, "exit_way", "退出日期与退出方式须同时填写"),
        ({"share_percent": None}, "share_percent", "股权投资须填写持股比例"),
        ({"kind": "无息借款", "share_percent": None}, "term_months", "无息借款须填写借款期限"),
        ({"team_name": ""}, "team_name", "请填写被投企业或创业团队名称"),
        ({"exited_on": date(2025, 9, 1), "exit_way": "到期还款"}, "exit_way", "“到期还款”只适用于无息借款"),
    ],
)
def test_a_bad_seed_investment_is_refused(user, dept, changes, field, message):
    before = SeedInvestment.objects.count()
    with pytest.raises(ValidationError) as refused:
        save_seed_investment(user("kjj"), None, **seed_fields(dept, **changes))
    assert message in "；".join(refused.value.message_dict[field])
    assert SeedInvestment.objects.count() == before


def test_a_seed_investment_in_an_enterprise_sits_in_its_town(user, dept):
    enterprise = _enterprise("汉丰街道")
    saved = save_seed_investment(
        user("kjj"), None, **seed_fields(dept, team_name="", enterprise=enterprise, town=dept("镇东街道"))
    )
    assert saved.town == enterprise.town
    with pytest.raises(ActionRefused):
        save_seed_investment(user("hanfeng"), None, **seed_fields(dept))


# --- scope ------------------------------------------------------------------------------------------


def test_a_town_and_an_enterprise_see_only_theirs(client_as, user):
    hanfeng = visible_to(user("hanfeng"), Loan.objects.all())
    assert hanfeng.exists() and set(hanfeng.values_list("enterprise__town__name", flat=True)) == {"汉丰街道"}
    own = user("qiye").enterprises.get()
    qiye = visible_to(user("qiye"), Loan.objects.all())
    assert qiye.exists() and set(qiye.values_list("enterprise", flat=True)) == {own.pk}
    other = Loan.objects.exclude(enterprise__town__name="汉丰街道").first()
    for who in ("hanfeng", "qiye"):
        assert client_as(who).get(f"/finance/loans/{other.pk}/").status_code == 404
        assert client_as(who).get(f"/api/v1/loans/{other.pk}").status_code == 404
    neighbour = Loan.objects.filter(enterprise__town__name="汉丰街道").exclude(enterprise=own).first()
    assert client_as("qiye").get(f"/finance/loans/{neighbour.pk}/").status_code == 404
    assert client_as("hanfeng").get(f"/finance/loans/{neighbour.pk}/").status_code == 200
    listed = client_as("qiye").get("/finance/loans/").context["page"].paginator.count
    assert listed == qiye.count()
    assert not visible_to(user("qiye"), RiskClaim.objects.all()).exists()
    seed = visible_to(user("hanfeng"), SeedInvestment.objects.all())
    assert set(seed.values_list("town__name", flat=True)) == {"汉丰街道"}
    assert client_as("expert").get("/finance/loans/").status_code == 403


# --- sheets -----------------------------------------------------------------------------------------


def _upload(client, key, book: bytes) -> ImportJob:
    client.post(f"/tables/{key}/upload/", {"file": SimpleUploadedFile("f.xlsx", book)})
    return ImportJob.objects.latest("pk")


@pytest.mark.parametrize(
    "key, model", [("loans", Loan), ("risk-claims", RiskClaim), ("seed-investments", SeedInvestment)]
)
def test_sheets_round_trip_unchanged(client_as, settings, tmp_path, key, model):
    settings.MEDIA_ROOT = tmp_path
    client = client_as("kjj")
    book = b"".join(client.get(f"/tables/{key}/export.xlsx").streaming_content)
    job = _upload(client, key, book)
    assert job.status == "validated" and job.error_rows == 0, job.errors[:3]
    client.post(f"/tables/jobs/{job.pk}/commit/", {"mode": "all", "reason": "核对"})
    job.refresh_from_db()
    assert job.result == {"created": 0, "updated": 0, "unchanged": model.objects.count(), "skipped": 0}


def test_a_messy_loan_import_names_each_bad_row(client_as, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = client_as("kjj")
    template = b"".join(client.get("/tables/loans/export.xlsx", {"q": "无此合同"}).streaming_content)
    book = openpyxl.load_workbook(io.BytesIO(template))
    sheet = book["数据"]
    headers = [c.value for c in sheet[1]]
    code = _enterprise().credit_code
    taken = Loan.objects.select_related("bank").first()

    def row(**values):
        base = {
            "贷款银行": "中国工商银行开州支行",
            "合同编号": "KZ-IMP-001",
            "企业信用代码": code,
            "评价等级": "B",
            "贷款金额（元）": 3000000,
            "放款日期": "2025-02-01",
            "期限（月）": 12,
            "年利率（%）": 4.1,
            "状态": "在贷",
        }
        base.update(values)
        sheet.append([base.get(h) for h in headers])

    row()  # good
    row(合同编号="KZ-IMP-002", **{"贷款金额（元）": 4500000})  # above B's line
    row(合同编号="KZ-IMP-003", 企业信用代码="91500000NOSUCH0000")
    row(合同编号="KZ-IMP-004", **{"期限（月）": 72})
    row(合同编号="KZ-IMP-005", 状态="已结清")  # no settlement date
    row(贷款银行=taken.bank.name, 合同编号=taken.contract_number, 状态="已代偿")
    row(合同编号="KZ-IMP-006", **{"年利率（%）": 30})
    out = io.BytesIO()
    book.save(out)
    job = _upload(client, "loans", out.getvalue())
    assert job.error_rows == 6, job.errors
    by_row = {}
    for error in job.errors:
        by_row.setdefault(error["row"], []).append(f"{error['column']}：{error['message']}")
    messages = "\n".join("；".join(v) for v in by_row.values())
    assert "超过B级的授信额度 4,000,000.00 元" in messages
    assert "未登记，或不在您可登记贷款的企业范围内" in messages
    assert "须在系统中办理变更" in messages and "已结清的贷款须填写结清日期" in messages
    assert "年利率应在 0 至 24 之间" in messages and "期限" in messages
    assert len(by_row) == 6 and 2 not in by_row  # the good row (row 2) is clean
    client.post(f"/tables/jobs/{job.pk}/commit/", {"mode": "valid_only", "reason": "导入"})
    job.refresh_from_db()
    assert job.status == "done" and job.result["created"] == 1
    created = Loan.objects.get(contract_number="KZ-IMP-001")
    assert created.credit_line == Decimal("4000000") and created.status == LoanStatus.ACTIVE


# --- metrics ----------------------------------------------------------------------------------------


def test_metrics_on_hand_computed_data(user, dept):
    kjj = user("kjj")
    a, b = _enterprise("汉丰街道"), _enterprise("镇东街道")
    base = dict(bank=_bank(), grade="A", term_months=12, annual_rate=Decimal("4"))
    for n, (enterprise, amount, day) in enumerate(
        [
            (a, "1000000", date(2030, 2, 1)),
            (a, "500000", date(2030, 8, 1)),
            (b, "250000.50", date(2030, 9, 1)),
        ]
    ):
        save_loan(
            kjj,
            None,
            enterprise=enterprise,
            contract_number=f"M-{n}",
            amount=Decimal(amount),
            granted_on=day,
            **base,
        )
    save_loan(
        kjj,
        None,
        enterprise=b,
        contract_number="M-9",
        amount=Decimal("1"),
        granted_on=date(2031, 1, 1),
        **base,
    )

    def value(key, period, scope=None, **params):
        return metrics.evaluate(key, scope, period, **params).value

    assert value("finance.loans_in_period", "2030") == 3
    assert value("finance.loan_amount_in_period", "2030") == Decimal("1750000.50")
    assert value("finance.loan_enterprises_in_period", "2030") == 2
    assert value("finance.loans_in_period", "2030", scope=dept("汉丰街道")) == 2
    assert value("finance.loan_amount_in_period", "2030Q3") == Decimal("750000.50")
    assert value("finance.loans_in_period", "2030", bank="中国工商银行开州支行") == 0
    save_seed_investment(kjj, None, **seed_fields(dept, invested_on=date(2030, 4, 1)))
    save_seed_investment(
        kjj,
        None,
        **seed_fields(
            dept,
            invested_on=date(2030, 5, 1),
            kind="无息借款",
            share_percent=None,
            term_months=24,
            amount=Decimal("300000"),
        ),
    )
    assert value("finance.seed_investments_in_period", "2030") == 2
    assert value("finance.seed_amount_in_period", "2030") == Decimal("1100000")
    assert value("finance.seed_amount_in_period", "2030", kind="无息借款") == Decimal("300000")


def test_demo_has_the_claim_states_and_an_exit():
    assert 35 <= Loan.objects.count() <= 45
    assert set(RiskClaim.objects.values_list("status", flat=True)) == set(ClaimStatus.values)
    assert (
        SeedInvestment.objects.count() == 8
        and SeedInvestment.objects.filter(exited_on__isnull=False).count() == 1
    )
    assert all(loan.amount <= loan.credit_line for loan in Loan.objects.all())
    assert Loan.objects.filter(tasks__code="8.4").count() == Loan.objects.count()


def test_plan_task_shows_the_loans(client_as):
    from kechuang.plans.models import Task

    task = Task.objects.get(code="8.4")
    body = client_as("kjj").get(f"/plans/tasks/{task.pk}/").content.decode()
    assert "知识价值信用贷款" in body and "种子基金投资" in body
