"""The registries after 立项 through the kit (task books, acceptances, payments), the payments' sheet — a
finance office's file of vouchers recorded through the same actions, within the grant — and the paid
totals as a metric per year, call and payer."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from kechuang.metrics.registry import metrics
from kechuang.projects import payments
from kechuang.projects.models import (
    AcceptanceStatus,
    Payer,
    Payment,
    PaymentStatus,
    TaskBookStatus,
    Tranche,
)
from kechuang.projects.tests.test_lifecycle import signed
from kechuang.tabular.registry import get_sheet
from kechuang.testing.registry import RegistryTests

pytestmark = pytest.mark.django_db


class TestTaskBookRegistry(RegistryTests):
    registry_key = "task-books"
    scoped = "hanfeng"
    filter_params = [{}, {"status": TaskBookStatus.SIGNED}, {"year": "2025"}, {"q": "KZKJ"}]


class TestAcceptanceRegistry(RegistryTests):
    registry_key = "acceptances"
    scoped = "hanfeng"
    filter_params = [{}, {"status": AcceptanceStatus.PASSED}, {"year": "2024"}]


class TestPaymentRegistry(RegistryTests):
    registry_key = "payments"
    scoped = "hanfeng"
    filter_params = [
        {},
        {"status": PaymentStatus.PAID},
        {"tranche": Tranche.MILESTONE},
        {"payer": Payer.DISTRICT},
    ]


@pytest.fixture
def kjj(user):
    return user("kjj")


def test_a_payments_file_is_recorded_within_the_grant(kjj):
    project, who = signed(kjj)  # 150,000 funded, milestone 1 ties 50,000
    sheet = get_sheet("payments")
    context = sheet.prepare(kjj)
    today = timezone.localdate()
    row = {
        "voucher": "KZCZ-F-001",
        "year": project.year,
        "number": project.number,
        "tranche": Tranche.APPROVAL,
        "payer": None,
        "amount": Decimal("100000"),
        "paid_on": today,
        "milestone": None,
        "note": "",
    }
    assert sheet.check_row(row, context) == {}
    # a second row of the same file would go beyond the grant with the first: refused, naming what is left
    second = {**row, "voucher": "KZCZ-F-002", "amount": Decimal("50000.01")}
    assert "超过尚可拨付的 50,000.00 元" in sheet.check_row(second, context)["amount"]
    milestone = {**row, "voucher": "KZCZ-F-003", "tranche": Tranche.MILESTONE, "milestone": 1}
    assert "尚未考核通过" in sheet.check_row(milestone, context)["tranche"]
    unknown = {**row, "voucher": "KZCZ-F-004", "number": "不存在"}
    assert "未找到" in sheet.check_row(unknown, context)["number"]
    counts = sheet.apply([(2, row)], kjj, sheet.prepare(kjj))
    assert counts.created == 1
    paid = Payment.objects.get(voucher="KZCZ-F-001")
    assert paid.status == PaymentStatus.PAID and paid.amount == Decimal("100000")
    # the same file again changes nothing; a changed row for a recorded voucher is refused
    again = sheet.prepare(kjj)
    assert sheet.check_row(row, again) == {}
    assert sheet.apply([(2, row)], kjj, again).unchanged == 1
    assert "不能由导入修改" in sheet.check_row({**row, "amount": Decimal("99999")}, again)["voucher"]
    exported = list(sheet.export_rows(sheet.queryset(kjj)))
    assert any(r["voucher"] == "KZCZ-F-001" and r["number"] == project.number for r in exported)


def test_paid_totals_per_year_call_and_payer(kjj):
    project, who = signed(kjj)
    first = payments.arrange(kjj, project, tranche=Tranche.APPROVAL, amount=Decimal("60000"))
    payments.pay(kjj, first, paid_on=date(2026, 3, 1), voucher="V-1")
    second = payments.arrange(kjj, project, tranche=Tranche.APPROVAL, amount=Decimal("30000"))
    payments.pay(kjj, second, paid_on=date(2027, 1, 5), voucher="V-2")
    payments.arrange(kjj, project, tranche=Tranche.APPROVAL, amount=Decimal("10000"))  # arranged, not paid
    number = project.call.number

    def paid(year, **params):
        return metrics.evaluate("projects.paid_in_period", None, year, **params)

    this_year = paid("2026", call=number)
    assert this_year.value == Decimal("60000") and list(this_year.record_ids) == [first.pk]
    assert paid("2027", call=number).value == Decimal("30000")
    assert paid("2026", call="其他指南").value == 0
    assert paid("2026", payer=Payer.OWNER, call=number).value == 0
    payments.cancel(kjj, first, comment="退回重拨")
    assert paid("2026", call=number).value == 0
