"""免申即享 end to end on the demo's policy: a list computed from the registry, confirmed against the
budget (refused beyond it until an adjustment is recorded), accounts confirmed by the enterprises, paid
— and every refusal on the way, with nothing stored; target 6-1 computed from the payments."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from kechuang.audit.models import ChangeEntry
from kechuang.enterprises.models import EnterpriseYear
from kechuang.org.actions import ActionRefused
from kechuang.plans.models import Target
from kechuang.policies import exempt, grants
from kechuang.policies.models import (
    Disbursement,
    DisbursementStatus,
    Grant,
    GrantStatus,
    Instrument,
    LineStatus,
    RoundStatus,
)
from kechuang.progress.actuals import actual_for
from kechuang.workflow import engine as workflow

pytestmark = pytest.mark.django_db


def _instrument(name="研发投入补助"):
    return Instrument.objects.get(name=name)


@pytest.fixture
def round_2023(user):
    """The R&D subsidy on 2023's data (the demo leaves that year out), paid from 2024's budget."""
    return exempt.compute(user("kjj"), _instrument(), data_year=2023, budget_year=2024)


def _account(grant, **changes):
    return {
        "account_name": grant.enterprise.name,
        "bank_name": "中国建设银行开州支行",
        "account_number": "6217003760000012345",
        **changes,
    }


def test_the_list_has_every_enterprise_the_registry_shows_eligible_with_its_reason(round_2023):
    eligible = set(round_2023.lines.filter(eligible=True).values_list("enterprise_id", flat=True))
    expected = set(
        EnterpriseYear.objects.filter(
            year=2023, superseded_at__isnull=True, rd_expense__gte=500_000, enterprise__is_active=True
        ).values_list("enterprise_id", flat=True)
    )
    assert eligible == expected and len(expected) > 100
    line = round_2023.lines.filter(eligible=True).order_by("-amount").first()
    assert line.reasons[0]["text"].startswith("当年研发费用不低于 50.00 万元：2023 年度研发费用")
    assert any("一档" in r["text"] for r in line.reasons)
    # near misses: R&D within 20% below 50万, with what they miss
    for near in round_2023.lines.filter(eligible=False):
        rd = EnterpriseYear.objects.get(
            enterprise=near.enterprise, year=2023, superseded_at__isnull=True
        ).rd_expense
        assert Decimal(400_000) <= rd < Decimal(500_000)
        assert "差 " in near.missing[0]["text"]


def test_a_long_list_is_read_page_by_page_with_the_totals_of_all_of_it(round_2023, client_as):
    from kechuang.policies.views import ROUND_PAGE

    on_list = round_2023.lines.filter(eligible=True).exclude(status=LineStatus.EXCLUDED)
    count, total = on_list.count(), on_list.aggregate(t=Sum("amount"))["t"]
    assert count > 2 * ROUND_PAGE
    client = client_as("kjj")
    url = round_2023.get_absolute_url()
    seen, number = [], 1
    while True:
        page = client.get(url, {"page": number})
        assert page.status_code == 200
        shown = [line.pk for line in page.context["listed"]]
        assert len(shown) <= ROUND_PAGE and shown
        seen += shown
        assert page.context["listed_count"] == count and page.context["total"] == total
        if not page.context["listed"].has_next():
            break
        assert f"第 {number} / " in page.content.decode() and "下一页" in page.content.decode()
        number += 1
    assert sorted(seen) == sorted(on_list.values_list("pk", flat=True))  # every line once, none twice
    amounts = list(on_list.filter(pk__in=seen).values_list("pk", "amount"))
    by_pk = dict(amounts)
    assert [by_pk[pk] for pk in seen] == sorted(
        by_pk.values(), reverse=True
    )  # the largest first, across pages
    # a bad or past-the-end page number shows a page, never an error
    assert client.get(url, {"page": "abc"}).context["listed"].number == 1
    assert client.get(url, {"page": "9999"}).context["listed"].number == number
    # the near misses page on their own
    near = client.get(url, {"near_page": "1"})
    assert near.context["near_count"] == round_2023.lines.filter(eligible=False).count()


def test_a_list_beyond_the_budget_is_refused_until_an_adjustment_is_recorded(round_2023, user, client_as):
    bureau = user("kjj")
    total = round_2023.lines.filter(eligible=True).aggregate(t=Sum("amount"))["t"]
    [row] = grants.execution([round_2023.instrument], 2024)
    assert total > row.left  # the demo's budget of 2024 is smaller than the list
    with pytest.raises(ActionRefused, match="超出“研发投入补助”2024 年度预算余额.*须先登记预算调整"):
        exempt.confirm(
            bureau, round_2023, decision_number="开州科发〔2024〕31号", confirmed_on=date(2024, 5, 20)
        )
    round_2023.refresh_from_db()
    assert round_2023.status == RoundStatus.DRAFT and not Grant.objects.filter(budget_year=2024).exists()
    page = client_as("kjj").get(round_2023.get_absolute_url()).content.decode()
    assert 'id="over-budget"' in page

    budget = round_2023.instrument.budgets.get(year=2024)
    with pytest.raises(ValidationError, match="须填写理由"):
        grants.adjust_budget(bureau, budget, amount=total, reason=" ", adjusted_on=date(2024, 5, 10))
    grants.adjust_budget(
        bureau,
        budget,
        amount=total - row.left,
        reason="追加",
        adjusted_on=date(2024, 5, 10),
        document_number="开州财预〔2024〕9号",
    )
    exempt.confirm(bureau, round_2023, decision_number="开州科发〔2024〕31号", confirmed_on=date(2024, 5, 20))
    round_2023.refresh_from_db()
    assert round_2023.status == RoundStatus.CONFIRMED
    granted = Grant.objects.filter(benefit_line__round=round_2023)
    assert granted.count() == round_2023.lines.filter(eligible=True).count()
    assert set(granted.values_list("status", flat=True)) == {GrantStatus.AWAITING_ACCOUNT}
    assert granted.aggregate(t=Sum("amount"))["t"] == total
    [after] = grants.execution([round_2023.instrument], 2024)
    assert after.left == 0 and after.committed == total
    # a cut below what is committed is refused
    with pytest.raises(ValidationError, match="低于已审定"):
        grants.adjust_budget(bureau, budget, amount=Decimal(-1), reason="调减", adjusted_on=date(2024, 6, 1))
    # confirmed: neither computed again nor changed
    with pytest.raises(ActionRefused, match="不能重新测算"):
        exempt.compute(bureau, round_2023.instrument, data_year=2023, budget_year=2024)
    with pytest.raises(ActionRefused, match="名单已确认"):
        exempt.exclude(bureau, round_2023.lines.filter(eligible=True).first(), reason="重复享受")


def test_a_line_set_aside_stays_aside_when_the_list_is_computed_again(round_2023, user):
    bureau = user("kjj")
    line = round_2023.lines.filter(eligible=True).first()
    with pytest.raises(ValidationError):
        exempt.exclude(bureau, line, reason="")
    exempt.exclude(bureau, line, reason="同一项目已享受市级补助")
    again = exempt.compute(bureau, round_2023.instrument, data_year=2023, budget_year=2024)
    kept = again.lines.get(enterprise=line.enterprise)
    assert kept.status == LineStatus.EXCLUDED and kept.note == "同一项目已享受市级补助"
    # an enterprise's corrected figures change its amount on the next computation
    year = EnterpriseYear.objects.get(enterprise=line.enterprise, year=2023, superseded_at__isnull=True)
    EnterpriseYear.objects.filter(pk=year.pk).update(rd_expense=Decimal(100_000))
    again = exempt.compute(bureau, round_2023.instrument, data_year=2023, budget_year=2024)
    assert not again.lines.filter(enterprise=line.enterprise, eligible=True).exists()


def test_a_town_or_an_enterprise_cannot_compute_or_confirm(user, round_2023):
    for who in ("hanfeng", "qiye", "leader"):
        with pytest.raises(ActionRefused):
            exempt.compute(user(who), _instrument(), data_year=2023, budget_year=2024)
    with pytest.raises(ActionRefused):
        exempt.compute(user("kjj"), _instrument("科技成果转化奖励"), data_year=2023, budget_year=2024)
    with pytest.raises(ValidationError, match="兑现年度应为数据年度当年或次年"):
        exempt.compute(user("kjj"), _instrument(), data_year=2023, budget_year=2026)


@pytest.fixture
def awaiting(user):
    """The demo enterprise's grant of this year's list, waiting for its account."""
    return Grant.objects.get(enterprise__users=user("qiye"), status=GrantStatus.AWAITING_ACCOUNT)


def test_the_enterprise_confirms_its_account_and_the_bureau_pays(awaiting, user):
    qiye, bureau = user("qiye"), user("kjj")
    with pytest.raises(ActionRefused, match="企业尚未确认收款账户"):
        grants.pay(bureau, awaiting, amount=awaiting.amount, paid_on=timezone.localdate(), voucher="V-1")
    with pytest.raises(ValidationError) as wrong:
        grants.confirm_account(qiye, awaiting, **_account(awaiting, account_name="别的公司"))
    assert "户名应为企业名称" in str(wrong.value)
    with pytest.raises(ValidationError, match="8—32 位数字"):
        grants.confirm_account(qiye, awaiting, **_account(awaiting, account_number="6217-ABC"))
    with pytest.raises(ActionRefused, match="只有该企业的账号"):
        grants.confirm_account(user("hanfeng"), awaiting, **_account(awaiting))
    awaiting.refresh_from_db()
    assert awaiting.status == GrantStatus.AWAITING_ACCOUNT and awaiting.account_number == ""

    grants.confirm_account(qiye, awaiting, **_account(awaiting, account_number="6217 0037 6000 0012 345"))
    awaiting.refresh_from_db()
    assert awaiting.status == GrantStatus.PAYABLE and awaiting.account_number == "6217003760000012345"
    assert awaiting.benefit_line.status == LineStatus.ACCEPTED
    with connection.cursor() as cursor:
        cursor.execute("SELECT account_number FROM policies_grant WHERE id = %s", [awaiting.pk])
        [stored] = cursor.fetchone()
    assert stored.startswith("gAAAAA") and "6217003760000012345" not in stored  # encrypted at rest

    today = timezone.localdate()
    half = (awaiting.amount / 2).quantize(Decimal("0.01"))
    with pytest.raises(ValidationError, match="超过审定金额余额"):
        grants.pay(bureau, awaiting, amount=awaiting.amount + 1, paid_on=today, voucher="KZ-T-1")
    with pytest.raises(ValidationError, match="不能晚于今天"):
        grants.pay(bureau, awaiting, amount=half, paid_on=today + timedelta(days=1), voucher="KZ-T-1")
    with pytest.raises(ActionRefused):
        grants.pay(user("hanfeng"), awaiting, amount=half, paid_on=today, voucher="KZ-T-1")
    assert not Disbursement.objects.filter(voucher="KZ-T-1").exists()
    first = grants.pay(bureau, awaiting, amount=half, paid_on=today, voucher="KZ-T-1")
    assert first.account_number == "6217003760000012345" and first.bank_name == "中国建设银行开州支行"
    with pytest.raises(ValidationError, match="已登记过"):
        grants.pay(bureau, awaiting, amount=Decimal(1), paid_on=today, voucher="KZ-T-1")
    awaiting.refresh_from_db()
    assert awaiting.status == GrantStatus.PAYABLE
    with pytest.raises(ActionRefused, match="已有拨付记录的奖补不能撤销"):
        workflow.perform(awaiting, "revoke", bureau, comment="误报")
    grants.pay(bureau, awaiting, amount=awaiting.amount - half, paid_on=today, voucher="KZ-T-2")
    awaiting.refresh_from_db()
    assert awaiting.status == GrantStatus.PAID
    with pytest.raises(ActionRefused, match="不能再拨付"):
        grants.pay(bureau, awaiting, amount=Decimal(1), paid_on=today, voucher="KZ-T-3")
    # a voided payment reopens the grant, never deleted
    workflow.perform(first, "void", bureau, comment="凭证填错，退回国库")
    awaiting.refresh_from_db()
    first.refresh_from_db()
    assert first.status == DisbursementStatus.VOIDED and awaiting.status == GrantStatus.PAYABLE
    assert grants.paid_total(awaiting) == awaiting.amount - half


def test_an_account_changed_after_approval_must_be_confirmed_again(awaiting, user):
    qiye, bureau = user("qiye"), user("kjj")
    grants.confirm_account(qiye, awaiting, **_account(awaiting))
    with pytest.raises(ValidationError, match="须填写理由"):
        grants.change_account(
            bureau, awaiting, **_account(awaiting, account_number="6222000011112222"), reason=""
        )
    with pytest.raises(ActionRefused):
        grants.change_account(
            qiye, awaiting, **_account(awaiting, account_number="6222000011112222"), reason="改"
        )
    grants.change_account(
        bureau, awaiting, **_account(awaiting, account_number="6222000011112222"), reason="企业来函变更账户"
    )
    awaiting.refresh_from_db()
    assert awaiting.status == GrantStatus.AWAITING_ACCOUNT and awaiting.account_confirmed_at is None
    with pytest.raises(ActionRefused, match="收款账户变更后尚未经企业重新确认"):
        grants.pay(bureau, awaiting, amount=awaiting.amount, paid_on=timezone.localdate(), voucher="KZ-T-9")
    assert not Disbursement.objects.filter(voucher="KZ-T-9").exists()
    entry = ChangeEntry.objects.filter(content_type__model="grant", object_id=str(awaiting.pk)).latest("pk")
    assert entry.reason == "企业来函变更账户" and "account_number" in entry.changed_fields
    assert "6222000011112222" not in str(entry.after)  # personal data redacted in the log
    grants.confirm_account(qiye, awaiting, **_account(awaiting, account_number="6222000011112222"))
    grants.pay(
        bureau,
        Grant.objects.get(pk=awaiting.pk),
        amount=awaiting.amount,
        paid_on=timezone.localdate(),
        voucher="KZ-T-9",
    )
    assert Disbursement.objects.get(voucher="KZ-T-9").account_number == "6222000011112222"


def test_a_batch_with_one_bad_line_stores_nothing_and_names_it(user):
    bureau = user("kjj")
    payable = list(Grant.objects.filter(status=GrantStatus.PAYABLE).select_related("enterprise")[:3])
    awaiting = Grant.objects.filter(status=GrantStatus.AWAITING_ACCOUNT, account_number="").first()
    rows = [(g, g.amount, f"KZ-B-{n}") for n, g in enumerate(payable)] + [
        (awaiting, awaiting.amount, "KZ-B-9")
    ]
    with pytest.raises(ValidationError) as refused:
        grants.pay_batch(bureau, rows, paid_on=timezone.localdate())
    assert f"{awaiting.enterprise.name}：企业尚未确认收款账户" in str(refused.value)
    assert not Disbursement.objects.filter(voucher__startswith="KZ-B-").exists()
    grants.pay_batch(bureau, rows[:3], paid_on=timezone.localdate())
    assert set(Grant.objects.filter(pk__in=[g.pk for g in payable]).values_list("status", flat=True)) == {
        GrantStatus.PAID
    }
    assert (
        ChangeEntry.objects.filter(
            content_type__model="disbursement", object_repr__startswith="KZ-B-"
        ).count()
        == 3
    )


def test_target_6_1_is_computed_from_the_payments_and_falls_back_to_the_report():
    target = Target.objects.get(indicator__code="6-1", year=2021)
    actual = actual_for(target, date(2026, 11, 28))
    paid = Disbursement.objects.filter(paid_on__year=2021, status=DisbursementStatus.PAID).aggregate(
        t=Sum("amount")
    )["t"]
    assert not actual.reported and actual.value == (paid / 10000).quantize(Decimal("0.01"))
    assert Decimal(1900) <= actual.value <= Decimal(2300)  # near its 2,000万
    assert actual.record_count == Disbursement.objects.filter(paid_on__year=2021).count()
    # without payment records in a year, the approved report stands
    Disbursement.objects.filter(paid_on__year=2021).update(paid_on=date(2019, 6, 1))
    reported = actual_for(target, date(2026, 11, 28))
    assert reported.reported and reported.value == Decimal(2126)


def test_the_round_and_budget_pages_keep_their_queries_whatever_the_size(
    client_as, round_2023, django_assert_max_num_queries
):
    client = client_as("kjj")
    assert round_2023.lines.count() > 300
    with django_assert_max_num_queries(60):
        page = client.get(round_2023.get_absolute_url())
    assert page.status_code == 200 and "差一点符合" in page.content.decode()
    with django_assert_max_num_queries(30):
        page = client.get("/policies/budget/?year=2021")
    body = page.content.decode()
    assert page.status_code == 200 and "研发投入补助" in body and 'id="budget-chart"' in body


def test_the_budget_api_gives_the_pages_figures_within_the_callers_scope(client_as):
    data = client_as("kjj").get("/api/v1/policies/budget", {"year": "2021"}).json()
    paid = Disbursement.objects.filter(grant__budget_year=2021, status=DisbursementStatus.PAID).aggregate(
        t=Sum("amount")
    )["t"]
    assert data["year"] == 2021 and data["paid"] == float(paid)
    rd = next(i for i in data["instruments"] if i["name"] == "研发投入补助")
    assert rd["budget"] == rd["initial"] + rd["adjusted"] and rd["left"] == rd["budget"] - rd["committed"]
    assert sum(i["paid"] for i in data["instruments"]) == data["paid"]
    page = client_as("kjj").get("/policies/budget/", {"year": "2021"}).content.decode()
    assert f'id="total-paid">{paid / 10000:,.2f}<' in page
    refused = client_as("kjj").get("/api/v1/policies/budget", {"year": "二〇二一"})
    assert refused.status_code == 422 and "year" in refused.json()["detail"]
    assert client_as("expert").get("/api/v1/policies/budget").status_code == 403


def test_the_public_reads_the_policies_in_force_without_who_received_what(client):
    page = client.get("/public/policies/").content.decode()
    assert "开州区支持科技创新若干财政金融政策" in page and "演示数据" in page
    document = Instrument.objects.get(name="研发投入补助").document
    detail = client.get(f"/public/policies/{document.pk}/").content.decode()
    assert "当年研发费用不低于 50.00 万元" in detail and "免申即享" in detail
    enterprise = Grant.objects.filter(status=GrantStatus.PAID).first().enterprise
    assert enterprise.name not in detail and "凭证" not in detail
    document.effective_to = date(2021, 1, 1)
    document.effective_from = date(2020, 1, 1)
    document.save()
    assert client.get(f"/public/policies/{document.pk}/").status_code == 404


def test_an_enterprise_sees_its_grants_and_checks_itself_against_each_policy(client_as, user):
    qiye = user("qiye")
    page = client_as(qiye).get("/policies/mine/").content.decode()
    own = Grant.objects.filter(enterprise__users=qiye)
    assert own.exists() and all(g.get_absolute_url() in page for g in own)
    other = Grant.objects.exclude(enterprise__users=qiye).first()
    assert other.get_absolute_url() not in page
    from kechuang.policies.models import PolicyApplication

    applied = PolicyApplication.objects.filter(enterprise__users=qiye)
    assert applied.exists() and all(a.get_absolute_url() in page for a in applied)
    others = PolicyApplication.objects.exclude(enterprise__users=qiye)
    assert others.exists() and not any(a.get_absolute_url() in page for a in others)
    from kechuang.core.numbers import wan
    from kechuang.policies import rules

    instrument = _instrument()
    year = timezone.localdate().year - 1
    rule = instrument.rule_on(date(year, 12, 31))
    [outcome] = rules.evaluate(rule.conditions, rule.amount, year, [qiye.enterprises.get().pk])
    assert outcome.eligible  # the demo enterprise's R&D is above 50万
    assert f"符合</span> 测算 {wan(outcome.amount)} 万元" in page
    assert client_as("hanfeng").get("/policies/mine/").status_code == 403
