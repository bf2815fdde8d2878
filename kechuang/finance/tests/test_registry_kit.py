"""The finance registries through the kit's generic tests."""

from kechuang.finance.models import Bank, ClaimStatus, Grade, Loan, LoanStatus, SeedForm
from kechuang.testing.registry import RegistryTests


class TestLoanRegistry(RegistryTests):
    registry_key = "loans"
    editor = "kjj"
    viewer_without_change = "leader"
    outsider = "expert"
    scoped = "hanfeng"
    filter_params = [
        {},
        {"grade": Grade.C},
        {"status": LoanStatus.SETTLED, "year": "2022"},
        {"q": "KZ-ZSJZ-2024"},
    ]

    def create_data(self, dept):
        from kechuang.enterprises.models import Enterprise

        enterprise = Enterprise.objects.filter(town__name="汉丰街道").order_by("pk").first()
        return {
            "enterprise_code": enterprise.credit_code,
            "bank": Bank.objects.order_by("pk").first().pk,
            "grade": Grade.D,
            "contract_number": "KZ-TEST-0001",
            "amount": "1200000",
            "granted_on": "2025-03-01",
            "term_months": "12",
            "annual_rate": "3.95",
            "purpose": "研发投入",
            "status": LoanStatus.ACTIVE,
            "settled_on": "",
            "overdue_on": "",
            "note": "",
            "reason": "登记贷款",
        }

    def edit_changes(self):
        return {"note": "已核对借款合同", "reason": "补充备注"}


class TestRiskClaimRegistry(RegistryTests):
    registry_key = "risk-claims"
    editor = "kjj"
    viewer_without_change = "leader"
    outsider = "expert"
    scoped = "hanfeng"
    filter_params = [{}, {"status": ClaimStatus.APPLIED}, {"year": "2023"}, {"grade": Grade.A}]

    def create_data(self, dept):
        loan = Loan.objects.filter(status=LoanStatus.ACTIVE).order_by("pk").first()
        loan.status, loan.overdue_on = LoanStatus.OVERDUE, loan.granted_on
        loan.save()
        return {
            "loan": loan.pk,
            "applied_on": loan.granted_on.isoformat(),
            "principal": str(loan.amount / 2),
            "note": "",
            "reason": "银行申请",
        }

    def edit_changes(self):
        return {"note": "银行补充材料", "reason": "补充备注"}


class TestSeedInvestmentRegistry(RegistryTests):
    registry_key = "seed-investments"
    editor = "kjj"
    viewer_without_change = "leader"
    outsider = "expert"
    scoped = "hanfeng"
    filter_params = [{}, {"kind": SeedForm.EQUITY}, {"exited": "1"}, {"year": "2022"}, {"q": "团队"}]

    def create_data(self, dept):
        return {
            "enterprise_code": "",
            "team_name": "开州测试创业团队",
            "town": dept("汉丰街道").pk,
            "kind": SeedForm.LOAN,
            "amount": "500000",
            "invested_on": "2025-04-01",
            "share_percent": "",
            "term_months": "36",
            "decided_on": "2025-03-10",
            "decision_number": "开州种投决〔2025〕9号",
            "exited_on": "",
            "exit_way": "",
            "recovered": "",
            "note": "",
            "reason": "投委会决策",
        }

    def edit_changes(self):
        return {"note": "已签订投资协议", "reason": "补充备注"}


class TestBankRegistry(RegistryTests):
    registry_key = "banks"
    editor = "kjj"
    viewer_without_change = "leader"
    outsider = "expert"
    scoped = None

    def create_data(self, dept):
        return {"name": "重庆银行开州支行", "note": "", "reason": "新加入合作"}

    def edit_changes(self):
        return {"note": "2024年加入", "reason": "补充备注"}
