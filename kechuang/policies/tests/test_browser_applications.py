"""In headless Chromium on a phone (390 px), an application from the window to payment: the demo enterprise
applies under an article that needs one (its amount computed from the registry), fills in the form,
uploads the attachments and submits; the bureau accepts it, its town's reporter makes the 初审, the
bureau records the 联审 and publishes the list; the public reads the 公示; an objection is recorded and
resolved; the bureau decides with the decision's number and pays the grant. Screenshots in
test-artifacts/."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from kechuang.enterprises.models import Enterprise
from kechuang.org.models import Department, User
from kechuang.policies import actions, applications, grants
from kechuang.policies.models import (
    ApplicationStatus,
    Checker,
    Disbursement,
    GrantStatus,
    InstrumentKind,
    Mode,
    PolicyApplication,
    PolicyDocument,
    WindowStatus,
)
from kechuang.testing.browser import ARTIFACTS, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FITS = "document.documentElement.scrollWidth <= window.innerWidth + 1"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def click(page, selector) -> str:
    with page.expect_navigation():
        page.click(selector)
    messages = page.locator("ul.messages")
    return messages.inner_text() if messages.count() else ""


def look(page, name):
    assert page.evaluate(FITS), f"{name}: the page is wider than the phone"
    page.screenshot(path=str(ARTIFACTS / f"apply-{name}.png"), full_page=True)


def transition(page, label):
    page.click(f"details.workflow-action summary:text-is('{label}')")
    comment = page.locator("details.workflow-action[open] textarea")
    if comment.count():
        comment.first.fill("情况属实，同意")
    return click(page, f"details.workflow-action[open] button:has-text('确认{label}')")


def test_an_application_from_the_window_through_publicity_to_payment(browser_page, live_server, tmp_path):
    page, base = browser_page, live_server.url
    page.set_viewport_size({"width": 390, "height": 844})
    bureau = User.objects.get(username="kjj")
    enterprise = User.objects.get(username="qiye").enterprises.order_by("pk").first()
    town = Department.objects.get(name="汉丰街道")
    Enterprise.objects.filter(pk=enterprise.pk).update(town=town)
    today = timezone.localdate()
    instrument = actions.save_instrument(
        bureau,
        None,
        document=PolicyDocument.objects.filter(is_demo=True).first(),
        article="第九条",
        name="人才引进奖励",
        kind=InstrumentKind.TALENT_AWARD,
        mode=Mode.APPLY,
        beneficiary="引进高层次人才的企业",
        lead_department=Department.objects.get(name="区科技局"),
    )
    actions.save_rule(
        bureau,
        instrument,
        valid_from=date(2020, 1, 1),
        conditions=[],
        amount={"type": "fixed", "amount": 100000},
    )
    grants.save_budget(bureau, instrument, today.year, Decimal(1_000_000))
    window = applications.save_window(
        bureau,
        None,
        instrument=instrument,
        title=f"{today.year}年人才引进奖励申报",
        data_year=today.year - 1,
        budget_year=today.year,
        opens_on=today - timedelta(days=3),
        closes_on=today + timedelta(days=20),
        checker=Checker.TOWN,
        attachments="人才引进合同",
    )

    # 1. the enterprise applies, fills in the form, uploads its attachment and submits
    sign_in(page, base, "qiye")
    page.goto(f"{base}{window.get_absolute_url()}")
    look(page, "window")
    assert "已开始填报申请" in click(page, "#start-application")
    application = PolicyApplication.objects.get(window=window, enterprise=enterprise)
    assert page.locator("#apply_requested").input_value() == "100000.00"
    page.fill("#apply_requested", "120000")
    for field, value in {
        "statement": "引进博士 1 名，全职在岗，负责新材料研发。",
        "contact_name": "张经理",
        "contact_phone": "13800001111",
        "bank_name": "中国农业银行开州支行",
        "account_number": "6228480000012345678",
    }.items():
        page.fill(f"#apply_{field}", value)
    click(page, "#save-application")
    assert "申请金额不能超过按政策测算的 100,000.00 元" in page.locator("#application-form").inner_text()
    assert page.locator("#apply_statement").input_value().startswith("引进博士")  # nothing typed is lost
    page.fill("#apply_requested", "90000")
    assert "申请已保存" in click(page, "#save-application")
    assert page.locator("#submit-application").is_disabled()
    contract = tmp_path / "人才引进合同.pdf"
    contract.write_bytes(PDF)
    page.set_input_files("#upload_file", str(contract))
    assert "已上传" in click(page, "#upload-attachment")
    look(page, "application")
    assert "已提交" in click(page, "#submit-application")
    assert PolicyApplication.objects.get(pk=application.pk).status == ApplicationStatus.SUBMITTED

    # 2. the bureau accepts it; the town's reporter makes the 初审 from 我的待办
    page.context.clear_cookies()
    sign_in(page, base, "kjj")
    page.goto(f"{base}{application.get_absolute_url()}")
    transition(page, "受理")
    page.context.clear_cookies()
    sign_in(page, base, "hanfeng")
    assert "待初审的政策兑现申请" in page.content()
    page.goto(f"{base}{application.get_absolute_url()}")
    transition(page, "初审通过")
    assert PolicyApplication.objects.get(pk=application.pk).status == ApplicationStatus.CHECKED

    # 3. the bureau closes the window, records the 联审 and publishes the list (a 4-day 公示 refused)
    page.context.clear_cookies()
    sign_in(page, base, "kjj")
    page.goto(f"{base}{window.get_absolute_url()}")
    transition(page, "截止受理")
    page.goto(f"{base}{application.get_absolute_url()}")
    page.fill("#propose_opinion", "人力社保局、财政局同意")
    assert "拟兑现名单" in click(page, "#propose-application")
    page.goto(f"{base}{window.get_absolute_url()}")
    start = today - timedelta(days=20)
    page.fill("#publish_start", start.isoformat())
    page.fill("#publish_days", "4")
    click(page, "#publish-window")
    assert "公示期不少于 5 个工作日" in page.locator("#publish").inner_text()
    page.fill("#publish_days", "5")
    assert "名单已公示" in click(page, "#publish-window")
    window.refresh_from_db()
    assert window.status == WindowStatus.PUBLICITY

    # 4. the public reads the 公示 without signing in
    public = page.context.browser.new_page(viewport={"width": 390, "height": 844})
    public.goto(f"{base}/public/policies/")
    public.click(f"text={window.title}")
    assert enterprise.name in public.content() and "9.00" in public.content()
    assert public.evaluate(FITS)
    public.screenshot(path=str(ARTIFACTS / "apply-public-notice.png"), full_page=True)
    public.close()

    # 5. an objection recorded and resolved, then the decision and the payment
    page.fill("#objection_received_on", start.isoformat())
    page.fill("#objection_name", "李某")
    page.fill("#objection_content", "该人才是否全职到岗存疑")
    page.select_option("#objection_application", str(application.pk))
    assert "异议已登记" in click(page, "#record-objection")
    objection = window.objections.get()
    assert "公示异议未处理" in page.locator("#decide").inner_text()
    page.check(f"#objection-{objection.pk} input[value='0']")
    page.fill(f"#objection-{objection.pk} textarea", "经核实已全职到岗，异议不成立")
    assert "异议已处理" in click(page, f"#resolve-{objection.pk}")
    page.fill("#decide_decision_number", "开州府办发〔2026〕21号")
    assert "名单已审定" in click(page, "#decide-window")
    look(page, "decided")
    grant = PolicyApplication.objects.get(pk=application.pk).grant
    assert grant.status == GrantStatus.PAYABLE and grant.amount == Decimal(90000)
    page.goto(f"{base}{grant.get_absolute_url()}")
    page.fill("#pay_voucher", "KZCZ-2026-0901")
    assert "已登记拨付 90,000.00 元" in click(page, "#pay-grant")
    look(page, "paid")
    grant.refresh_from_db()
    assert grant.status == GrantStatus.PAID
    assert Disbursement.objects.get(grant=grant).account_number == "6228480000012345678"
