"""The policies in Excel: grants out with the list's filters; the treasury's payments file in through the
same checks as the page — a bad row named with its reason and nothing of it stored, the good rows paid."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.utils import timezone

from kechuang.policies.models import Disbursement, Grant, GrantStatus
from kechuang.tabular.tests.test_import import commit, upload, xlsx

pytestmark = pytest.mark.django_db

HEADERS = ["凭证号", "统一社会信用代码", "政策条款", "兑现年度", "拨付金额（元）", "拨付日期"]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _rows(response):
    assert response.status_code == 200
    data = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    return [[c for c in row] for row in sheet.iter_rows(values_only=True)]


def test_grants_export_with_the_lists_filters_and_paid_totals(client_as):
    client = client_as("kjj")
    response = client.get("/tables/grants/export.xlsx", {"year": "2021", "status": "paid"})
    rows = _rows(response)
    header = rows[0]
    body = [dict(zip(header, row, strict=False)) for row in rows[1:] if any(row)]
    assert len(body) == Grant.objects.filter(budget_year=2021, status=GrantStatus.PAID).count()
    assert all(Decimal(str(r["已拨付（元）"])) == Decimal(str(r["审定金额（元）"])) for r in body)
    assert any("当年研发费用不低于" in (r["测算依据"] or "") for r in body)
    # a town exports only its enterprises' grants
    town = _rows(client_as("hanfeng").get("/tables/grants/export.xlsx", {"year": "2021"}))
    assert 1 < len(town) - 1 < len(body)


def test_a_treasury_file_pays_the_good_rows_and_names_the_bad(client_as):
    payable = list(
        Grant.objects.filter(status=GrantStatus.PAYABLE).select_related("enterprise", "instrument")[:2]
    )
    awaiting = (
        Grant.objects.filter(status=GrantStatus.AWAITING_ACCOUNT)
        .select_related("enterprise", "instrument")
        .first()
    )
    paid = Disbursement.objects.select_related("grant__enterprise", "grant__instrument").first()
    today = timezone.localdate().isoformat()
    first, second = payable

    def row(voucher, grant, amount, day=today):
        return [
            voucher,
            grant.enterprise.credit_code,
            grant.instrument.name,
            grant.budget_year,
            float(amount),
            day,
        ]

    data = xlsx(
        [
            row("KZ-X-1", first, first.amount),
            row("KZ-X-2", second, second.amount / 2),
            row("KZ-X-3", second, second.amount),  # with the row above: beyond the grant
            row("KZ-X-4", awaiting, awaiting.amount),
            [
                paid.voucher,
                paid.grant.enterprise.credit_code,
                paid.grant.instrument.name,
                paid.grant.budget_year,
                float(paid.amount),
                paid.paid_on.isoformat(),
            ],
            ["KZ-X-5", first.enterprise.credit_code, "不存在的政策", first.budget_year, 100, today],
        ],
        headers=HEADERS,
    )
    client = client_as("kjj")
    job = upload(client, data, sheet="disbursements")
    assert job.status == "validated" and job.error_rows == 3, job.errors
    messages = " ".join(e["message"] for e in job.errors)
    assert "超过该奖补未拨付的" in messages
    assert "企业尚未确认收款账户" in messages
    assert "未找到该企业在该兑现年度的这项奖补" in messages
    # all or nothing: refused while rows are wrong
    before = Disbursement.objects.count()
    job = commit(client, job, mode="valid_only", reason="国库回单 2026-12")
    assert job.status == "done" and job.result["created"] == 2 and job.result["unchanged"] == 1
    assert Disbursement.objects.count() == before + 2
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == GrantStatus.PAID and second.status == GrantStatus.PAYABLE
    assert Disbursement.objects.get(voucher="KZ-X-1").account_number == first.account_number
    assert not Disbursement.objects.filter(voucher__in=["KZ-X-3", "KZ-X-4", "KZ-X-5"]).exists()
    # a town cannot import payments
    assert client_as("hanfeng").post("/tables/disbursements/upload/", {}).status_code in (403, 404)


def test_instruments_export_with_the_rule_in_force_and_this_years_execution(client_as):
    from kechuang.policies import grants
    from kechuang.policies.models import Instrument

    rows = _rows(client_as("kjj").get("/tables/policy-instruments/export.xlsx"))
    header = rows[0]
    body = {r["名称"]: r for r in (dict(zip(header, row, strict=False)) for row in rows[1:] if any(row))}
    assert set(body) == set(Instrument.objects.values_list("name", flat=True))
    rd = body["研发投入补助"]
    assert rd["兑现方式"] == "免申即享" and "当年研发费用不低于 50.00 万元" in rd["条件"]
    assert (
        "当年研发费用达到 50.00 万元 的 4.00 万元" in rd["金额规则"] and "研发费用增量的 3%" in rd["金额规则"]
    )
    year = timezone.localdate().year
    instrument = Instrument.objects.get(name="研发投入补助")
    [execution] = grants.execution([instrument], year)
    assert rd["预算年度"] == year and Decimal(str(rd["预算（含调整，元）"])) == execution.budget
    assert Decimal(str(rd["已审定（元）"])) == execution.committed
    # a reading of the register cannot be imported back
    page = client_as("kjj").get("/tables/policy-instruments/")
    assert page.status_code == 200
