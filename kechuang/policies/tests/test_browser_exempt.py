"""In headless Chromium on a phone (390 px), a 免申即享 round: the bureau computes the demo's HTE award on
2025's data from the instrument's page, sets one enterprise aside, is refused beyond the budget, records
an adjustment and confirms the list; the demo enterprise finds its grant in 我的待办 and confirms its
account (a wrong name refused first); the bureau pays it. Screenshots of each page are kept in
test-artifacts/."""

from decimal import Decimal

import pytest
from django.db.models import Sum

from kechuang.org.models import User
from kechuang.policies import grants
from kechuang.policies.models import BenefitRound, Disbursement, Grant, GrantStatus, Instrument, RoundStatus
from kechuang.testing.browser import ARTIFACTS, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FITS = "document.documentElement.scrollWidth <= window.innerWidth + 1"


def click(page, selector) -> str:
    with page.expect_navigation():
        page.click(selector)
    messages = page.locator("ul.messages")
    return messages.inner_text() if messages.count() else ""


def look(page, name):
    assert page.evaluate(FITS), f"{name}: the page is wider than the phone"
    page.screenshot(path=str(ARTIFACTS / f"exempt-{name}.png"), full_page=True)


def test_a_benefit_round_from_the_registry_to_payment(browser_page, live_server):
    page, base = browser_page, live_server.url
    page.set_viewport_size({"width": 390, "height": 844})
    qiye = User.objects.get(username="qiye")
    award = Instrument.objects.get(name="高新技术企业首次认定奖励")
    BenefitRound.objects.filter(instrument=award, data_year=2025).delete()  # the demo's draft: drawn again
    # the demo enterprise's first HTE recognition falls in 2025 here
    enterprise = qiye.enterprises.get()
    first = enterprise.qualifications.filter(kind__code="hte").order_by("issued_on").first()
    enterprise.qualifications.filter(kind__code="hte").exclude(pk=first.pk).delete()
    type(first).objects.filter(pk=first.pk).update(issued_on=first.issued_on.replace(year=2025))

    # 1. the bureau computes the list from the instrument's page
    sign_in(page, base, "kjj")
    page.goto(f"{base}{award.get_absolute_url()}")
    look(page, "instrument")
    page.fill("#compute_data_year", "2025")
    page.fill("#compute_budget_year", "2026")
    assert "名单已测算" in click(page, "#compute-round")
    round_ = BenefitRound.objects.get(instrument=award, data_year=2025)
    assert page.url.endswith(round_.get_absolute_url())
    listed = round_.lines.filter(eligible=True)
    assert listed.filter(enterprise=enterprise).exists() and listed.count() > 5
    body = page.locator("#listed").inner_text()
    assert enterprise.name in body and "首次认定为高新技术企业" in body
    look(page, "round")

    # 2. one enterprise set aside with a reason
    other = listed.exclude(enterprise=enterprise).order_by("pk").first()
    row = page.locator(f"#line-{other.pk}")
    row.locator("input[name=reason]").fill("已享受市级同类奖励")
    assert "剔除出名单" in click(page, f"#line-{other.pk} button")
    assert "已享受市级同类奖励" in page.locator("#excluded").inner_text()

    # 3. beyond the budget: refused; an adjustment recorded on the instrument's page; then confirmed
    total = round_.lines.filter(eligible=True, status="proposed").aggregate(t=Sum("amount"))["t"]
    [row_2026] = grants.execution([award], 2026)
    budget = award.budgets.get(year=2026)
    cut = row_2026.left - total + Decimal(100_000)  # leave 10万 less than the list needs
    grants.adjust_budget(
        User.objects.get(username="kjj"), budget, amount=-cut, reason="预算压减", adjusted_on=budget_day()
    )
    page.reload()
    assert page.locator("#over-budget").count() == 1
    page.fill("#confirm_decision_number", "开州科发〔2026〕40号")
    click(page, "#confirm-round")
    assert (
        "超出“高新技术企业首次认定奖励”2026 年度预算余额"
        in page.locator("#listed .errors").first.inner_text()
    )
    assert BenefitRound.objects.get(pk=round_.pk).status == RoundStatus.DRAFT
    page.goto(f"{base}{award.get_absolute_url()}#budgets")
    page.select_option("#adjust-year", "2026")
    page.fill("#adjust_amount", "100000")
    page.fill("#adjust_reason", "按免申即享名单追加")
    page.fill("#adjust_document_number", "开州财预〔2026〕12号")
    assert "预算已调整" in click(page, "#adjust-budget")
    look(page, "budgets")
    page.goto(f"{base}{round_.get_absolute_url()}")
    page.fill("#confirm_decision_number", "开州科发〔2026〕40号")
    assert "名单已确认" in click(page, "#confirm-round")
    assert BenefitRound.objects.get(pk=round_.pk).status == RoundStatus.CONFIRMED
    grant = Grant.objects.get(benefit_line__round=round_, enterprise=enterprise)
    assert grant.status == GrantStatus.AWAITING_ACCOUNT

    # 4. the enterprise confirms its account from 我的待办
    page.context.clear_cookies()
    sign_in(page, base, "qiye")
    assert page.get_by_text("待确认收款账户的奖补").count() >= 1
    with page.expect_navigation():
        page.locator(f"a[href='{grant.get_absolute_url()}']").first.click()
    look(page, "grant-enterprise")
    assert page.input_value("#account_account_name") == enterprise.name  # filled in: the name must match
    page.fill("#account_account_name", "别的公司")
    page.fill("#account_bank_name", "中国建设银行开州支行")
    page.fill("#account_account_number", "6217 0037 6000 0012 345")
    click(page, "#confirm-account")
    assert f"户名应为企业名称“{enterprise.name}”" in page.content()
    assert page.input_value("#account_bank_name") == "中国建设银行开州支行"  # nothing typed is lost
    page.fill("#account_account_name", enterprise.name)
    assert "收款账户已确认" in click(page, "#confirm-account")
    assert "****" in page.locator("#grant-account").inner_text()  # the number shown masked
    grant.refresh_from_db()
    assert grant.status == GrantStatus.PAYABLE and grant.account_number == "6217003760000012345"

    # 5. the bureau pays it
    page.context.clear_cookies()
    sign_in(page, base, "kjj")
    page.goto(f"{base}{grant.get_absolute_url()}")
    assert page.input_value("#pay_amount") == f"{grant.amount}"
    page.fill("#pay_voucher", "KZCZ202612-T0001")
    assert "已登记拨付" in click(page, "#pay-grant")
    grant.refresh_from_db()
    assert grant.status == GrantStatus.PAID
    payment = Disbursement.objects.get(voucher="KZCZ202612-T0001")
    assert payment.amount == grant.amount and payment.account_number == "6217003760000012345"
    look(page, "grant-paid")
    page.goto(f"{base}/policies/budget/?year=2026")
    assert page.locator("#budget-chart svg").count() == 1
    look(page, "budget")
    assert [e for e in page.console_errors if "400 (Bad Request)" not in e] == [], page.console_errors


def budget_day():
    from datetime import date

    return date(2026, 1, 15)
