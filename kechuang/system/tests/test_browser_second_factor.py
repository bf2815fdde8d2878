"""In real headless Chromium on a phone: an administrator's first sign-in with the second factor enforced
sets up an authenticator from the page (QR code drawn by the app, secret typed by hand), the next one
asks for the code."""

import time
from base64 import b32decode

import pytest
from django_otp.oath import TOTP

from kechuang.site.demo import DEMO_PASSWORD
from kechuang.testing.browser import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FITS = "document.documentElement.scrollWidth <= window.innerWidth + 1"


def code_for(secret_text: str, steps_on: int = 0) -> str:
    """What an authenticator app shows for the secret as the page printed it (groups of four)."""
    totp = TOTP(b32decode("".join(secret_text.split())))
    totp.time = time.time() + steps_on * 30
    return f"{totp.token():06d}"


def password_step(page, base_url, username):
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")


def test_an_administrator_sets_up_and_uses_the_second_factor_on_a_phone(browser_page, live_server, settings):
    settings.KECHUANG_ADMIN_OTP = True
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    password_step(page, live_server.url, "sysadmin")
    page.wait_for_url("**/accounts/otp/setup/**")
    assert page.locator("h1").inner_text() == "设置动态口令"
    qr = page.locator(".otp-qr svg")
    assert qr.is_visible() and qr.bounding_box()["width"] >= 150
    assert page.evaluate(FITS)
    page.screenshot(path=str(ARTIFACTS / "otp-setup-phone.png"), full_page=True)
    secret = page.locator(".otp-secret .mono").inner_text()

    page.fill("#id_code", "12345")  # a digit short
    page.click("button[type=submit] >> text=完成设置")
    assert "6 位数字" in page.locator("form[action$='/setup/']").inner_text()
    assert page.locator("nav.sidenav a").count() == 0  # nothing else is open before the code
    page.fill("#id_code", code_for(secret))
    page.click("button[type=submit] >> text=完成设置")
    page.wait_for_url(f"{live_server.url}/")
    assert "动态口令已启用" in page.locator(".messages").inner_text()

    page.context.clear_cookies()
    password_step(page, live_server.url, "sysadmin")
    page.wait_for_url("**/accounts/otp/?next=**")
    assert page.locator("h1").inner_text() == "动态口令验证" and page.evaluate(FITS)
    page.fill("#id_code", code_for(secret, steps_on=1))
    page.click("button[type=submit] >> text=验证")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/org/users/")
    assert page.locator("h1").inner_text().startswith("用户")
    assert page.console_errors == []
