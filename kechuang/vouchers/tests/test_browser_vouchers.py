"""In headless Chromium on a phone (390 px), a voucher from issue to settlement: the demo enterprise claims
one on its type's page, the demo service institution finds it by number and credit code and redeems it
with the contract and invoice scans, the bureau verifies it and settles the institution's verified
vouchers in one payment. Screenshots in test-artifacts/."""

from decimal import Decimal

import pytest
from django.utils import timezone

from kechuang.org.models import Department, User
from kechuang.testing.browser import ARTIFACTS, sign_in
from kechuang.vouchers import actions
from kechuang.vouchers.models import ServiceProvider, Voucher, VoucherStatus

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
    page.screenshot(path=str(ARTIFACTS / f"voucher-{name}.png"), full_page=True)


def test_a_voucher_from_claim_through_redemption_to_settlement(browser_page, live_server, tmp_path):
    page, base = browser_page, live_server.url
    page.set_viewport_size({"width": 390, "height": 844})
    kjj = User.objects.get(username="kjj")
    enterprise = User.objects.get(username="qiye").enterprises.order_by("pk").first()
    today = timezone.localdate()
    vtype = actions.save_type(
        kjj,
        None,
        department=Department.objects.get_parent(enterprise.town),
        name="科技创新券（检验检测）",
        year=today.year,
        face_value=Decimal("10000"),
        valid_from=today.replace(month=1, day=1),
        valid_to=today.replace(year=today.year + 1, month=3, day=31),
        annual_cap=Decimal("50000"),
        max_share=Decimal("0.50"),
    )

    # the enterprise claims it on the type's page
    sign_in(page, base, "qiye")
    page.goto(f"{base}/vouchers/types/{vtype.pk}/")
    look(page, "type")
    assert "已领取创新券" in click(page, "#claim-voucher")
    voucher = Voucher.objects.get(type=vtype, enterprise=enterprise)
    assert voucher.status == VoucherStatus.ISSUED and voucher.number in page.content()
    look(page, "claimed")

    # the institution finds it (a wrong credit code first) and redeems it
    page.context.clear_cookies()
    sign_in(page, base, "fuwu")
    page.goto(f"{base}/vouchers/redeem/")
    page.fill("#id_number", voucher.number)
    page.fill("#id_credit_code", "91500154MA5U000000")
    click(page, "#find-voucher")
    assert "券号与持券企业的统一社会信用代码不符" in page.content()
    page.fill("#id_credit_code", enterprise.credit_code)
    click(page, "#find-voucher")
    assert enterprise.name in page.content()
    page.fill("#id_service_content", "产品型式检验")
    page.fill("#id_contract_number", "JC-2026-088")
    page.fill("#id_contract_amount", "30000")
    page.fill("#id_invoice_number", "50012600088")
    page.fill("#id_invoice_amount", "16000")
    page.fill("#id_redeemed_amount", "10000")
    contract, invoice = tmp_path / "合同.pdf", tmp_path / "发票.pdf"
    contract.write_bytes(PDF)
    invoice.write_bytes(PDF)
    page.set_input_files("#id_contract_file", str(contract))
    page.set_input_files("#id_invoice_file", str(invoice))
    look(page, "redeem")
    # beyond half the invoice: refused with the reason, nothing stored (the files chosen again)
    click(page, "#redeem-voucher")
    assert "超过发票金额的 50%" in page.content()
    assert Voucher.objects.get(pk=voucher.pk).status == VoucherStatus.ISSUED
    page.fill("#id_invoice_amount", "20000")
    page.set_input_files("#id_contract_file", str(contract))
    page.set_input_files("#id_invoice_file", str(invoice))
    assert "已兑付" in click(page, "#redeem-voucher")
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.REDEEMED and voucher.attachments.count() == 2
    look(page, "redeemed")

    # the bureau verifies it and settles the institution's verified vouchers
    page.context.clear_cookies()
    sign_in(page, base, "kjj")
    page.goto(f"{base}/vouchers/list/{voucher.pk}/")
    page.click("details.workflow-action summary:text-is('核验通过')")
    note = page.locator("details.workflow-action[open] input[name=verify_note]")
    if note.count():
        note.fill("合同、发票齐全，服务已完成")
    click(page, "details.workflow-action[open] button:has-text('确认核验通过')")
    assert Voucher.objects.get(pk=voucher.pk).status == VoucherStatus.VERIFIED
    provider = ServiceProvider.objects.get(users__username="fuwu")
    page.goto(f"{base}/vouchers/providers/{provider.pk}/")
    look(page, "provider")
    page.fill("#id_settlement_number", "开科券结〔2026〕9号")
    assert "已结算" in click(page, "#settle-vouchers")
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.SETTLED and voucher.settlement_number == "开科券结〔2026〕9号"
    assert voucher.settled_on == today
    page.goto(f"{base}/vouchers/list/{voucher.pk}/")
    look(page, "settled")
